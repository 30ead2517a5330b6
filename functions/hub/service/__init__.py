"""Application services: orchestrate the core and the adapters for one use case.

Each takes only the ports it uses (`hub.ports`), so tests pass in-memory fakes or moto-backed
adapters; `hub.bootstrap` wires them from a `HubPorts`, and handlers only parse the Lambda event and
call one of these.
"""
