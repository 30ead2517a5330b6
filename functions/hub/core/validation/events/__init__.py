"""One focus module per event (spec §4), named after the event code, found through ``hub.core.events``.

Each module has ``check(c, res, path, key, rid)``, the event's own contract checks on one focus resource
(``c`` is the ``MessageChecker``; the Bundle, the header, the reference to the child and the business key are
already checked) returning the fact it becomes, and ``focus_schema(base)``, the focus resource's
required content as JSON Schema.
"""
