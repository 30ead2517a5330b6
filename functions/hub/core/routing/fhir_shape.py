"""The shape of FHIR R4: which elements each resource and data type has, and of what type.

Read from the hub's generated strict models (`hub.core.validation.models`), so minimisation knows an
unknown key from an element, and a Reference's `display` from a Coding's, without a second copy of
the specification. Only what a recipient could be sent counts as an element: `fhir_comments` (an
XML-conversion artefact) and the `_element` companions of primitives are not elements here. Pure.
"""
from __future__ import annotations

import functools
import re
import typing
from dataclasses import dataclass

from hub.core.validation import models

BUNDLE = "Bundle"
PRIMITIVE = "primitive"  # any FHIR primitive: kept when the value is a JSON scalar
RESOURCE = "Resource"  # a resource in an element (`contained`): never projected through an element
NOT_ELEMENTS = frozenset({"fhir_comments"})

_LIST = re.compile(r"list\[(\w+)")
_WRAPPED = re.compile(r"^(?:Required\[)?(\w+)\]?$")


@dataclass(frozen=True)
class Element:
    type: str  # a complex type or resource name in the models, PRIMITIVE, or RESOURCE
    many: bool


def _typed_dict(name: str):
    found = getattr(models, name, None) or getattr(models, f"_{name}", None)
    if typing.get_origin(found) is typing.Annotated:
        found = typing.get_args(found)[0]
    return found if isinstance(found, type) and hasattr(found, "__annotations__") else None


def _element(annotation) -> Element:
    text = getattr(annotation, "__forward_arg__", annotation)
    text = text if isinstance(text, str) else str(text)
    listed = _LIST.search(text)
    name = listed.group(1) if listed else (_WRAPPED.match(text.strip()) or re.match(r"(\w+)", text)).group(1)
    if name == "AnyResource":
        return Element(RESOURCE, bool(listed))
    if name.startswith("Fhir") or name == "PrimitiveExtension":
        return Element(PRIMITIVE, bool(listed))
    return Element(name, bool(listed))


@functools.lru_cache(maxsize=None)
def elements(type_name: str) -> dict[str, Element] | None:
    """Element name -> Element for a resource or complex type the models know; None for any other."""
    td = _typed_dict(type_name)
    if td is None:
        return None
    return {k: _element(v) for k, v in td.__annotations__.items()
            if k not in NOT_ELEMENTS and not k.startswith("_") and k != "resourceType"}


def known_resource(resource_type: str) -> bool:
    return resource_type == BUNDLE or resource_type in models.RESOURCE_MODELS


def element_path_error(resource_type: str, path: tuple[str, ...]) -> str | None:
    """Why `path` names no element of `resource_type` (None if it does, or the type is not one the
    models know: its paths cannot be checked here)."""
    if not known_resource(resource_type):
        return None
    current: str | None = resource_type
    for i, seg in enumerate(path):
        fields = elements(current) if current not in (None, PRIMITIVE, RESOURCE) else None
        if fields is None:
            return f"{'.'.join(path[:i])} has no elements below it"
        matched = matching(fields, seg)
        if not matched:
            return f"{resource_type} has no element {'.'.join(path[:i + 1])}"
        types = {fields[k].type for k in matched}
        current = types.pop() if len(types) == 1 else None
        if current is None and i < len(path) - 1:
            return f"{'.'.join(path[:i + 1])} is a choice of types: name one (e.g. valueQuantity)"
    return None


def key_matches(key: str, seg: str) -> bool:
    """An element name against a path segment; `value[x]` matches every `value<Type>`."""
    if seg.endswith("[x]"):
        prefix = seg[:-3]
        return key.startswith(prefix) and len(key) > len(prefix) and key[len(prefix)].isupper()
    return key == seg


def matching(fields: dict[str, Element], seg: str) -> list[str]:
    return [k for k in fields if key_matches(k, seg)]


# A data type or resource to use when the models do not know a resource type (the "*" entry of a
# profile): only these elements can be typed, so only these can leave.
FALLBACK_ELEMENTS: dict[str, Element] = {"id": Element(PRIMITIVE, False), "identifier": Element("Identifier", True)}


def resource_elements(resource_type: str) -> dict[str, Element]:
    return elements(resource_type) or FALLBACK_ELEMENTS
