"""The hub's events, each declared once in ``registry``: what validation, child state, routing, summaries,
the JSON Schemas and the example builders know about an event code."""
from hub.core.events.registry import (
    EVENT_CODES,
    REGISTRY,
    EventRegistry,
    EventSpec,
    event_spec,
    event_specs,
    spec_for_fact,
    spec_for_slot,
)

__all__ = [
    "EVENT_CODES",
    "REGISTRY",
    "EventRegistry",
    "EventSpec",
    "event_spec",
    "event_specs",
    "spec_for_fact",
    "spec_for_slot",
]
