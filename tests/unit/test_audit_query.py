"""Query filters, bounds, cursor and CSV (pure)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from hub.core.audit.export import records_to_csv
from hub.core.audit.query import (AuditFilters, Cursor, InvalidQuery, decode_cursor, encode_cursor, matches,
                                  parse_bound, parse_limit)

REC = {"at": "2026-06-10T12:00:00.000000Z", "action": "message.accepted", "actor_ods": "A81001",
       "recipient_ods": "LA001", "event": "injury-observed", "outcome": "202", "child": "abc"}


def test_query_date_bounds_are_london_days_with_inclusive_upper_date():
    assert parse_bound("2026-06-10", name="from", upper=False) == datetime(2026, 6, 9, 23, 0, tzinfo=timezone.utc)
    assert parse_bound("2026-06-10", name="to", upper=True) == datetime(2026, 6, 10, 23, 0, tzinfo=timezone.utc)
    assert parse_bound("2026-01-10", name="to", upper=True) == datetime(2026, 1, 11, 0, 0, tzinfo=timezone.utc)
    assert parse_bound("2026-06-10T10:00:00+01:00", name="from", upper=False) == datetime(2026, 6, 10, 9, tzinfo=timezone.utc)
    assert parse_bound(None, name="from", upper=False) is None
    with pytest.raises(InvalidQuery):
        parse_bound("last tuesday", name="from", upper=False)


def test_query_filters_match_each_field():
    assert matches(REC, AuditFilters())
    assert matches(REC, AuditFilters(sender="A81001", recipient="LA001", event="injury-observed", outcome="202",
                                     action="message.accepted", child="abc"))
    for f in (AuditFilters(sender="B"), AuditFilters(recipient="B"), AuditFilters(event="child-seen"),
              AuditFilters(rule="x"), AuditFilters(outcome="422"), AuditFilters(action="alert.raised"),
              AuditFilters(child="def")):
        assert not matches(REC, f)
    at = datetime(2026, 6, 10, 12, tzinfo=timezone.utc)
    assert matches(REC, AuditFilters(start=at)) and not matches(REC, AuditFilters(end=at))


def test_query_describe_never_carries_the_child_hash():
    assert AuditFilters(child="abc", sender="A").describe() == {"sender": "A", "child": True}


def test_query_cursor_round_trips_and_rejects_garbage():
    c = Cursor(2, "r#000000000017")
    assert decode_cursor(encode_cursor(c)) == c
    assert decode_cursor(None) is None
    for bad in ("nonsense!", "e30", encode_cursor(Cursor(1, None))[:-3]):
        with pytest.raises(InvalidQuery):
            decode_cursor(bad)


def test_query_limit_bounds():
    assert parse_limit(None) == 100 and parse_limit("5") == 5
    for bad in ("0", "1001", "x"):
        with pytest.raises(InvalidQuery):
            parse_limit(bad)


def test_query_csv_has_header_details_json_and_escapes_formulas():
    text = records_to_csv([{**REC, "actor_ods": "=HYPERLINK(1)", "details": {"b": 1, "a": [1, 2]}}])
    lines = text.strip().split("\r\n")
    assert lines[0].startswith("chain,seq,at,action,")
    assert "'=HYPERLINK(1)" in lines[1]
    assert '"{""a"":[1,2],""b"":1}"' in lines[1]
