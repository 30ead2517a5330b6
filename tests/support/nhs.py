"""Valid synthetic NHS numbers: the one Modulus 11 generator of the test code, bench and events builders."""
from __future__ import annotations

WEIGHTS = range(10, 1, -1)


def check_digit(first_nine: str) -> int | None:
    """NHS Data Dictionary Modulus 11 check digit of nine digits; None when the number cannot be issued (10)."""
    check = (11 - sum(int(d) * w for d, w in zip(first_nine, WEIGHTS)) % 11) % 11
    return None if check == 10 else check


def nhs_number(seed: int, *, prefix: str = "9", stride: int = 11) -> str:
    """A valid NHS number, distinct for each seed: `prefix` then the first base at or after seed * stride
    (modulo the free digits) whose check digit exists. With stride 11 each seed owns eleven bases, so
    seeds 0 <= seed < 9 000 000 never collide."""
    free = 9 - len(prefix)
    for j in range(101):
        base = f"{prefix}{(seed * stride + j) % 10 ** free:0{free}d}"
        check = check_digit(base)
        if check is not None:
            return base + str(check)
    raise AssertionError(f"no valid NHS number near seed {seed}")


def nhs_number_999(seed: int) -> str:
    """A valid NHS number in the 999 test range, the seed-th (or next valid) one: the replay scenarios' numbers."""
    return nhs_number(seed, prefix="999", stride=1)
