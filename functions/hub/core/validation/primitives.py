"""FHIR R4 primitive types as strict pydantic types (regexes from the R4 spec, datatypes.html)."""
from __future__ import annotations

from typing import Annotated, Union

from pydantic import AfterValidator, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr, ValidationInfo
from pydantic_core import PydanticCustomError

_YEAR = r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)"
_TIME = r"([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?"
_TZ = r"(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))"

RE_DATE = rf"^{_YEAR}(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1]))?)?$"
RE_DATETIME = rf"^{_YEAR}(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T{_TIME}{_TZ})?)?)?$"
RE_INSTANT = rf"^{_YEAR}-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])T{_TIME}{_TZ}$"
RE_TIME = rf"^{_TIME}$"
RE_CODE = r"^[^\s]+(\s[^\s]+)*$"
RE_ID = r"^[A-Za-z0-9\-\.]{1,64}$"
RE_STRING = r"^[ \r\n\t\S]+$"
RE_URI = r"^\S*$"
RE_OID = r"^urn:oid:[0-2](\.(0|[1-9][0-9]*))+$"
RE_UUID = r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
RE_BASE64 = r"^(\s*([0-9a-zA-Z\+/=]){4}\s*)+$"
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
MAX_STRING = 1024 * 1024  # FHIR: strings SHALL NOT exceed 1MB

FhirString = Annotated[StrictStr, Field(pattern=RE_STRING, max_length=MAX_STRING)]
FhirMarkdown = Annotated[StrictStr, Field(max_length=MAX_STRING)]
FhirXhtml = Annotated[StrictStr, Field(min_length=1, max_length=MAX_STRING)]
FhirCode = Annotated[StrictStr, Field(pattern=RE_CODE, max_length=4096)]
FhirId = Annotated[StrictStr, Field(pattern=RE_ID)]
FhirUri = Annotated[StrictStr, Field(pattern=RE_URI, min_length=1, max_length=4096)]
FhirOid = Annotated[StrictStr, Field(pattern=RE_OID)]
FhirUuid = Annotated[StrictStr, Field(pattern=RE_UUID)]
FhirBase64 = Annotated[StrictStr, Field(pattern=RE_BASE64)]
FhirDate = Annotated[StrictStr, Field(pattern=RE_DATE)]
FhirDateTime = Annotated[StrictStr, Field(pattern=RE_DATETIME)]
FhirInstant = Annotated[StrictStr, Field(pattern=RE_INSTANT)]
FhirTime = Annotated[StrictStr, Field(pattern=RE_TIME)]
FhirBoolean = StrictBool
FhirComments = Union[StrictStr, Annotated[list[StrictStr], Field(min_length=1)]]
FhirInteger = Annotated[StrictInt, Field(ge=INT32_MIN, le=INT32_MAX)]
FhirPositiveInt = Annotated[StrictInt, Field(ge=1, le=INT32_MAX)]
FhirUnsignedInt = Annotated[StrictInt, Field(ge=0, le=INT32_MAX)]
FhirDecimal = Union[Annotated[StrictInt, Field(ge=-(10**28), le=10**28)], Annotated[StrictFloat, Field(allow_inf_nan=False)]]


# extra="forbid": unknown elements are faults; inputs stay out of error messages
FHIR_CONFIG = ConfigDict(extra="forbid", hide_input_in_errors=True)


def _collect_reference(value: str, info: ValidationInfo) -> str:
    refs = info.context
    if refs is not None:
        refs.add(value)
    return value


# Reference.reference: validation context (a set) collects every literal reference in one pass
FhirReference = Annotated[FhirString, AfterValidator(_collect_reference)]


def choice_check(groups: dict[str, tuple[str, ...]], required: tuple[str, ...], ext1: bool = False):
    """An after-validator: each choice element ([x]) at most once; required ones exactly once. ``ext1`` (for
    Extension): FHIR's ext-1 too, either sub-extensions or a value[x], never both and never neither."""
    group_of = {name: g for g, names in groups.items() for name in names}

    def check(value: dict) -> dict:
        seen: dict[str, str] = {}
        for key in value:
            g = group_of.get(key)
            if g is not None:
                if g in seen:
                    raise PydanticCustomError("choice_multiple", "{group}[x] may appear only once ({a}, {b})",
                                              {"group": g, "a": seen[g], "b": key})
                seen[g] = key
        for g in required:
            if g not in seen:
                raise PydanticCustomError("choice_missing", "{group}[x] is required", {"group": g})
        if ext1 and ("value" in seen) == bool(value.get("extension")):
            raise PydanticCustomError("ext_1", "ext-1: an extension must have either extensions or a value[x], {how}",
                                      {"how": "not both" if "value" in seen else "and has neither"})
        return value

    return check
