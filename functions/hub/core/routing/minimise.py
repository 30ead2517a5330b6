"""Per-recipient data minimisation, default deny: a recipient gets what its profile lists, nothing else.

A profile lists, per resource type, the element paths a recipient may receive (hub.core.routing.profiles).
The copy is built up from those paths, never cut down from the original, so whatever a sender adds
that no profile names stays in the hub:

- an element the profile does not list, and any key that is not a FHIR element of its type (read from
  the hub's R4 models, hub.core.routing.fhir_shape);
- narrative (`text`), `contained` resources and `meta`, which no profile can list;
- extensions and modifier extensions, unless listed by URL (`where: {url: [...]}`), at any depth;
- `_element` primitive extensions and the XML artefact `fhir_comments`;
- a Reference's `display` (free text the sender wrote) unless the path names it, and a reference to a
  contained resource (`#id`), which would point at nothing.

A listed element whose items are filtered (`where`) or narrowed (`elements`) is projected the same way.
Elements left empty are dropped so the copy stays valid FHIR; Bundle entries are kept (each with its
`fullUrl` and minimised resource), so every reference between entries still resolves. Pure.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub.core.routing.fhir_shape import BUNDLE, PRIMITIVE, RESOURCE, Element, elements, key_matches, resource_elements
from hub.core.routing.policy import PolicyError, RoutingPolicy
from hub.core.routing.profiles import PathRule, ResourceSpec

_EMPTY: tuple = (None, {}, [], "")
_SCALARS = (str, int, float, bool)
_EXTENSIONS = ("extension", "modifierExtension")


@dataclass
class _Branch:
    """What leaves of the items at one path: those matching `where` (all when None); `sub` None means
    the whole item (still without what no profile passes), else only the subtree's paths."""

    where: dict[str, tuple[str, ...]] | None
    sub: dict[str, list["_Branch"]] | None


Tree = dict[str, list[_Branch]]


def _add(tree: Tree, segs: tuple[str, ...], rule: PathRule) -> None:
    branches = tree.setdefault(segs[0], [])
    plain = next((b for b in branches if b.where is None), None)
    if len(segs) > 1:
        if plain is None:
            plain = _Branch(None, {})
            branches.append(plain)
        if plain.sub is not None:  # else the whole element is already allowed
            _add(plain.sub, segs[1:], rule)
        return
    sub = _tree(rule.elements) if rule.elements else None
    if rule.where is not None:
        branches.append(_Branch(rule.where, sub))
    elif plain is None:
        branches.append(_Branch(None, sub))
    elif sub is None:
        plain.sub = None  # a whole-element allow wins over narrower ones
    elif plain.sub is not None:
        for seg, more in sub.items():
            plain.sub.setdefault(seg, []).extend(more)


def _tree(rules: tuple[PathRule, ...]) -> Tree:
    tree: Tree = {}
    for r in rules:
        _add(tree, r.segments, r)
    return tree


_TREES: dict[int, tuple[ResourceSpec, Tree]] = {}


def _spec_tree(spec: ResourceSpec) -> Tree:
    cached = _TREES.get(id(spec))
    if cached is None or cached[0] is not spec:  # the spec is kept, so its id is not reused meanwhile
        cached = _TREES[id(spec)] = (spec, _tree(spec.allow))
    return cached[1]


# ---- projection ----------------------------------------------------------------------
def _matches(item: Any, where: dict[str, tuple[str, ...]]) -> bool:
    return isinstance(item, dict) and all(item.get(f) in values for f, values in where.items())


def _passable(type_name: str, key: str, value: Any) -> bool:
    """A reference to a contained resource points at nothing once `contained` is gone."""
    return not (type_name == "Reference" and key == "reference" and (not isinstance(value, str) or value.startswith("#")))


def _whole(value: Any, type_name: str) -> Any:
    """An allowed element in full, less what no profile passes: unknown keys, extensions, `_x`,
    a Reference's display."""
    if type_name == PRIMITIVE:
        return value if isinstance(value, _SCALARS) else None
    fields = elements(type_name) if type_name != RESOURCE else None
    if fields is None or not isinstance(value, dict):
        return None
    out = {}
    for key, v in value.items():
        el = fields.get(key)
        if el is None or key in _EXTENSIONS or (type_name == "Reference" and key == "display") \
                or not _passable(type_name, key, v):
            continue
        kept = _each(v, lambda item: _whole(item, el.type))
        if kept not in _EMPTY:
            out[key] = kept
    return out or None


def _each(value: Any, keep) -> Any:
    if isinstance(value, list):
        kept = [k for k in (keep(v) for v in value) if k not in _EMPTY]
        return kept or None
    return keep(value)


def _item(value: Any, el: Element, branches: list[_Branch]) -> Any:
    chosen = [b for b in branches if b.where is None or _matches(value, b.where)]
    if not chosen:
        return None
    if any(b.sub is None for b in chosen):
        return _whole(value, el.type)
    fields = elements(el.type) if el.type not in (PRIMITIVE, RESOURCE) else None
    if fields is None or not isinstance(value, dict):
        return None  # a path below a primitive: nothing to keep
    merged: Tree = {}
    for b in chosen:
        for seg, more in (b.sub or {}).items():
            merged.setdefault(seg, []).extend(more)
    return _project(value, el.type, fields, merged) or None


def _project(node: dict, type_name: str, fields: dict[str, Element], tree: Tree) -> dict:
    out = {}
    for key, value in node.items():
        el = fields.get(key)
        if el is None or el.type == RESOURCE or not _passable(type_name, key, value):
            continue  # not an element of this type (unknown keys, `_x`, fhir_comments), or `contained`
        branches = [b for seg, bs in tree.items() if key_matches(key, seg) for b in bs]
        if not branches:
            continue
        kept = _each(value, lambda item: _item(item, el, branches))
        if kept not in _EMPTY:
            out[key] = kept
    return out


def _resource(resource: Any, profile) -> dict | None:
    if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
        return None
    rt = resource["resourceType"]
    fields = {k: v for k, v in resource_elements(rt).items() if not (rt == BUNDLE and k == "entry")}
    return {"resourceType": rt, **_project(resource, rt, fields, _spec_tree(profile.spec_for(rt)))}


def apply_spec(resource: dict, spec: ResourceSpec) -> dict:
    """A minimised copy of one resource under one resource spec (the allow-list of its type)."""
    rt = str(resource.get("resourceType", ""))
    return {"resourceType": rt, **_project(resource, rt, resource_elements(rt), _spec_tree(spec))} if rt else {}


def minimise(bundle: dict, profile: str, policy: RoutingPolicy) -> dict:
    """A NEW Bundle for a recipient of `profile`; the input is untouched and shares nothing with it.

    Bundle-level elements come from the profile's `Bundle` spec (else its `*`); every entry is kept,
    with only its `fullUrl` and its minimised resource.
    """
    prof = policy.profile(profile)
    if not isinstance(bundle, dict):
        raise PolicyError(f"minimise expects a Bundle dict, not {type(bundle).__name__}")
    out = _resource({**bundle, "resourceType": bundle.get("resourceType", BUNDLE)}, prof) or {}
    entries = bundle.get("entry")
    if isinstance(entries, list):
        new_entries = []
        for e in entries:
            if not isinstance(e, dict):
                continue
            ne: dict = {"fullUrl": e["fullUrl"]} if isinstance(e.get("fullUrl"), str) else {}
            resource = _resource(e.get("resource"), prof)
            if resource is not None:
                ne["resource"] = resource
            new_entries.append(ne)
        out["entry"] = new_entries
    return out
