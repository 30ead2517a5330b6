"""NHS number (Modulus 11) and ODS code checks."""
from __future__ import annotations

import re

# matched whole (``fullmatch``): ``$`` would let "9990012008\n" through as a second child (v1.1)
ODS_RE = re.compile(r"[A-Z0-9]{3,8}")
_TEN_DIGITS = re.compile(r"[0-9]{10}")


def nhs_number_valid(value: object) -> bool:
    """NHS Data Dictionary Modulus 11: weights 10..2 on digits 1-9; check = 11 - (sum mod 11)."""
    if not isinstance(value, str) or _TEN_DIGITS.fullmatch(value) is None:
        return False
    total = sum(int(d) * w for d, w in zip(value[:9], range(10, 1, -1)))
    check = 11 - (total % 11)
    if check == 11:
        check = 0
    if check == 10:
        return False
    return check == int(value[9])


def ods_code_valid(value: object) -> bool:
    return isinstance(value, str) and ODS_RE.fullmatch(value) is not None
