"""Signed chain-head digest (pure part): the document, the bytes that get MAC'd, and the check.

The MAC (KMS GenerateMac, HMAC_SHA_256) is computed over `mac_message(doc)`: the
sha256 of the canonical document, which keeps the KMS message far below its
4096-byte limit whatever the number of chains.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime

from hub.core.audit.chain import Head
from hub.core.audit.model import format_at

DIGEST_VERSION = 1


def build_digest(heads: list[Head], *, now: datetime, table: str) -> dict:
    return {
        "v": DIGEST_VERSION,
        "generated_at": format_at(now),
        "table": table,
        "chains": {h.chain: {"seq": h.seq, "hash": h.hash, "at": h.at} for h in sorted(heads, key=lambda h: h.chain)},
    }


def mac_message(doc: dict) -> bytes:
    canonical = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(canonical).digest()


def digest_key(doc: dict, prefix: str = "digests/") -> str:
    """Object key; lexical order is time order so the newest digest is the last key."""
    generated = doc["generated_at"]
    return f"{prefix}{generated[:4]}/{generated[5:7]}/{generated[8:10]}/{generated}.json"


def digest_heads(doc: dict) -> dict[str, Head]:
    return {
        chain: Head(chain=chain, seq=int(h["seq"]), hash=h["hash"], at=h.get("at"))
        for chain, h in (doc.get("chains") or {}).items()
    }
