"""Functional core: pure Python. No boto3, no os.environ, no clock: callers pass `now`, ids and config in."""
