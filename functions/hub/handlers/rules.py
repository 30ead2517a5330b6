"""Rules input (FIFO SQS, per-household groups): child state -> alerts queue, partial batch failures."""
from __future__ import annotations

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from hub.handlers import _observability as observability
from hub.handlers import composition
from hub.service.queued import load_message

logger = Logger()
metrics = observability.metrics()
processor = SqsFifoPartialProcessor(skip_group_on_error=True)


def record_handler(record: SQSRecord) -> None:
    msg, _ = load_message(composition.current().archive, record.json_body)
    logger.append_keys(message_id=msg.message_id)
    n = composition.rules_service().on_message(msg)
    metrics.add_metric(name="AlertRecords", unit="Count", value=n)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context) -> dict:
    # FIFO: after a failure the rest of that group is reported failed too, keeping per-household order.
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
