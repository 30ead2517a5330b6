"""Routing policy: pydantic models for ``hub/data/routing-policy.yaml`` and its loader.

The policy is data. It says, per event and per state of the child, which agencies
receive the message, on what legal basis, and which minimisation profile is applied
to each recipient's copy. See docs/routing.md for the format.
"""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Literal, Union

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from hub.core.events import event_spec
from hub.core.messages import AGENCY_KINDS
from hub.core.routing.profiles import PathRule, Profile, ResourceSpec, StrictModel as _Strict, resolve_extends  # noqa: F401

OdsResolver = Literal["la", "la_or_front_door", "gp", "hv", "police", "sender"]
ODS_RESOLVERS: tuple[str, ...] = ("la", "la_or_front_door", "gp", "hv", "police", "sender")
# What a recipient is sent: a minimised copy of the message (the default), or a notification the hub
# writes from the child's state (hub.core.routing.notifications), itself minimised by the profile.
Content = Literal["message", "plan-flag", "unscheduled-care"]
CONTENTS: tuple[str, ...] = ("message", "plan-flag", "unscheduled-care")
PLAN_TYPES: tuple[str, ...] = ("child-protection-plan", "child-in-need-plan", "early-help")  # spec §3


class PolicyError(ValueError):
    """The routing policy is malformed; the message names the rule and field."""


# ---- routing rules -----------------------------------------------------------------
class Condition(_Strict):
    """All given fields must hold. ``always: true`` matches every child."""

    always: bool | None = None
    on_cp_plan: bool | None = None
    on_plan: bool | None = None
    age_days_lt: int | None = Field(default=None, gt=0)
    sender_kind_in: tuple[str, ...] | None = None
    sender_kind_not_in: tuple[str, ...] | None = None
    plan_type_in: tuple[str, ...] | None = None  # the plan a plan-started/plan-ended message is about
    any_of: tuple["Condition", ...] | None = None

    @field_validator("sender_kind_in", "sender_kind_not_in")
    @classmethod
    def _kinds(cls, v: tuple[str, ...] | None) -> tuple[str, ...] | None:
        for k in v or ():
            if k not in AGENCY_KINDS:
                raise ValueError(f"unknown agency kind {k!r} (expected one of {', '.join(AGENCY_KINDS)})")
        return v

    @field_validator("plan_type_in")
    @classmethod
    def _plan_types(cls, v: tuple[str, ...] | None) -> tuple[str, ...] | None:
        for k in v or ():
            if k not in PLAN_TYPES:
                raise ValueError(f"unknown plan type {k!r} (expected one of {', '.join(PLAN_TYPES)})")
        return v

    @model_validator(mode="after")
    def _not_empty(self) -> "Condition":
        fields = {k for k, val in self if val is not None}
        if not fields:
            raise ValueError("empty condition; write 'always: true' to match every child")
        if self.always is False:
            raise ValueError("'always: false' never matches; remove the rule instead")
        if self.always and len(fields) > 1:
            raise ValueError("'always: true' cannot be combined with other conditions")
        if self.any_of is not None and not self.any_of:
            raise ValueError("'any_of' is empty")
        return self


class Recipient(_Strict):
    kind: str
    ods: OdsResolver
    legal_basis: str  # id into RoutingPolicy.legal_bases
    profile: str | None = None  # default: RoutingPolicy.default_profiles[kind]
    content: Content = "message"

    @field_validator("kind")
    @classmethod
    def _kind(cls, v: str) -> str:
        if v not in AGENCY_KINDS:
            raise ValueError(f"unknown agency kind {v!r} (expected one of {', '.join(AGENCY_KINDS)})")
        return v

    @model_validator(mode="after")
    def _no_copy_to_sender(self) -> "Recipient":
        if self.ods == "sender" and self.content == "message":
            raise ValueError("'ods: sender' needs a notification 'content': "
                             "a message is never copied back to its sender")
        return self


class Rule(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    description: str = ""
    events: tuple[str, ...]  # event codes (hub.core.events), or ["*"] for every event
    when: Condition
    recipients: tuple[Recipient, ...] = Field(min_length=1)

    @field_validator("events")
    @classmethod
    def _events(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if not v:
            raise ValueError("'events' is empty")
        for e in v:
            if e != "*" and event_spec(e) is None:
                raise ValueError(f"unknown event code {e!r}")
        return v

    def applies_to(self, event: str) -> bool:
        return "*" in self.events or event in self.events


class RoutingPolicy(_Strict):
    version: str = Field(min_length=1)
    legal_bases: dict[str, str]  # id -> citation text recorded in the audit
    default_profiles: dict[str, str]  # agency kind -> profile name
    profiles: dict[str, Profile]
    rules: tuple[Rule, ...] = Field(min_length=1)

    @field_validator("profiles", mode="before")
    @classmethod
    def _extends(cls, v: Any) -> Any:
        return resolve_extends(v)

    @model_validator(mode="after")
    def _cross_refs(self) -> "RoutingPolicy":
        for kind, prof in self.default_profiles.items():
            if kind not in AGENCY_KINDS:
                raise ValueError(f"default_profiles: unknown agency kind {kind!r}")
            if prof not in self.profiles:
                raise ValueError(f"default_profiles.{kind}: unknown profile {prof!r}")
        missing = [k for k in AGENCY_KINDS if k not in self.default_profiles]
        if missing:
            raise ValueError(f"default_profiles: no profile for agency kind(s) {', '.join(missing)}")
        seen: set[str] = set()
        for i, rule in enumerate(self.rules):
            where = f"rules[{i}] (id={rule.id})"
            if rule.id in seen:
                raise ValueError(f"{where}: duplicate rule id")
            seen.add(rule.id)
            for j, r in enumerate(rule.recipients):
                if r.legal_basis not in self.legal_bases:
                    raise ValueError(f"{where}.recipients[{j}].legal_basis: unknown legal basis {r.legal_basis!r}")
                if r.profile is not None and r.profile not in self.profiles:
                    raise ValueError(f"{where}.recipients[{j}].profile: unknown profile {r.profile!r}")
        for bid, text in self.legal_bases.items():
            if not text.strip():
                raise ValueError(f"legal_bases.{bid}: empty citation")
        return self

    def profile_name(self, recipient: Recipient) -> str:
        return recipient.profile or self.default_profiles[recipient.kind]

    def profile(self, name: str) -> Profile:
        try:
            return self.profiles[name]
        except KeyError:
            raise PolicyError(f"policy {self.version}: unknown minimisation profile {name!r}") from None


# ---- loading -----------------------------------------------------------------------
def _describe_loc(loc: tuple[Any, ...], raw: Any) -> str:
    parts: list[str] = []
    for i, p in enumerate(loc):
        if isinstance(p, int):
            parts.append(f"[{p}]")
            if i == 1 and loc[0] == "rules" and isinstance(raw, dict):
                try:
                    parts.append(f" (id={raw['rules'][p]['id']})")
                except (KeyError, IndexError, TypeError):
                    pass
        else:
            parts.append(("." if parts else "") + str(p))
    return "".join(parts)


def _read(text_or_path: Any) -> Any:
    if isinstance(text_or_path, dict):
        return text_or_path
    if isinstance(text_or_path, Path):
        try:
            text = text_or_path.read_text(encoding="utf-8")
        except OSError as e:
            raise PolicyError(f"cannot read policy file {text_or_path}: {e.strerror}") from None
    elif isinstance(text_or_path, str):
        text = text_or_path
        if "\n" not in text and text.strip().endswith((".yaml", ".yml", ".json")):
            return _read(Path(text.strip()))
    else:
        raise PolicyError(f"policy must be YAML text, a path or a dict, not {type(text_or_path).__name__}")
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise PolicyError(f"policy is not valid YAML: {e}") from None


def load_policy(text_or_path: Union[str, Path, dict]) -> RoutingPolicy:
    """Parse and validate a routing policy (YAML text, a path to a file, or a dict)."""
    raw = _read(text_or_path)
    if not isinstance(raw, dict):
        raise PolicyError("policy must be a YAML mapping with version, legal_bases, default_profiles, profiles, rules")
    try:
        return RoutingPolicy.model_validate(raw)
    except ValidationError as e:
        lines = []
        for err in e.errors():
            text = err["msg"].removeprefix("Value error, ")
            lines.append(f"{_describe_loc(tuple(err['loc']), raw)}: {text}" if err["loc"] else text)
        version = raw.get("version", "?")
        raise PolicyError(f"invalid routing policy (version {version}):\n  " + "\n  ".join(lines)) from None


@functools.lru_cache(maxsize=1)
def default_policy() -> RoutingPolicy:
    """The shipped policy, ``hub/data/routing-policy.yaml`` (loaded once per process)."""
    from importlib.resources import files

    return load_policy(files("hub").joinpath("data/routing-policy.yaml").read_text(encoding="utf-8"))
