"""Generate ``functions/hub/core/validation/models.py``: strict pydantic v2 models (TypedDicts: validated
dicts, no instance overhead) of the FHIR R4 4.0.1 resources the hub accepts.

Development only, outside the package (it imports ``fhir.resources``, a dev dependency): ``make models``.
The element lists, cardinalities and primitive types come from fhir.resources' R4B module (identical to
R4 4.0.1 for these resources); the generated models are ours: strict types, FHIR R4 primitive regexes,
``extra="forbid"``, no per-field Python code.
"""
from __future__ import annotations

import sys
import types
import typing
from importlib.metadata import version
from pathlib import Path

TARGET = Path(__file__).resolve().parents[1] / "functions" / "hub" / "core" / "validation" / "models.py"
SOURCE_PACKAGE = "fhir.resources"
FHIR_VERSION = "4.0.1"
REGENERATE = "make models  (python tools/codegen_models.py)"

RESOURCES = (
    "Bundle",
    "MessageHeader",
    "Patient",
    "Organization",
    "RelatedPerson",
    "Practitioner",
    "Observation",
    "Encounter",
    "Immunization",
    "EpisodeOfCare",
    "Appointment",
)
# Resources that may sit in Bundle.entry.resource / contained (Bundle itself excluded).
ENTRY_RESOURCES = tuple(r for r in RESOURCES if r != "Bundle")

PRIMITIVES = {
    "String": "FhirString",
    "Code": "FhirCode",
    "Id": "FhirId",
    "Uri": "FhirUri",
    "Url": "FhirUri",
    "Canonical": "FhirUri",
    "Oid": "FhirOid",
    "UuidVersion": "FhirUuid",
    "Uuid": "FhirUuid",
    "Markdown": "FhirMarkdown",
    "EncodedBytes": "FhirBase64",
    "Base64Binary": "FhirBase64",
    "Date": "FhirDate",
    "DateTime": "FhirDateTime",
    "Instant": "FhirInstant",
    "Time": "FhirTime",
    "PositiveInt": "FhirPositiveInt",
    "UnsignedInt": "FhirUnsignedInt",
    "Integer": "FhirInteger",
    "Decimal": "FhirDecimal",
    "Xhtml": "FhirXhtml",
}



def _unwrap(t):
    """-> (is_list, inner) with Optional stripped at both levels."""
    is_list = False

    def strip_none(t):
        o = typing.get_origin(t)
        if o is typing.Union or o is types.UnionType:
            args = [a for a in typing.get_args(t) if a is not type(None)]
            if len(args) == 1:
                return args[0]
            return t
        return t

    t = strip_none(t)
    if typing.get_origin(t) in (list, typing.List):
        is_list = True
        t = strip_none(typing.get_args(t)[0])
    return is_list, t


def _type_name(t, field_name: str) -> tuple[str, str | None]:
    """-> (python type expression, referenced class name or None)."""
    if typing.get_origin(t) is typing.Annotated:
        meta = type(t.__metadata__[0]).__name__
        if meta not in PRIMITIVES:
            raise SystemExit(f"unknown primitive {meta} on {field_name}")
        return PRIMITIVES[meta], None
    if t is bool:
        return "FhirBoolean", None
    if t is str:
        # xhtml (Narrative.div) and a few plain strings
        return ("FhirXhtml" if field_name == "div" else "FhirString"), None
    if isinstance(t, type) and t.__module__ == "abc":
        name = t.__name__[: -len("Type")]
        if name == "FHIRPrimitiveExtension":
            return "PrimitiveExtension", None
        if name == "Resource":
            return "AnyResource", None
        return name, name
    raise SystemExit(f"unhandled annotation {t!r} on {field_name}")


def header() -> list[str]:
    """The module docstring: what the file is, where it comes from, how to regenerate it (first lines: the
    word GENERATED is how tools and the structure test tell generated files from hand-written ones)."""
    return [
        f'"""FHIR R4 {FHIR_VERSION} models for the resources the hub accepts. GENERATED: do not edit.',
        "",
        f"Source: {SOURCE_PACKAGE} {version(SOURCE_PACKAGE)} (its R4B module; identical to R4 {FHIR_VERSION} for these resources).",
        f"Regenerate: {REGENERATE}",
        '"""',
    ]


def generate() -> str:
    from fhir.resources.R4B import get_fhir_model_class

    todo = list(RESOURCES) + ["Narrative", "Meta"]
    done: dict[str, list[str]] = {}
    order: list[str] = []
    choice_groups: dict[str, dict[str, list[str]]] = {}
    required_choices: dict[str, list[str]] = {}
    while todo:
        name = todo.pop(0)
        if name in done:
            continue
        cls = get_fhir_model_class(name)
        lines: list[str] = []
        if name in RESOURCES:
            lines.append(f'    "resourceType": Required[Literal["{name}"]],')
        for fname, f in cls.model_fields.items():
            extra = f.json_schema_extra or {}
            alias = f.alias or fname
            if fname == "fhir_comments":
                # XML comments carried over by XML->JSON converters (UK Core examples): tolerated, ignored
                lines.append('    "fhir_comments": "FhirComments",')
                continue
            if alias == "resource_type":
                continue
            is_ext = alias.startswith("_")
            is_list, inner = _unwrap(f.annotation)
            tname, ref = _type_name(inner, alias)
            if name == "Reference" and alias == "reference":
                tname = "FhirReference"  # collects literal references for the resolution check
            if ref and ref not in done and ref not in todo:
                todo.append(ref)
            if is_list:
                if is_ext:
                    tname = f"list[{tname} | None]"
                elif tname.startswith("Fhir") and tname not in ("FhirXhtml",):
                    # primitive arrays may hold null where `_x` carries the value's extension
                    tname = f"list[{tname} | None]"
                else:
                    tname = f"list[{tname}]"
                tname = f"Annotated[{tname}, Field(min_length=1)]"
            required = bool(f.is_required() or extra.get("element_required"))
            if extra.get("one_of_many"):
                choice_groups.setdefault(name, {}).setdefault(extra["one_of_many"], []).append(alias)
                if extra.get("one_of_many_required"):
                    required_choices.setdefault(name, [])
                    if extra["one_of_many"] not in required_choices[name]:
                        required_choices[name].append(extra["one_of_many"])
            # string annotations: the functional TypedDict syntax evaluates eagerly, and types refer forward
            lines.append(f'    "{alias}": "' + (f"Required[{tname}]" if required else tname) + '",')
        done[name] = lines
        order.append(name)

    out = [
        *header(),
        "from __future__ import annotations",
        "",
        "from typing import Annotated, Literal, Union",
        "",
        "from functools import lru_cache",
        "",
        "from pydantic import AfterValidator, Field, TypeAdapter",
        "from typing_extensions import Required, TypedDict",
        "",
        "from hub.core.validation.primitives import (  # noqa: F401",
        "    FHIR_CONFIG,",
        "    FhirComments,",
        "    FhirReference,",
        "    choice_check,",
        *[f"    {p}," for p in sorted(set(PRIMITIVES.values()) | {"FhirBoolean"})],
        ")",
        "",
        "",
        "# the `_element` companion of a primitive: id and extensions only",
        'PrimitiveExtension = TypedDict("PrimitiveExtension", {',
        '    "id": "FhirString",',
        '    "fhir_comments": "FhirComments",',
        '    "extension": "Annotated[list[Extension], Field(min_length=1)]",',
        "}, total=False)",
        "PrimitiveExtension.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]",
        "",
    ]
    for name in order:
        out.append("")
        td = f"_{name}" if name in choice_groups else name
        out.append(f'{td} = TypedDict("{name}", {{')
        if name == "Extension":
            # Extension contains Extensions: pydantic resolves a TypedDict's own name to the TypedDict itself, so
            # nested extensions would skip the validator below (and so ext-1); another name reaches the validator
            out.extend(line.replace("list[Extension]", "list[NestedExtension]") for line in done[name])
        else:
            out.extend(done[name])
        out.append("}, total=False)")
        out.append(f"{td}.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]")
        if name in choice_groups:
            groups = {g: tuple(v) for g, v in choice_groups[name].items()}
            ext1 = ", ext1=True" if name == "Extension" else ""  # FHIR's ext-1, checked with the value[x] choice
            out.append(f"{name} = Annotated[{td}, AfterValidator(choice_check({groups!r}, "
                       f"{tuple(required_choices.get(name, ()))!r}{ext1}))]")
            if name == "Extension":
                out.append("NestedExtension = Extension")
        out.append("")
    out.append("")
    out.append("AnyResource = Annotated[")
    out.append("    Union[" + ", ".join(ENTRY_RESOURCES) + "],")
    out.append('    Field(discriminator="resourceType"),')
    out.append("]")
    out.append("")

    out.append("")
    out.append("# choice elements ([x]): at most one per group; required groups need exactly one")
    out.append(f"CHOICE_GROUPS: dict[str, dict[str, tuple[str, ...]]] = {{")
    for rname in order:
        if rname in choice_groups:
            groups = ", ".join(f'"{g}": {tuple(v)!r}' for g, v in choice_groups[rname].items())
            out.append(f'    "{rname}": {{{groups}}},')
    out.append("}")
    out.append(f"REQUIRED_CHOICES: dict[str, tuple[str, ...]] = {{")
    for rname, groups in required_choices.items():
        out.append(f'    "{rname}": {tuple(groups)!r},')
    out.append("}")
    out.append("RESOURCE_MODELS = {" + ", ".join(f'"{r}": {r}' for r in ENTRY_RESOURCES) + "}")
    out.append("")
    out.append("")
    out.append("@lru_cache(maxsize=None)")
    out.append("def bundle_adapter() -> TypeAdapter:")
    out.append('    """The validator for a whole message Bundle (schema built once, on first use)."""')
    out.append("    return TypeAdapter(Bundle)")
    out.append("")
    return "\n".join(out)


def main() -> None:
    TARGET.write_text(generate())
    print(f"wrote {TARGET}", file=sys.stderr)


if __name__ == "__main__":
    main()
