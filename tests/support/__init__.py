"""One home for test support, imported by every test tier, bench/ and the events builders.

- `nhs`: valid NHS numbers (the one Modulus 11 generator).
- `agencies`: the scenario agencies, callers and API keys.
- `messages`: the example messages in events/ and reading a Bundle's sender.
- `ukcore`: UK Core example resources wrapped into hub messages.
- `lambda_events`: a `LambdaContext`, API Gateway and SQS events.
- `fakes`: an in-memory fake of every port in `hub.ports` and a settable `FakeClock`.
- `wiring`: `in_memory_ports()`, the composition root's `HubPorts` on those fakes (and `fake_settings()`).
- `pipeline`: drive any `HubPorts` in-process: ingest, pump a queue into a handler, read a queue dry.
- `cohort`: a deterministic synthetic cohort of valid messages (benchmarks, reliability).
- `agency_http`: an agency's HTTP client with retries (load and reliability runs).
- `rule_builders`: `Message` and fact builders for the rules engine.

`tests/contract/` runs one suite per port against its fake and the AWS adapter on moto; `tests/service/`
tests every service on the fakes. A conftest only holds fixtures: helpers to import live here.
"""
