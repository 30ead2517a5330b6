"""One-line, non-identifying descriptions of a message for chronologies and audit."""
from __future__ import annotations

from hub.core.events import spec_for_fact
from hub.core.messages import Message


def _fact_summary(f) -> str:
    spec = spec_for_fact(f)
    return spec.summary(f) if spec is not None else type(f).__name__


def summarise(msg: Message) -> str:
    """A one-line, non-identifying description for chronologies and audit."""
    parts = "; ".join(_fact_summary(f) for f in msg.facts[:5])
    prefix = f"{msg.event}" + ("" if msg.event_type == "new" else f" ({msg.event_type})")
    return f"{prefix}: {parts}" if parts else prefix
