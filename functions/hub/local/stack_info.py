"""What a local deploy produced: physical ids, the functions' resolved settings and their event wiring.

Written to `.local/stack.json` (or wherever `save` is told) so that another process - `safeguard`
commands, a test run under infra/localstack/run.sh - finds the same stack without deploying again.
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from hub.local.template import DEFAULT_ACCOUNT, REPO_ROOT

DEFAULT_STACK_FILE = REPO_ROOT / ".local" / "stack.json"


@dataclass
class FunctionSpec:
    handler: str
    timeout: int
    memory: int
    env: dict[str, str]
    events: list[dict] = field(default_factory=list)
    code_uri: str | None = None  # absolute path of the source CodeUri (where the handler module is found)
    name: str | None = None  # resolved FunctionName, if the template sets one


@dataclass
class StackInfo:
    endpoint_url: str
    region: str
    resources: dict[str, str]  # logical id -> physical id (queue URL, table name, key id, ...)
    env: dict[str, str]  # union of all functions' resolved Environment.Variables
    functions: dict[str, FunctionSpec]
    stack_name: str = "hub-local"
    account_id: str = DEFAULT_ACCOUNT
    resource_types: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # logical id -> type, not created (played or n/a)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "StackInfo":
        d = dict(d)
        d["functions"] = {k: FunctionSpec(**v) for k, v in (d.get("functions") or {}).items()}
        return cls(**d)

    def save(self, path: str | os.PathLike | None = None) -> Path:
        p = Path(path) if path else DEFAULT_STACK_FILE
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.to_dict(), indent=2, sort_keys=True))
        tmp.replace(p)
        return p

    @classmethod
    def load(cls, path: str | os.PathLike | None = None) -> "StackInfo":
        p = Path(path) if path else DEFAULT_STACK_FILE
        return cls.from_dict(json.loads(Path(p).read_text()))

    def queue_urls(self) -> dict[str, str]:
        return {lid: phys for lid, phys in self.resources.items() if self.resource_types.get(lid) == "AWS::SQS::Queue"}

    def table_names(self) -> dict[str, str]:
        return {
            lid: phys for lid, phys in self.resources.items() if self.resource_types.get(lid) == "AWS::DynamoDB::Table"
        }
