"""Powertools Metrics for every handler.

The namespace normally comes from POWERTOOLS_METRICS_NAMESPACE (template.yaml); the default keeps a
handler usable when it is imported before that is set (tests, tools), instead of failing at flush.
"""
from __future__ import annotations

import os

from aws_lambda_powertools import Metrics


def metrics() -> Metrics:
    return Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or "SafeguardingHub")
