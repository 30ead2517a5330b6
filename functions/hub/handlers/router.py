"""Router (FIFO SQS from ingest): minimised, re-addressed copies into each recipient's mailbox, then to rules."""
from __future__ import annotations

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from hub.handlers import _observability as observability
from hub.handlers import composition

logger = Logger()
metrics = observability.metrics()
processor = SqsFifoPartialProcessor(skip_group_on_error=True)


def record_handler(record: SQSRecord) -> None:
    delivered = composition.router_service().route(record.json_body)
    metrics.add_metric(name="Disclosures", unit="Count", value=delivered)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context) -> dict:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
