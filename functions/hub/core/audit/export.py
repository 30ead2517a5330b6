"""CSV rendering of audit records (pure)."""
from __future__ import annotations

import csv
import io
import json
from typing import Iterable

from hub.core.audit.model import RECORD_FIELDS

CSV_COLUMNS: tuple[str, ...] = RECORD_FIELDS


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return str(value)


def _safe(text: str) -> str:
    # spreadsheet formula injection: a cell must not start with = + - @
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def records_to_csv(records: Iterable[dict], columns: Iterable[str] = CSV_COLUMNS) -> str:
    cols = list(columns)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(cols)
    for rec in records:
        writer.writerow([_safe(_cell(rec.get(c))) for c in cols])
    return buf.getvalue()
