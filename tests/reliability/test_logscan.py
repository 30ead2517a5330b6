"""The PII scan itself can fail: a planted NHS number or birth date in a Powertools log line is found."""
from __future__ import annotations

import pytest

from tests.reliability.support import LogCapture, pii_needles

pytestmark = pytest.mark.xdist_group("reliability-logscan")


def test_logscan_finds_nhs_number_in_extra_and_appended_keys_and_birth_date_in_message():
    from aws_lambda_powertools import Logger

    logger = Logger(service="logscan-probe")
    cap = LogCapture()
    cap.attach()
    try:
        logger.info("plain line", extra={"message_id": "m-1"})
        logger.info("extra", extra={"patient": "9434765919"})
        logger.append_keys(child="943 476 5919")
        logger.info("appended")
        logger.remove_keys(["child"])
        logger.warning("born 2024-03-05")
    finally:
        cap.detach()
    found = cap.find(pii_needles(["9434765919"], ["2024-03-05"]))
    assert [f for f, _ in found] == ["9434765919", "943 476 5919", "2024-03-05"]
