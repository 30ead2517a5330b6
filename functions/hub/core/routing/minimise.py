"""Per-recipient data minimisation: apply a policy profile to a FHIR message Bundle.

Each profile maps a resource type to either an ``allow`` projection (keep only the
listed element paths) or an ``erase`` list (remove the listed paths). Elements are
removed, never masked: a masked string in a Quantity or CodeableConcept would break
the FHIR types (Powertools ``DataMasking.erase`` writes "*****" in place). Primitive
extensions (``_birthDate``) follow their element, and elements left empty are dropped
so the copy stays valid FHIR. Bundle entries themselves are never dropped, so every
reference still resolves.
"""
from __future__ import annotations

import copy
from typing import Any

from hub.core.routing.policy import PathRule, PolicyError, ResourceSpec, RoutingPolicy

_ALWAYS_KEPT = ("resourceType",)


def _key_matches(key: str, seg: str) -> bool:
    name = key[1:] if key.startswith("_") else key  # "_x" carries x's id/extensions
    if seg.endswith("[x]"):
        prefix = seg[:-3]
        return name.startswith(prefix) and len(name) > len(prefix) and name[len(prefix)].isupper()
    return name == seg


def _item_matches(item: Any, flt: dict[str, tuple[str, ...]]) -> bool:
    return isinstance(item, dict) and all(item.get(f) in values for f, values in flt.items())


def _filter_items(value: Any, keep) -> Any:
    """Keep the items of a list (or a single object) for which ``keep(item)``; None if none left."""
    if isinstance(value, list):
        kept = [v for v in value if keep(v)]
        return kept or None
    return value if keep(value) else None


# ---- erase -------------------------------------------------------------------------
def _erase(node: Any, segs: tuple[str, ...], rule: PathRule) -> None:
    if isinstance(node, list):
        for item in node:
            _erase(item, segs, rule)
        return
    if not isinstance(node, dict):
        return
    for key in [k for k in node if _key_matches(k, segs[0])]:
        if len(segs) > 1:
            _erase(node[key], segs[1:], rule)
            continue
        if rule.where is not None:
            remaining = _filter_items(node[key], lambda i: not _item_matches(i, rule.where))
        elif rule.unless is not None:
            remaining = _filter_items(node[key], lambda i: _item_matches(i, rule.unless))
        else:
            remaining = None
        if remaining is None:
            del node[key]
        else:
            node[key] = remaining


# ---- allow (projection) ------------------------------------------------------------
# tree: segment -> (subtree | None for "keep whole", filter)
def _allow_tree(rules: tuple[PathRule, ...]) -> dict:
    tree: dict = {}
    for r in rules:
        node = tree
        segs = r.segments
        for i, seg in enumerate(segs):
            last = i == len(segs) - 1
            sub, flt = node.get(seg, ({}, None))
            if last:
                node[seg] = (None, r.where)  # a whole-element allow wins over narrower ones
            elif sub is None:
                break  # already kept whole
            else:
                node[seg] = (sub, flt)
                node = sub
    return tree


def _project(node: Any, tree: dict) -> Any:
    if isinstance(node, list):
        out = [p for p in (_project(i, tree) for i in node) if p not in (None, {}, [])]
        return out or None
    if not isinstance(node, dict):
        return None  # a path went through a primitive: nothing to keep below it
    out: dict = {}
    for key, value in node.items():
        if key in _ALWAYS_KEPT:
            out[key] = value
            continue
        for seg, (sub, flt) in tree.items():
            if not _key_matches(key, seg):
                continue
            if flt is not None and not key.startswith("_"):
                value = _filter_items(value, lambda i: _item_matches(i, flt))
                if value is None:
                    break
            kept = copy.deepcopy(value) if sub is None else _project(value, sub)
            if kept not in (None, {}, []):
                out[key] = kept
            break
    return out


# ---- clean-up ----------------------------------------------------------------------
def _prune(node: Any) -> Any:
    """Drop elements left empty (FHIR forbids empty objects, arrays and strings)."""
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            pv = _prune(v)
            if pv not in (None, {}, [], ""):
                out[k] = pv
        return out
    if isinstance(node, list):
        return [pv for pv in (_prune(v) for v in node) if pv not in (None, {}, [], "")]
    return node


def apply_spec(resource: dict, spec: ResourceSpec) -> dict:
    """A minimised copy of one resource."""
    if spec.allow is not None:
        out = _project(resource, _allow_tree(spec.allow)) or {}
    else:
        out = copy.deepcopy(resource)
        for rule in spec.erase or ():
            _erase(out, rule.segments, rule)
    return _prune(out)


def _minimise_resource(resource: Any, profile) -> Any:
    if not isinstance(resource, dict):
        return copy.deepcopy(resource)
    out = apply_spec(resource, profile.spec_for(str(resource.get("resourceType", ""))))
    if isinstance(out.get("contained"), list):
        out["contained"] = [_minimise_resource(c, profile) for c in out["contained"]]
    return out


def minimise(bundle: dict, profile: str, policy: RoutingPolicy) -> dict:
    """A NEW Bundle with every entry's resource minimised for ``profile``; input untouched.

    Bundle-level elements are taken from the profile's ``Bundle`` spec when it has one
    (``entry`` is always kept); otherwise they are copied as they are.
    """
    prof = policy.profile(profile)
    if not isinstance(bundle, dict):
        raise PolicyError(f"minimise expects a Bundle dict, not {type(bundle).__name__}")
    entries = bundle.get("entry")
    top = {k: v for k, v in bundle.items() if k != "entry"}
    spec = prof.resources.get("Bundle")
    out = apply_spec(top, spec) if spec is not None else copy.deepcopy(top)
    if isinstance(entries, list):
        new_entries = []
        for e in entries:
            if isinstance(e, dict):
                ne = {k: copy.deepcopy(v) for k, v in e.items() if k != "resource"}
                if "resource" in e:
                    ne["resource"] = _minimise_resource(e["resource"], prof)
                new_entries.append(ne)
            else:
                new_entries.append(copy.deepcopy(e))
        out["entry"] = new_entries
    elif entries is not None:
        out["entry"] = copy.deepcopy(entries)
    return out
