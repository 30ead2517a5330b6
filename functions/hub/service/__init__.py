"""Application services: orchestrate the core and the adapters for one use case.

They take a `Hub` (the composition root's ports) so tests can pass fakes or moto-backed
adapters; handlers only parse the Lambda event and call one of these.
"""
