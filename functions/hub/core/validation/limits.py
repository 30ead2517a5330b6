"""The bounds ingest holds every message to, so that what it accepts can always be routed and evaluated, and
what it rejects costs little (spec §1: never a 5xx; v1.1: a capped OperationOutcome, every reply under 1 MB).

Each bound is far above anything a real message needs (the largest published example, a wrapped UK Core
resource, has about 330 JSON values); the README's contract section lists them.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

MAX_ISSUES = 100  # issues listed in an error OperationOutcome; one more says how many were left out
MAX_DIAGNOSTICS = 300  # characters of one issue's diagnostics
MAX_EXPRESSION = 200  # characters of one FHIRPath expression

MAX_JSON_VALUES = 10_000  # objects, arrays and scalars in one body, counted before it is parsed
MAX_FOCUS = 50  # MessageHeader.focus: each one becomes a fact of the child's state
MAX_REASONS = 20  # Encounter.reasonReference: the rules match each against the child's injuries

MAX_IDENTIFIER = 128  # Identifier.value of the child, a household, a business key, a careManager
MAX_SYSTEM = 256  # Identifier.system of a business key
MAX_TEXT = 500  # free text the hub keeps in a fact (bodySite, a cancellation reason)

# The earliest date or time the hub accepts anywhere (birthDate, Bundle.timestamp, clinical times): every
# date the rules derive (a year before birth, a cohort's due dates, Europe/London days) stays representable.
EARLIEST_DATE = date(1900, 1, 1)
EARLIEST = datetime(1900, 1, 1, tzinfo=timezone.utc)
