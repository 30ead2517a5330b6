"""Scheduled rules sweep: evaluates only children whose next deadline has fallen due, then escalates the
alert Tasks nobody acknowledged by their deadline (read through the Task table's due index)."""
from __future__ import annotations

from aws_lambda_powertools import Logger

from hub.handlers import _observability as observability
from hub.handlers import composition

logger = Logger()
metrics = observability.metrics()


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context) -> dict:
    n = composition.rules_service().sweep()
    metrics.add_metric(name="SweepRecords", unit="Count", value=n)
    tasks = composition.task_service()
    escalated = tasks.escalate_due() if tasks is not None else 0  # alert Tasks not acknowledged in time
    metrics.add_metric(name="TaskEscalations", unit="Count", value=escalated)
    return {"records": n, "escalations": escalated}
