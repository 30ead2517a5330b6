"""Tamper-evident audit log: the pure part (record model, hash chain, queries, reports).

See README.md in this folder for the record fields and the `details` keys the
report and chronology read.
"""
from hub.core.audit.chain import GENESIS, ChainReport, Head, Problem, canonical, compute_hash, link, verify_chain
from hub.core.audit.model import ACTIONS, AuditEntry, AuditError, InvalidAuditEntry, build_body, child_hash
from hub.core.audit.query import AuditFilters, Cursor, InvalidQuery

__all__ = [
    "ACTIONS",
    "AuditEntry",
    "AuditError",
    "AuditFilters",
    "ChainReport",
    "Cursor",
    "GENESIS",
    "Head",
    "InvalidAuditEntry",
    "InvalidQuery",
    "Problem",
    "build_body",
    "canonical",
    "child_hash",
    "compute_hash",
    "link",
    "verify_chain",
]
