"""Scheduled rules sweep: evaluates only children whose next deadline has fallen due."""
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
    return {"records": n}
