"""Contract tier: one suite per port in `hub.ports`, run against its in-memory fake (tests/support/fakes.py)
and its AWS adapter on moto, so the fakes the service tier relies on cannot drift from the adapters.

A package (this file) so the moto account is started once per run of the tier and stopped after it.
"""
