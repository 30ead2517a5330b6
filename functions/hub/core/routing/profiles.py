"""Minimisation profiles: what a recipient of each kind may receive, per resource type (default deny).

A profile is an allow-list of FHIR element paths per resource type; whatever it does not list never
leaves the hub (hub.core.routing.minimise applies it). Paths are checked against the FHIR R4 shape of
the types the hub's models know (hub.core.routing.fhir_shape), so a typo is a load error, not a
silently dropped element. See docs/routing.md.
"""
from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from hub.core.routing.fhir_shape import element_path_error

# one path segment: a FHIR element name, optionally a choice type "value[x]"
_SEGMENT = re.compile(r"^[A-Za-z][A-Za-z0-9]*(\[x\])?$")
_RESOURCE_TYPE = re.compile(r"^(\*|[A-Z][A-Za-z]+)$")


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---- minimisation profiles ---------------------------------------------------------
# Never listable at a resource's root: narrative, contained resources and meta (tags, security labels,
# profiles) are the sender's, and free text or other resources hide in them.
NEVER_LISTED = ("text", "contained", "meta")
EXTENSION_ELEMENTS = ("extension", "modifierExtension")


class PathRule(StrictModel):
    """An element path a recipient may receive, e.g. ``vaccineCode.coding`` or ``value[x]``.

    ``where`` keeps only the items at the path whose field has one of the values (``{system: [...]}``;
    an extension is named by ``{url: [...]}``). ``elements`` restricts what of each kept item leaves,
    as paths relative to it (each itself a PathRule); without it the whole item leaves, still without
    what no profile can pass (see hub.core.routing.minimise).
    """

    path: str
    where: dict[str, tuple[str, ...]] | None = None
    elements: tuple["PathRule", ...] | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_erase_filters(cls, v: Any) -> Any:
        if isinstance(v, dict) and "unless" in v:
            raise ValueError(f"path {v.get('path')!r}: 'unless' belonged to erase lists; profiles are allow-lists "
                             "now: list the items a recipient may receive with 'where'")
        return v

    @field_validator("where", mode="before")
    @classmethod
    def _listify(cls, v: Any) -> Any:
        if isinstance(v, dict):
            return {k: [x] if isinstance(x, str) else x for k, x in v.items()}
        return v

    @field_validator("elements", mode="before")
    @classmethod
    def _coerce(cls, v: Any) -> Any:
        return _coerce_path_rules(v)

    @field_validator("path")
    @classmethod
    def _check_path(cls, v: str) -> str:
        for seg in v.split("."):
            if not _SEGMENT.match(seg):
                raise ValueError(f"bad path {v!r}: segment {seg!r} is not a FHIR element name (letters/digits, optional [x])")
        return v

    @model_validator(mode="after")
    def _filters(self) -> "PathRule":
        if self.where is not None and not self.where:
            raise ValueError(f"path {self.path!r}: 'where' is empty")
        if self.elements is not None and not self.elements:
            raise ValueError(f"path {self.path!r}: 'elements' is empty")
        segs = self.segments
        for i, seg in enumerate(segs):
            if seg in EXTENSION_ELEMENTS and (i < len(segs) - 1 or not (self.where or {}).get("url")):
                raise ValueError(f"path {self.path!r}: an extension leaves only when named by URL "
                                 f"('path: {'.'.join(segs[:i + 1])}' with 'where: {{url: [...]}}')")
        return self

    @property
    def segments(self) -> tuple[str, ...]:
        return tuple(self.path.split("."))


def _coerce_path_rules(v: Any) -> Any:
    if isinstance(v, list):
        return [{"path": x} if isinstance(x, str) else x for x in v]
    return v


def _check_rules(resource_type: str, rules: tuple[PathRule, ...], base: tuple[str, ...] = ()) -> None:
    for r in rules:
        path = base + r.segments
        if not base and r.segments[0] in NEVER_LISTED:
            raise ValueError(f"{resource_type}.{r.path}: {r.segments[0]!r} never leaves the hub")
        problem = element_path_error(resource_type, path)
        if problem:
            raise ValueError(f"{resource_type}: {problem}")
        _check_rules(resource_type, r.elements or (), path)


class ResourceSpec(StrictModel):
    """What of one resource type a recipient may receive: an allow-list of element paths."""

    allow: tuple[PathRule, ...]

    @model_validator(mode="before")
    @classmethod
    def _no_erase(cls, v: Any) -> Any:
        if isinstance(v, dict) and "erase" in v:
            raise ValueError("'erase' lists are gone: minimisation is default deny, so list what a recipient may "
                             "receive with 'allow'")
        return v

    @field_validator("allow", mode="before")
    @classmethod
    def _coerce(cls, v: Any) -> Any:
        return _coerce_path_rules(v)


class Profile(StrictModel):
    description: str
    extends: str | None = None  # another profile whose resource types this one starts from (resolved at load)
    # resource type -> spec; "*" is the default for types not listed (required)
    resources: dict[str, ResourceSpec]

    @field_validator("resources")
    @classmethod
    def _check_types(cls, v: dict[str, ResourceSpec]) -> dict[str, ResourceSpec]:
        for rt, spec in v.items():
            if not _RESOURCE_TYPE.match(rt):
                raise ValueError(f"{rt!r} is not a FHIR resource type name or '*'")
            _check_rules(rt, spec.allow)
        if "*" not in v:
            raise ValueError("a profile needs a '*' entry (the default for resource types not listed)")
        return v

    def spec_for(self, resource_type: str) -> ResourceSpec:
        return self.resources.get(resource_type) or self.resources["*"]


def resolve_extends(profiles: Any) -> Any:
    """Each profile with `extends` gets its parent's resource types, its own replacing them type by type."""
    if not isinstance(profiles, dict):
        return profiles

    def resolved(name: str, seen: tuple[str, ...]) -> dict:
        raw = profiles[name]
        parent = raw.get("extends") if isinstance(raw, dict) else None
        if parent is None:
            return raw
        if parent not in profiles:
            raise ValueError(f"profiles.{name}.extends: unknown profile {parent!r}")
        if parent in seen:
            raise ValueError(f"profiles.{name}.extends: a cycle ({' -> '.join(seen + (parent,))})")
        base = resolved(parent, seen + (parent,))
        return {**raw, "resources": {**(base.get("resources") or {}), **(raw.get("resources") or {})}}

    return {name: resolved(name, (name,)) for name in profiles}
