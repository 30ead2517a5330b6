"""FHIR R4 4.0.1 models for the resources the hub accepts. GENERATED: do not edit.

Source: fhir.resources 8.3.0 (its R4B module; identical to R4 4.0.1 for these resources).
Regenerate: make models  (python tools/codegen_models.py)
"""
from __future__ import annotations

from typing import Annotated, Literal, Union

from functools import lru_cache

from pydantic import AfterValidator, Field, TypeAdapter
from typing_extensions import Required, TypedDict

from hub.core.validation.primitives import (  # noqa: F401
    FHIR_CONFIG,
    FhirComments,
    FhirReference,
    choice_check,
    FhirBase64,
    FhirBoolean,
    FhirCode,
    FhirDate,
    FhirDateTime,
    FhirDecimal,
    FhirId,
    FhirInstant,
    FhirInteger,
    FhirMarkdown,
    FhirOid,
    FhirPositiveInt,
    FhirString,
    FhirTime,
    FhirUnsignedInt,
    FhirUri,
    FhirUuid,
    FhirXhtml,
)


# the `_element` companion of a primitive: id and extensions only
PrimitiveExtension = TypedDict("PrimitiveExtension", {
    "id": "FhirString",
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
}, total=False)
PrimitiveExtension.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


Bundle = TypedDict("Bundle", {
    "resourceType": Required[Literal["Bundle"]],
    "fhir_comments": "FhirComments",
    "id": "FhirId",
    "implicitRules": "FhirUri",
    "_implicitRules": "PrimitiveExtension",
    "language": "FhirCode",
    "_language": "PrimitiveExtension",
    "meta": "Meta",
    "entry": "Annotated[list[BundleEntry], Field(min_length=1)]",
    "identifier": "Identifier",
    "link": "Annotated[list[BundleLink], Field(min_length=1)]",
    "signature": "Signature",
    "timestamp": "FhirInstant",
    "_timestamp": "PrimitiveExtension",
    "total": "FhirUnsignedInt",
    "_total": "PrimitiveExtension",
    "type": "Required[FhirCode]",
    "_type": "PrimitiveExtension",
}, total=False)
Bundle.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


_MessageHeader = TypedDict("MessageHeader", {
    "resourceType": Required[Literal["MessageHeader"]],
    "fhir_comments": "FhirComments",
    "id": "FhirId",
    "implicitRules": "FhirUri",
    "_implicitRules": "PrimitiveExtension",
    "language": "FhirCode",
    "_language": "PrimitiveExtension",
    "meta": "Meta",
    "contained": "Annotated[list[AnyResource], Field(min_length=1)]",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "modifierExtension": "Annotated[list[Extension], Field(min_length=1)]",
    "text": "Narrative",
    "author": "Reference",
    "definition": "FhirUri",
    "_definition": "PrimitiveExtension",
    "destination": "Annotated[list[MessageHeaderDestination], Field(min_length=1)]",
    "enterer": "Reference",
    "eventCoding": "Coding",
    "eventUri": "FhirUri",
    "_eventUri": "PrimitiveExtension",
    "focus": "Annotated[list[Reference], Field(min_length=1)]",
    "reason": "CodeableConcept",
    "response": "MessageHeaderResponse",
    "responsible": "Reference",
    "sender": "Reference",
    "source": "Required[MessageHeaderSource]",
}, total=False)
_MessageHeader.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]
MessageHeader = Annotated[_MessageHeader, AfterValidator(choice_check({'event': ('eventCoding', 'eventUri')}, ('event',)))]


_Patient = TypedDict("Patient", {
    "resourceType": Required[Literal["Patient"]],
    "fhir_comments": "FhirComments",
    "id": "FhirId",
    "implicitRules": "FhirUri",
    "_implicitRules": "PrimitiveExtension",
    "language": "FhirCode",
    "_language": "PrimitiveExtension",
    "meta": "Meta",
    "contained": "Annotated[list[AnyResource], Field(min_length=1)]",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "modifierExtension": "Annotated[list[Extension], Field(min_length=1)]",
    "text": "Narrative",
    "active": "FhirBoolean",
    "_active": "PrimitiveExtension",
    "address": "Annotated[list[Address], Field(min_length=1)]",
    "birthDate": "FhirDate",
    "_birthDate": "PrimitiveExtension",
    "communication": "Annotated[list[PatientCommunication], Field(min_length=1)]",
    "contact": "Annotated[list[PatientContact], Field(min_length=1)]",
    "deceasedBoolean": "FhirBoolean",
    "_deceasedBoolean": "PrimitiveExtension",
    "deceasedDateTime": "FhirDateTime",
    "_deceasedDateTime": "PrimitiveExtension",
    "gender": "FhirCode",
    "_gender": "PrimitiveExtension",
    "generalPractitioner": "Annotated[list[Reference], Field(min_length=1)]",
    "identifier": "Annotated[list[Identifier], Field(min_length=1)]",
    "link": "Annotated[list[PatientLink], Field(min_length=1)]",
    "managingOrganization": "Reference",
    "maritalStatus": "CodeableConcept",
    "multipleBirthBoolean": "FhirBoolean",
    "_multipleBirthBoolean": "PrimitiveExtension",
    "multipleBirthInteger": "FhirInteger",
    "_multipleBirthInteger": "PrimitiveExtension",
    "name": "Annotated[list[HumanName], Field(min_length=1)]",
    "photo": "Annotated[list[Attachment], Field(min_length=1)]",
    "telecom": "Annotated[list[ContactPoint], Field(min_length=1)]",
}, total=False)
_Patient.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]
Patient = Annotated[_Patient, AfterValidator(choice_check({'deceased': ('deceasedBoolean', 'deceasedDateTime'), 'multipleBirth': ('multipleBirthBoolean', 'multipleBirthInteger')}, ()))]


Organization = TypedDict("Organization", {
    "resourceType": Required[Literal["Organization"]],
    "fhir_comments": "FhirComments",
    "id": "FhirId",
    "implicitRules": "FhirUri",
    "_implicitRules": "PrimitiveExtension",
    "language": "FhirCode",
    "_language": "PrimitiveExtension",
    "meta": "Meta",
    "contained": "Annotated[list[AnyResource], Field(min_length=1)]",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "modifierExtension": "Annotated[list[Extension], Field(min_length=1)]",
    "text": "Narrative",
    "active": "FhirBoolean",
    "_active": "PrimitiveExtension",
    "address": "Annotated[list[Address], Field(min_length=1)]",
    "alias": "Annotated[list[FhirString | None], Field(min_length=1)]",
    "_alias": "Annotated[list[PrimitiveExtension | None], Field(min_length=1)]",
    "contact": "Annotated[list[OrganizationContact], Field(min_length=1)]",
    "endpoint": "Annotated[list[Reference], Field(min_length=1)]",
    "identifier": "Annotated[list[Identifier], Field(min_length=1)]",
    "name": "FhirString",
    "_name": "PrimitiveExtension",
    "partOf": "Reference",
    "telecom": "Annotated[list[ContactPoint], Field(min_length=1)]",
    "type": "Annotated[list[CodeableConcept], Field(min_length=1)]",
}, total=False)
Organization.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


RelatedPerson = TypedDict("RelatedPerson", {
    "resourceType": Required[Literal["RelatedPerson"]],
    "fhir_comments": "FhirComments",
    "id": "FhirId",
    "implicitRules": "FhirUri",
    "_implicitRules": "PrimitiveExtension",
    "language": "FhirCode",
    "_language": "PrimitiveExtension",
    "meta": "Meta",
    "contained": "Annotated[list[AnyResource], Field(min_length=1)]",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "modifierExtension": "Annotated[list[Extension], Field(min_length=1)]",
    "text": "Narrative",
    "active": "FhirBoolean",
    "_active": "PrimitiveExtension",
    "address": "Annotated[list[Address], Field(min_length=1)]",
    "birthDate": "FhirDate",
    "_birthDate": "PrimitiveExtension",
    "communication": "Annotated[list[RelatedPersonCommunication], Field(min_length=1)]",
    "gender": "FhirCode",
    "_gender": "PrimitiveExtension",
    "identifier": "Annotated[list[Identifier], Field(min_length=1)]",
    "name": "Annotated[list[HumanName], Field(min_length=1)]",
    "patient": "Required[Reference]",
    "period": "Period",
    "photo": "Annotated[list[Attachment], Field(min_length=1)]",
    "relationship": "Annotated[list[CodeableConcept], Field(min_length=1)]",
    "telecom": "Annotated[list[ContactPoint], Field(min_length=1)]",
}, total=False)
RelatedPerson.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


Practitioner = TypedDict("Practitioner", {
    "resourceType": Required[Literal["Practitioner"]],
    "fhir_comments": "FhirComments",
    "id": "FhirId",
    "implicitRules": "FhirUri",
    "_implicitRules": "PrimitiveExtension",
    "language": "FhirCode",
    "_language": "PrimitiveExtension",
    "meta": "Meta",
    "contained": "Annotated[list[AnyResource], Field(min_length=1)]",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "modifierExtension": "Annotated[list[Extension], Field(min_length=1)]",
    "text": "Narrative",
    "active": "FhirBoolean",
    "_active": "PrimitiveExtension",
    "address": "Annotated[list[Address], Field(min_length=1)]",
    "birthDate": "FhirDate",
    "_birthDate": "PrimitiveExtension",
    "communication": "Annotated[list[CodeableConcept], Field(min_length=1)]",
    "gender": "FhirCode",
    "_gender": "PrimitiveExtension",
    "identifier": "Annotated[list[Identifier], Field(min_length=1)]",
    "name": "Annotated[list[HumanName], Field(min_length=1)]",
    "photo": "Annotated[list[Attachment], Field(min_length=1)]",
    "qualification": "Annotated[list[PractitionerQualification], Field(min_length=1)]",
    "telecom": "Annotated[list[ContactPoint], Field(min_length=1)]",
}, total=False)
Practitioner.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


_Observation = TypedDict("Observation", {
    "resourceType": Required[Literal["Observation"]],
    "fhir_comments": "FhirComments",
    "id": "FhirId",
    "implicitRules": "FhirUri",
    "_implicitRules": "PrimitiveExtension",
    "language": "FhirCode",
    "_language": "PrimitiveExtension",
    "meta": "Meta",
    "contained": "Annotated[list[AnyResource], Field(min_length=1)]",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "modifierExtension": "Annotated[list[Extension], Field(min_length=1)]",
    "text": "Narrative",
    "basedOn": "Annotated[list[Reference], Field(min_length=1)]",
    "bodySite": "CodeableConcept",
    "category": "Annotated[list[CodeableConcept], Field(min_length=1)]",
    "code": "Required[CodeableConcept]",
    "component": "Annotated[list[ObservationComponent], Field(min_length=1)]",
    "dataAbsentReason": "CodeableConcept",
    "derivedFrom": "Annotated[list[Reference], Field(min_length=1)]",
    "device": "Reference",
    "effectiveDateTime": "FhirDateTime",
    "_effectiveDateTime": "PrimitiveExtension",
    "effectiveInstant": "FhirInstant",
    "_effectiveInstant": "PrimitiveExtension",
    "effectivePeriod": "Period",
    "effectiveTiming": "Timing",
    "encounter": "Reference",
    "focus": "Annotated[list[Reference], Field(min_length=1)]",
    "hasMember": "Annotated[list[Reference], Field(min_length=1)]",
    "identifier": "Annotated[list[Identifier], Field(min_length=1)]",
    "interpretation": "Annotated[list[CodeableConcept], Field(min_length=1)]",
    "issued": "FhirInstant",
    "_issued": "PrimitiveExtension",
    "method": "CodeableConcept",
    "note": "Annotated[list[Annotation], Field(min_length=1)]",
    "partOf": "Annotated[list[Reference], Field(min_length=1)]",
    "performer": "Annotated[list[Reference], Field(min_length=1)]",
    "referenceRange": "Annotated[list[ObservationReferenceRange], Field(min_length=1)]",
    "specimen": "Reference",
    "status": "Required[FhirCode]",
    "_status": "PrimitiveExtension",
    "subject": "Reference",
    "valueBoolean": "FhirBoolean",
    "_valueBoolean": "PrimitiveExtension",
    "valueCodeableConcept": "CodeableConcept",
    "valueDateTime": "FhirDateTime",
    "_valueDateTime": "PrimitiveExtension",
    "valueInteger": "FhirInteger",
    "_valueInteger": "PrimitiveExtension",
    "valuePeriod": "Period",
    "valueQuantity": "Quantity",
    "valueRange": "Range",
    "valueRatio": "Ratio",
    "valueSampledData": "SampledData",
    "valueString": "FhirString",
    "_valueString": "PrimitiveExtension",
    "valueTime": "FhirTime",
    "_valueTime": "PrimitiveExtension",
}, total=False)
_Observation.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]
Observation = Annotated[_Observation, AfterValidator(choice_check({'effective': ('effectiveDateTime', 'effectiveInstant', 'effectivePeriod', 'effectiveTiming'), 'value': ('valueBoolean', 'valueCodeableConcept', 'valueDateTime', 'valueInteger', 'valuePeriod', 'valueQuantity', 'valueRange', 'valueRatio', 'valueSampledData', 'valueString', 'valueTime')}, ()))]


Encounter = TypedDict("Encounter", {
    "resourceType": Required[Literal["Encounter"]],
    "fhir_comments": "FhirComments",
    "id": "FhirId",
    "implicitRules": "FhirUri",
    "_implicitRules": "PrimitiveExtension",
    "language": "FhirCode",
    "_language": "PrimitiveExtension",
    "meta": "Meta",
    "contained": "Annotated[list[AnyResource], Field(min_length=1)]",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "modifierExtension": "Annotated[list[Extension], Field(min_length=1)]",
    "text": "Narrative",
    "account": "Annotated[list[Reference], Field(min_length=1)]",
    "appointment": "Annotated[list[Reference], Field(min_length=1)]",
    "basedOn": "Annotated[list[Reference], Field(min_length=1)]",
    "classHistory": "Annotated[list[EncounterClassHistory], Field(min_length=1)]",
    "class": "Required[Coding]",
    "diagnosis": "Annotated[list[EncounterDiagnosis], Field(min_length=1)]",
    "episodeOfCare": "Annotated[list[Reference], Field(min_length=1)]",
    "hospitalization": "EncounterHospitalization",
    "identifier": "Annotated[list[Identifier], Field(min_length=1)]",
    "length": "Duration",
    "location": "Annotated[list[EncounterLocation], Field(min_length=1)]",
    "partOf": "Reference",
    "participant": "Annotated[list[EncounterParticipant], Field(min_length=1)]",
    "period": "Period",
    "priority": "CodeableConcept",
    "reasonCode": "Annotated[list[CodeableConcept], Field(min_length=1)]",
    "reasonReference": "Annotated[list[Reference], Field(min_length=1)]",
    "serviceProvider": "Reference",
    "serviceType": "CodeableConcept",
    "status": "Required[FhirCode]",
    "_status": "PrimitiveExtension",
    "statusHistory": "Annotated[list[EncounterStatusHistory], Field(min_length=1)]",
    "subject": "Reference",
    "type": "Annotated[list[CodeableConcept], Field(min_length=1)]",
}, total=False)
Encounter.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


_Immunization = TypedDict("Immunization", {
    "resourceType": Required[Literal["Immunization"]],
    "fhir_comments": "FhirComments",
    "id": "FhirId",
    "implicitRules": "FhirUri",
    "_implicitRules": "PrimitiveExtension",
    "language": "FhirCode",
    "_language": "PrimitiveExtension",
    "meta": "Meta",
    "contained": "Annotated[list[AnyResource], Field(min_length=1)]",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "modifierExtension": "Annotated[list[Extension], Field(min_length=1)]",
    "text": "Narrative",
    "doseQuantity": "Quantity",
    "education": "Annotated[list[ImmunizationEducation], Field(min_length=1)]",
    "encounter": "Reference",
    "expirationDate": "FhirDate",
    "_expirationDate": "PrimitiveExtension",
    "fundingSource": "CodeableConcept",
    "identifier": "Annotated[list[Identifier], Field(min_length=1)]",
    "isSubpotent": "FhirBoolean",
    "_isSubpotent": "PrimitiveExtension",
    "location": "Reference",
    "lotNumber": "FhirString",
    "_lotNumber": "PrimitiveExtension",
    "manufacturer": "Reference",
    "note": "Annotated[list[Annotation], Field(min_length=1)]",
    "occurrenceDateTime": "FhirDateTime",
    "_occurrenceDateTime": "PrimitiveExtension",
    "occurrenceString": "FhirString",
    "_occurrenceString": "PrimitiveExtension",
    "patient": "Required[Reference]",
    "performer": "Annotated[list[ImmunizationPerformer], Field(min_length=1)]",
    "primarySource": "FhirBoolean",
    "_primarySource": "PrimitiveExtension",
    "programEligibility": "Annotated[list[CodeableConcept], Field(min_length=1)]",
    "protocolApplied": "Annotated[list[ImmunizationProtocolApplied], Field(min_length=1)]",
    "reaction": "Annotated[list[ImmunizationReaction], Field(min_length=1)]",
    "reasonCode": "Annotated[list[CodeableConcept], Field(min_length=1)]",
    "reasonReference": "Annotated[list[Reference], Field(min_length=1)]",
    "recorded": "FhirDateTime",
    "_recorded": "PrimitiveExtension",
    "reportOrigin": "CodeableConcept",
    "route": "CodeableConcept",
    "site": "CodeableConcept",
    "status": "Required[FhirCode]",
    "_status": "PrimitiveExtension",
    "statusReason": "CodeableConcept",
    "subpotentReason": "Annotated[list[CodeableConcept], Field(min_length=1)]",
    "vaccineCode": "Required[CodeableConcept]",
}, total=False)
_Immunization.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]
Immunization = Annotated[_Immunization, AfterValidator(choice_check({'occurrence': ('occurrenceDateTime', 'occurrenceString')}, ('occurrence',)))]


EpisodeOfCare = TypedDict("EpisodeOfCare", {
    "resourceType": Required[Literal["EpisodeOfCare"]],
    "fhir_comments": "FhirComments",
    "id": "FhirId",
    "implicitRules": "FhirUri",
    "_implicitRules": "PrimitiveExtension",
    "language": "FhirCode",
    "_language": "PrimitiveExtension",
    "meta": "Meta",
    "contained": "Annotated[list[AnyResource], Field(min_length=1)]",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "modifierExtension": "Annotated[list[Extension], Field(min_length=1)]",
    "text": "Narrative",
    "account": "Annotated[list[Reference], Field(min_length=1)]",
    "careManager": "Reference",
    "diagnosis": "Annotated[list[EpisodeOfCareDiagnosis], Field(min_length=1)]",
    "identifier": "Annotated[list[Identifier], Field(min_length=1)]",
    "managingOrganization": "Reference",
    "patient": "Required[Reference]",
    "period": "Period",
    "referralRequest": "Annotated[list[Reference], Field(min_length=1)]",
    "status": "Required[FhirCode]",
    "_status": "PrimitiveExtension",
    "statusHistory": "Annotated[list[EpisodeOfCareStatusHistory], Field(min_length=1)]",
    "team": "Annotated[list[Reference], Field(min_length=1)]",
    "type": "Annotated[list[CodeableConcept], Field(min_length=1)]",
}, total=False)
EpisodeOfCare.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


Appointment = TypedDict("Appointment", {
    "resourceType": Required[Literal["Appointment"]],
    "fhir_comments": "FhirComments",
    "id": "FhirId",
    "implicitRules": "FhirUri",
    "_implicitRules": "PrimitiveExtension",
    "language": "FhirCode",
    "_language": "PrimitiveExtension",
    "meta": "Meta",
    "contained": "Annotated[list[AnyResource], Field(min_length=1)]",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "modifierExtension": "Annotated[list[Extension], Field(min_length=1)]",
    "text": "Narrative",
    "appointmentType": "CodeableConcept",
    "basedOn": "Annotated[list[Reference], Field(min_length=1)]",
    "cancelationReason": "CodeableConcept",
    "comment": "FhirString",
    "_comment": "PrimitiveExtension",
    "created": "FhirDateTime",
    "_created": "PrimitiveExtension",
    "description": "FhirString",
    "_description": "PrimitiveExtension",
    "end": "FhirInstant",
    "_end": "PrimitiveExtension",
    "identifier": "Annotated[list[Identifier], Field(min_length=1)]",
    "minutesDuration": "FhirPositiveInt",
    "_minutesDuration": "PrimitiveExtension",
    "participant": "Required[Annotated[list[AppointmentParticipant], Field(min_length=1)]]",
    "patientInstruction": "FhirString",
    "_patientInstruction": "PrimitiveExtension",
    "priority": "FhirUnsignedInt",
    "_priority": "PrimitiveExtension",
    "reasonCode": "Annotated[list[CodeableConcept], Field(min_length=1)]",
    "reasonReference": "Annotated[list[Reference], Field(min_length=1)]",
    "requestedPeriod": "Annotated[list[Period], Field(min_length=1)]",
    "serviceCategory": "Annotated[list[CodeableConcept], Field(min_length=1)]",
    "serviceType": "Annotated[list[CodeableConcept], Field(min_length=1)]",
    "slot": "Annotated[list[Reference], Field(min_length=1)]",
    "specialty": "Annotated[list[CodeableConcept], Field(min_length=1)]",
    "start": "FhirInstant",
    "_start": "PrimitiveExtension",
    "status": "Required[FhirCode]",
    "_status": "PrimitiveExtension",
    "supportingInformation": "Annotated[list[Reference], Field(min_length=1)]",
}, total=False)
Appointment.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


Narrative = TypedDict("Narrative", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "div": "Required[FhirXhtml]",
    "_div": "PrimitiveExtension",
    "status": "Required[FhirCode]",
    "_status": "PrimitiveExtension",
}, total=False)
Narrative.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


Meta = TypedDict("Meta", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "lastUpdated": "FhirInstant",
    "_lastUpdated": "PrimitiveExtension",
    "profile": "Annotated[list[FhirUri | None], Field(min_length=1)]",
    "_profile": "Annotated[list[PrimitiveExtension | None], Field(min_length=1)]",
    "security": "Annotated[list[Coding], Field(min_length=1)]",
    "source": "FhirUri",
    "_source": "PrimitiveExtension",
    "tag": "Annotated[list[Coding], Field(min_length=1)]",
    "versionId": "FhirId",
    "_versionId": "PrimitiveExtension",
}, total=False)
Meta.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


BundleEntry = TypedDict("BundleEntry", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "modifierExtension": "Annotated[list[Extension], Field(min_length=1)]",
    "fullUrl": "FhirUri",
    "_fullUrl": "PrimitiveExtension",
    "link": "Annotated[list[BundleLink], Field(min_length=1)]",
    "request": "BundleEntryRequest",
    "resource": "AnyResource",
    "response": "BundleEntryResponse",
    "search": "BundleEntrySearch",
}, total=False)
BundleEntry.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


Identifier = TypedDict("Identifier", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "assigner": "Reference",
    "period": "Period",
    "system": "FhirUri",
    "_system": "PrimitiveExtension",
    "type": "CodeableConcept",
    "use": "FhirCode",
    "_use": "PrimitiveExtension",
    "value": "FhirString",
    "_value": "PrimitiveExtension",
}, total=False)
Identifier.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


BundleLink = TypedDict("BundleLink", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "modifierExtension": "Annotated[list[Extension], Field(min_length=1)]",
    "relation": "Required[FhirString]",
    "_relation": "PrimitiveExtension",
    "url": "Required[FhirUri]",
    "_url": "PrimitiveExtension",
}, total=False)
BundleLink.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


Signature = TypedDict("Signature", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "data": "FhirBase64",
    "_data": "PrimitiveExtension",
    "onBehalfOf": "Reference",
    "sigFormat": "FhirCode",
    "_sigFormat": "PrimitiveExtension",
    "targetFormat": "FhirCode",
    "_targetFormat": "PrimitiveExtension",
    "type": "Required[Annotated[list[Coding], Field(min_length=1)]]",
    "when": "Required[FhirInstant]",
    "_when": "PrimitiveExtension",
    "who": "Required[Reference]",
}, total=False)
Signature.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


_Extension = TypedDict("Extension", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[NestedExtension], Field(min_length=1)]",
    "id": "FhirString",
    "url": "Required[FhirUri]",
    "valueAddress": "Address",
    "valueAge": "Age",
    "valueAnnotation": "Annotation",
    "valueAttachment": "Attachment",
    "valueBase64Binary": "FhirBase64",
    "valueBoolean": "FhirBoolean",
    "valueCanonical": "FhirUri",
    "valueCode": "FhirCode",
    "valueCodeableConcept": "CodeableConcept",
    "valueCodeableReference": "CodeableReference",
    "valueCoding": "Coding",
    "valueContactDetail": "ContactDetail",
    "valueContactPoint": "ContactPoint",
    "valueContributor": "Contributor",
    "valueCount": "Count",
    "valueDataRequirement": "DataRequirement",
    "valueDate": "FhirDate",
    "valueDateTime": "FhirDateTime",
    "valueDecimal": "FhirDecimal",
    "valueDistance": "Distance",
    "valueDosage": "Dosage",
    "valueDuration": "Duration",
    "valueExpression": "Expression",
    "valueHumanName": "HumanName",
    "valueId": "FhirId",
    "valueIdentifier": "Identifier",
    "valueInstant": "FhirInstant",
    "valueInteger": "FhirInteger",
    "valueMarkdown": "FhirMarkdown",
    "valueMoney": "Money",
    "valueOid": "FhirOid",
    "valueParameterDefinition": "ParameterDefinition",
    "valuePeriod": "Period",
    "valuePositiveInt": "FhirPositiveInt",
    "valueQuantity": "Quantity",
    "valueRange": "Range",
    "valueRatio": "Ratio",
    "valueRatioRange": "RatioRange",
    "valueReference": "Reference",
    "valueRelatedArtifact": "RelatedArtifact",
    "valueSampledData": "SampledData",
    "valueSignature": "Signature",
    "valueString": "FhirString",
    "valueTime": "FhirTime",
    "valueTiming": "Timing",
    "valueTriggerDefinition": "TriggerDefinition",
    "valueUnsignedInt": "FhirUnsignedInt",
    "valueUri": "FhirUri",
    "valueUrl": "FhirUri",
    "valueUsageContext": "UsageContext",
    "valueUuid": "FhirUuid",
}, total=False)
_Extension.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]
Extension = Annotated[_Extension, AfterValidator(choice_check({'value': ('valueAddress', 'valueAge', 'valueAnnotation', 'valueAttachment', 'valueBase64Binary', 'valueBoolean', 'valueCanonical', 'valueCode', 'valueCodeableConcept', 'valueCodeableReference', 'valueCoding', 'valueContactDetail', 'valueContactPoint', 'valueContributor', 'valueCount', 'valueDataRequirement', 'valueDate', 'valueDateTime', 'valueDecimal', 'valueDistance', 'valueDosage', 'valueDuration', 'valueExpression', 'valueHumanName', 'valueId', 'valueIdentifier', 'valueInstant', 'valueInteger', 'valueMarkdown', 'valueMoney', 'valueOid', 'valueParameterDefinition', 'valuePeriod', 'valuePositiveInt', 'valueQuantity', 'valueRange', 'valueRatio', 'valueRatioRange', 'valueReference', 'valueRelatedArtifact', 'valueSampledData', 'valueSignature', 'valueString', 'valueTime', 'valueTiming', 'valueTriggerDefinition', 'valueUnsignedInt', 'valueUri', 'valueUrl', 'valueUsageContext', 'valueUuid')}, (), ext1=True))]
NestedExtension = Extension


Reference = TypedDict("Reference", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "display": "FhirString",
    "_display": "PrimitiveExtension",
    "identifier": "Identifier",
    "reference": "FhirReference",
    "_reference": "PrimitiveExtension",
    "type": "FhirUri",
    "_type": "PrimitiveExtension",
}, total=False)
Reference.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


MessageHeaderDestination = TypedDict("MessageHeaderDestination", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "modifierExtension": "Annotated[list[Extension], Field(min_length=1)]",
    "endpoint": "Required[FhirUri]",
    "_endpoint": "PrimitiveExtension",
    "name": "FhirString",
    "_name": "PrimitiveExtension",
    "receiver": "Reference",
    "target": "Reference",
}, total=False)
MessageHeaderDestination.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


Coding = TypedDict("Coding", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "code": "FhirCode",
    "_code": "PrimitiveExtension",
    "display": "FhirString",
    "_display": "PrimitiveExtension",
    "system": "FhirUri",
    "_system": "PrimitiveExtension",
    "userSelected": "FhirBoolean",
    "_userSelected": "PrimitiveExtension",
    "version": "FhirString",
    "_version": "PrimitiveExtension",
}, total=False)
Coding.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


CodeableConcept = TypedDict("CodeableConcept", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "coding": "Annotated[list[Coding], Field(min_length=1)]",
    "text": "FhirString",
    "_text": "PrimitiveExtension",
}, total=False)
CodeableConcept.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


MessageHeaderResponse = TypedDict("MessageHeaderResponse", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "modifierExtension": "Annotated[list[Extension], Field(min_length=1)]",
    "code": "Required[FhirCode]",
    "_code": "PrimitiveExtension",
    "details": "Reference",
    "identifier": "Required[FhirId]",
    "_identifier": "PrimitiveExtension",
}, total=False)
MessageHeaderResponse.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


MessageHeaderSource = TypedDict("MessageHeaderSource", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "modifierExtension": "Annotated[list[Extension], Field(min_length=1)]",
    "contact": "ContactPoint",
    "endpoint": "Required[FhirUri]",
    "_endpoint": "PrimitiveExtension",
    "name": "FhirString",
    "_name": "PrimitiveExtension",
    "software": "FhirString",
    "_software": "PrimitiveExtension",
    "version": "FhirString",
    "_version": "PrimitiveExtension",
}, total=False)
MessageHeaderSource.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


Address = TypedDict("Address", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "city": "FhirString",
    "_city": "PrimitiveExtension",
    "country": "FhirString",
    "_country": "PrimitiveExtension",
    "district": "FhirString",
    "_district": "PrimitiveExtension",
    "line": "Annotated[list[FhirString | None], Field(min_length=1)]",
    "_line": "Annotated[list[PrimitiveExtension | None], Field(min_length=1)]",
    "period": "Period",
    "postalCode": "FhirString",
    "_postalCode": "PrimitiveExtension",
    "state": "FhirString",
    "_state": "PrimitiveExtension",
    "text": "FhirString",
    "_text": "PrimitiveExtension",
    "type": "FhirCode",
    "_type": "PrimitiveExtension",
    "use": "FhirCode",
    "_use": "PrimitiveExtension",
}, total=False)
Address.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


PatientCommunication = TypedDict("PatientCommunication", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "modifierExtension": "Annotated[list[Extension], Field(min_length=1)]",
    "language": "Required[CodeableConcept]",
    "preferred": "FhirBoolean",
    "_preferred": "PrimitiveExtension",
}, total=False)
PatientCommunication.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


PatientContact = TypedDict("PatientContact", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "modifierExtension": "Annotated[list[Extension], Field(min_length=1)]",
    "address": "Address",
    "gender": "FhirCode",
    "_gender": "PrimitiveExtension",
    "name": "HumanName",
    "organization": "Reference",
    "period": "Period",
    "relationship": "Annotated[list[CodeableConcept], Field(min_length=1)]",
    "telecom": "Annotated[list[ContactPoint], Field(min_length=1)]",
}, total=False)
PatientContact.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


PatientLink = TypedDict("PatientLink", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "modifierExtension": "Annotated[list[Extension], Field(min_length=1)]",
    "other": "Required[Reference]",
    "type": "Required[FhirCode]",
    "_type": "PrimitiveExtension",
}, total=False)
PatientLink.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


HumanName = TypedDict("HumanName", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "family": "FhirString",
    "_family": "PrimitiveExtension",
    "given": "Annotated[list[FhirString | None], Field(min_length=1)]",
    "_given": "Annotated[list[PrimitiveExtension | None], Field(min_length=1)]",
    "period": "Period",
    "prefix": "Annotated[list[FhirString | None], Field(min_length=1)]",
    "_prefix": "Annotated[list[PrimitiveExtension | None], Field(min_length=1)]",
    "suffix": "Annotated[list[FhirString | None], Field(min_length=1)]",
    "_suffix": "Annotated[list[PrimitiveExtension | None], Field(min_length=1)]",
    "text": "FhirString",
    "_text": "PrimitiveExtension",
    "use": "FhirCode",
    "_use": "PrimitiveExtension",
}, total=False)
HumanName.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


Attachment = TypedDict("Attachment", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "contentType": "FhirCode",
    "_contentType": "PrimitiveExtension",
    "creation": "FhirDateTime",
    "_creation": "PrimitiveExtension",
    "data": "FhirBase64",
    "_data": "PrimitiveExtension",
    "hash": "FhirBase64",
    "_hash": "PrimitiveExtension",
    "language": "FhirCode",
    "_language": "PrimitiveExtension",
    "size": "FhirUnsignedInt",
    "_size": "PrimitiveExtension",
    "title": "FhirString",
    "_title": "PrimitiveExtension",
    "url": "FhirUri",
    "_url": "PrimitiveExtension",
}, total=False)
Attachment.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


ContactPoint = TypedDict("ContactPoint", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "period": "Period",
    "rank": "FhirPositiveInt",
    "_rank": "PrimitiveExtension",
    "system": "FhirCode",
    "_system": "PrimitiveExtension",
    "use": "FhirCode",
    "_use": "PrimitiveExtension",
    "value": "FhirString",
    "_value": "PrimitiveExtension",
}, total=False)
ContactPoint.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


OrganizationContact = TypedDict("OrganizationContact", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "modifierExtension": "Annotated[list[Extension], Field(min_length=1)]",
    "address": "Address",
    "name": "HumanName",
    "purpose": "CodeableConcept",
    "telecom": "Annotated[list[ContactPoint], Field(min_length=1)]",
}, total=False)
OrganizationContact.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


RelatedPersonCommunication = TypedDict("RelatedPersonCommunication", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "modifierExtension": "Annotated[list[Extension], Field(min_length=1)]",
    "language": "Required[CodeableConcept]",
    "preferred": "FhirBoolean",
    "_preferred": "PrimitiveExtension",
}, total=False)
RelatedPersonCommunication.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


Period = TypedDict("Period", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "end": "FhirDateTime",
    "_end": "PrimitiveExtension",
    "start": "FhirDateTime",
    "_start": "PrimitiveExtension",
}, total=False)
Period.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


PractitionerQualification = TypedDict("PractitionerQualification", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "modifierExtension": "Annotated[list[Extension], Field(min_length=1)]",
    "code": "Required[CodeableConcept]",
    "identifier": "Annotated[list[Identifier], Field(min_length=1)]",
    "issuer": "Reference",
    "period": "Period",
}, total=False)
PractitionerQualification.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


_ObservationComponent = TypedDict("ObservationComponent", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "modifierExtension": "Annotated[list[Extension], Field(min_length=1)]",
    "code": "Required[CodeableConcept]",
    "dataAbsentReason": "CodeableConcept",
    "interpretation": "Annotated[list[CodeableConcept], Field(min_length=1)]",
    "referenceRange": "Annotated[list[ObservationReferenceRange], Field(min_length=1)]",
    "valueBoolean": "FhirBoolean",
    "_valueBoolean": "PrimitiveExtension",
    "valueCodeableConcept": "CodeableConcept",
    "valueDateTime": "FhirDateTime",
    "_valueDateTime": "PrimitiveExtension",
    "valueInteger": "FhirInteger",
    "_valueInteger": "PrimitiveExtension",
    "valuePeriod": "Period",
    "valueQuantity": "Quantity",
    "valueRange": "Range",
    "valueRatio": "Ratio",
    "valueSampledData": "SampledData",
    "valueString": "FhirString",
    "_valueString": "PrimitiveExtension",
    "valueTime": "FhirTime",
    "_valueTime": "PrimitiveExtension",
}, total=False)
_ObservationComponent.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]
ObservationComponent = Annotated[_ObservationComponent, AfterValidator(choice_check({'value': ('valueBoolean', 'valueCodeableConcept', 'valueDateTime', 'valueInteger', 'valuePeriod', 'valueQuantity', 'valueRange', 'valueRatio', 'valueSampledData', 'valueString', 'valueTime')}, ()))]


Timing = TypedDict("Timing", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "modifierExtension": "Annotated[list[Extension], Field(min_length=1)]",
    "code": "CodeableConcept",
    "event": "Annotated[list[FhirDateTime | None], Field(min_length=1)]",
    "_event": "Annotated[list[PrimitiveExtension | None], Field(min_length=1)]",
    "repeat": "TimingRepeat",
}, total=False)
Timing.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


_Annotation = TypedDict("Annotation", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "authorReference": "Reference",
    "authorString": "FhirString",
    "_authorString": "PrimitiveExtension",
    "text": "Required[FhirMarkdown]",
    "_text": "PrimitiveExtension",
    "time": "FhirDateTime",
    "_time": "PrimitiveExtension",
}, total=False)
_Annotation.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]
Annotation = Annotated[_Annotation, AfterValidator(choice_check({'author': ('authorReference', 'authorString')}, ()))]


ObservationReferenceRange = TypedDict("ObservationReferenceRange", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "modifierExtension": "Annotated[list[Extension], Field(min_length=1)]",
    "age": "Range",
    "appliesTo": "Annotated[list[CodeableConcept], Field(min_length=1)]",
    "high": "Quantity",
    "low": "Quantity",
    "text": "FhirString",
    "_text": "PrimitiveExtension",
    "type": "CodeableConcept",
}, total=False)
ObservationReferenceRange.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


Quantity = TypedDict("Quantity", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "code": "FhirCode",
    "_code": "PrimitiveExtension",
    "comparator": "FhirCode",
    "_comparator": "PrimitiveExtension",
    "system": "FhirUri",
    "_system": "PrimitiveExtension",
    "unit": "FhirString",
    "_unit": "PrimitiveExtension",
    "value": "FhirDecimal",
    "_value": "PrimitiveExtension",
}, total=False)
Quantity.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


Range = TypedDict("Range", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "high": "Quantity",
    "low": "Quantity",
}, total=False)
Range.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


Ratio = TypedDict("Ratio", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "denominator": "Quantity",
    "numerator": "Quantity",
}, total=False)
Ratio.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


SampledData = TypedDict("SampledData", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "data": "FhirString",
    "_data": "PrimitiveExtension",
    "dimensions": "Required[FhirPositiveInt]",
    "_dimensions": "PrimitiveExtension",
    "factor": "FhirDecimal",
    "_factor": "PrimitiveExtension",
    "lowerLimit": "FhirDecimal",
    "_lowerLimit": "PrimitiveExtension",
    "origin": "Required[Quantity]",
    "period": "Required[FhirDecimal]",
    "_period": "PrimitiveExtension",
    "upperLimit": "FhirDecimal",
    "_upperLimit": "PrimitiveExtension",
}, total=False)
SampledData.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


EncounterClassHistory = TypedDict("EncounterClassHistory", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "modifierExtension": "Annotated[list[Extension], Field(min_length=1)]",
    "class": "Required[Coding]",
    "period": "Required[Period]",
}, total=False)
EncounterClassHistory.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


EncounterDiagnosis = TypedDict("EncounterDiagnosis", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "modifierExtension": "Annotated[list[Extension], Field(min_length=1)]",
    "condition": "Required[Reference]",
    "rank": "FhirPositiveInt",
    "_rank": "PrimitiveExtension",
    "use": "CodeableConcept",
}, total=False)
EncounterDiagnosis.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


EncounterHospitalization = TypedDict("EncounterHospitalization", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "modifierExtension": "Annotated[list[Extension], Field(min_length=1)]",
    "admitSource": "CodeableConcept",
    "destination": "Reference",
    "dietPreference": "Annotated[list[CodeableConcept], Field(min_length=1)]",
    "dischargeDisposition": "CodeableConcept",
    "origin": "Reference",
    "preAdmissionIdentifier": "Identifier",
    "reAdmission": "CodeableConcept",
    "specialArrangement": "Annotated[list[CodeableConcept], Field(min_length=1)]",
    "specialCourtesy": "Annotated[list[CodeableConcept], Field(min_length=1)]",
}, total=False)
EncounterHospitalization.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


Duration = TypedDict("Duration", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "code": "FhirCode",
    "_code": "PrimitiveExtension",
    "comparator": "FhirCode",
    "_comparator": "PrimitiveExtension",
    "system": "FhirUri",
    "_system": "PrimitiveExtension",
    "unit": "FhirString",
    "_unit": "PrimitiveExtension",
    "value": "FhirDecimal",
    "_value": "PrimitiveExtension",
}, total=False)
Duration.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


EncounterLocation = TypedDict("EncounterLocation", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "modifierExtension": "Annotated[list[Extension], Field(min_length=1)]",
    "location": "Required[Reference]",
    "period": "Period",
    "physicalType": "CodeableConcept",
    "status": "FhirCode",
    "_status": "PrimitiveExtension",
}, total=False)
EncounterLocation.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


EncounterParticipant = TypedDict("EncounterParticipant", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "modifierExtension": "Annotated[list[Extension], Field(min_length=1)]",
    "individual": "Reference",
    "period": "Period",
    "type": "Annotated[list[CodeableConcept], Field(min_length=1)]",
}, total=False)
EncounterParticipant.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


EncounterStatusHistory = TypedDict("EncounterStatusHistory", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "modifierExtension": "Annotated[list[Extension], Field(min_length=1)]",
    "period": "Required[Period]",
    "status": "Required[FhirCode]",
    "_status": "PrimitiveExtension",
}, total=False)
EncounterStatusHistory.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


ImmunizationEducation = TypedDict("ImmunizationEducation", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "modifierExtension": "Annotated[list[Extension], Field(min_length=1)]",
    "documentType": "FhirString",
    "_documentType": "PrimitiveExtension",
    "presentationDate": "FhirDateTime",
    "_presentationDate": "PrimitiveExtension",
    "publicationDate": "FhirDateTime",
    "_publicationDate": "PrimitiveExtension",
    "reference": "FhirUri",
    "_reference": "PrimitiveExtension",
}, total=False)
ImmunizationEducation.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


ImmunizationPerformer = TypedDict("ImmunizationPerformer", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "modifierExtension": "Annotated[list[Extension], Field(min_length=1)]",
    "actor": "Required[Reference]",
    "function": "CodeableConcept",
}, total=False)
ImmunizationPerformer.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


_ImmunizationProtocolApplied = TypedDict("ImmunizationProtocolApplied", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "modifierExtension": "Annotated[list[Extension], Field(min_length=1)]",
    "authority": "Reference",
    "doseNumberPositiveInt": "FhirPositiveInt",
    "_doseNumberPositiveInt": "PrimitiveExtension",
    "doseNumberString": "FhirString",
    "_doseNumberString": "PrimitiveExtension",
    "series": "FhirString",
    "_series": "PrimitiveExtension",
    "seriesDosesPositiveInt": "FhirPositiveInt",
    "_seriesDosesPositiveInt": "PrimitiveExtension",
    "seriesDosesString": "FhirString",
    "_seriesDosesString": "PrimitiveExtension",
    "targetDisease": "Annotated[list[CodeableConcept], Field(min_length=1)]",
}, total=False)
_ImmunizationProtocolApplied.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]
ImmunizationProtocolApplied = Annotated[_ImmunizationProtocolApplied, AfterValidator(choice_check({'doseNumber': ('doseNumberPositiveInt', 'doseNumberString'), 'seriesDoses': ('seriesDosesPositiveInt', 'seriesDosesString')}, ('doseNumber',)))]


ImmunizationReaction = TypedDict("ImmunizationReaction", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "modifierExtension": "Annotated[list[Extension], Field(min_length=1)]",
    "date": "FhirDateTime",
    "_date": "PrimitiveExtension",
    "detail": "Reference",
    "reported": "FhirBoolean",
    "_reported": "PrimitiveExtension",
}, total=False)
ImmunizationReaction.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


EpisodeOfCareDiagnosis = TypedDict("EpisodeOfCareDiagnosis", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "modifierExtension": "Annotated[list[Extension], Field(min_length=1)]",
    "condition": "Required[Reference]",
    "rank": "FhirPositiveInt",
    "_rank": "PrimitiveExtension",
    "role": "CodeableConcept",
}, total=False)
EpisodeOfCareDiagnosis.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


EpisodeOfCareStatusHistory = TypedDict("EpisodeOfCareStatusHistory", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "modifierExtension": "Annotated[list[Extension], Field(min_length=1)]",
    "period": "Required[Period]",
    "status": "Required[FhirCode]",
    "_status": "PrimitiveExtension",
}, total=False)
EpisodeOfCareStatusHistory.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


AppointmentParticipant = TypedDict("AppointmentParticipant", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "modifierExtension": "Annotated[list[Extension], Field(min_length=1)]",
    "actor": "Reference",
    "period": "Period",
    "required": "FhirCode",
    "_required": "PrimitiveExtension",
    "status": "Required[FhirCode]",
    "_status": "PrimitiveExtension",
    "type": "Annotated[list[CodeableConcept], Field(min_length=1)]",
}, total=False)
AppointmentParticipant.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


BundleEntryRequest = TypedDict("BundleEntryRequest", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "modifierExtension": "Annotated[list[Extension], Field(min_length=1)]",
    "ifMatch": "FhirString",
    "_ifMatch": "PrimitiveExtension",
    "ifModifiedSince": "FhirInstant",
    "_ifModifiedSince": "PrimitiveExtension",
    "ifNoneExist": "FhirString",
    "_ifNoneExist": "PrimitiveExtension",
    "ifNoneMatch": "FhirString",
    "_ifNoneMatch": "PrimitiveExtension",
    "method": "Required[FhirCode]",
    "_method": "PrimitiveExtension",
    "url": "Required[FhirUri]",
    "_url": "PrimitiveExtension",
}, total=False)
BundleEntryRequest.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


BundleEntryResponse = TypedDict("BundleEntryResponse", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "modifierExtension": "Annotated[list[Extension], Field(min_length=1)]",
    "etag": "FhirString",
    "_etag": "PrimitiveExtension",
    "lastModified": "FhirInstant",
    "_lastModified": "PrimitiveExtension",
    "location": "FhirUri",
    "_location": "PrimitiveExtension",
    "outcome": "AnyResource",
    "status": "Required[FhirString]",
    "_status": "PrimitiveExtension",
}, total=False)
BundleEntryResponse.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


BundleEntrySearch = TypedDict("BundleEntrySearch", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "modifierExtension": "Annotated[list[Extension], Field(min_length=1)]",
    "mode": "FhirCode",
    "_mode": "PrimitiveExtension",
    "score": "FhirDecimal",
    "_score": "PrimitiveExtension",
}, total=False)
BundleEntrySearch.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


Age = TypedDict("Age", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "code": "FhirCode",
    "_code": "PrimitiveExtension",
    "comparator": "FhirCode",
    "_comparator": "PrimitiveExtension",
    "system": "FhirUri",
    "_system": "PrimitiveExtension",
    "unit": "FhirString",
    "_unit": "PrimitiveExtension",
    "value": "FhirDecimal",
    "_value": "PrimitiveExtension",
}, total=False)
Age.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


CodeableReference = TypedDict("CodeableReference", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "concept": "CodeableConcept",
    "reference": "Reference",
}, total=False)
CodeableReference.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


ContactDetail = TypedDict("ContactDetail", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "name": "FhirString",
    "_name": "PrimitiveExtension",
    "telecom": "Annotated[list[ContactPoint], Field(min_length=1)]",
}, total=False)
ContactDetail.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


Contributor = TypedDict("Contributor", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "contact": "Annotated[list[ContactDetail], Field(min_length=1)]",
    "name": "Required[FhirString]",
    "_name": "PrimitiveExtension",
    "type": "Required[FhirCode]",
    "_type": "PrimitiveExtension",
}, total=False)
Contributor.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


Count = TypedDict("Count", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "code": "FhirCode",
    "_code": "PrimitiveExtension",
    "comparator": "FhirCode",
    "_comparator": "PrimitiveExtension",
    "system": "FhirUri",
    "_system": "PrimitiveExtension",
    "unit": "FhirString",
    "_unit": "PrimitiveExtension",
    "value": "FhirDecimal",
    "_value": "PrimitiveExtension",
}, total=False)
Count.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


_DataRequirement = TypedDict("DataRequirement", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "codeFilter": "Annotated[list[DataRequirementCodeFilter], Field(min_length=1)]",
    "dateFilter": "Annotated[list[DataRequirementDateFilter], Field(min_length=1)]",
    "limit": "FhirPositiveInt",
    "_limit": "PrimitiveExtension",
    "mustSupport": "Annotated[list[FhirString | None], Field(min_length=1)]",
    "_mustSupport": "Annotated[list[PrimitiveExtension | None], Field(min_length=1)]",
    "profile": "Annotated[list[FhirUri | None], Field(min_length=1)]",
    "_profile": "Annotated[list[PrimitiveExtension | None], Field(min_length=1)]",
    "sort": "Annotated[list[DataRequirementSort], Field(min_length=1)]",
    "subjectCodeableConcept": "CodeableConcept",
    "subjectReference": "Reference",
    "type": "Required[FhirCode]",
    "_type": "PrimitiveExtension",
}, total=False)
_DataRequirement.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]
DataRequirement = Annotated[_DataRequirement, AfterValidator(choice_check({'subject': ('subjectCodeableConcept', 'subjectReference')}, ()))]


Distance = TypedDict("Distance", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "code": "FhirCode",
    "_code": "PrimitiveExtension",
    "comparator": "FhirCode",
    "_comparator": "PrimitiveExtension",
    "system": "FhirUri",
    "_system": "PrimitiveExtension",
    "unit": "FhirString",
    "_unit": "PrimitiveExtension",
    "value": "FhirDecimal",
    "_value": "PrimitiveExtension",
}, total=False)
Distance.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


_Dosage = TypedDict("Dosage", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "modifierExtension": "Annotated[list[Extension], Field(min_length=1)]",
    "additionalInstruction": "Annotated[list[CodeableConcept], Field(min_length=1)]",
    "asNeededBoolean": "FhirBoolean",
    "_asNeededBoolean": "PrimitiveExtension",
    "asNeededCodeableConcept": "CodeableConcept",
    "doseAndRate": "Annotated[list[DosageDoseAndRate], Field(min_length=1)]",
    "maxDosePerAdministration": "Quantity",
    "maxDosePerLifetime": "Quantity",
    "maxDosePerPeriod": "Ratio",
    "method": "CodeableConcept",
    "patientInstruction": "FhirString",
    "_patientInstruction": "PrimitiveExtension",
    "route": "CodeableConcept",
    "sequence": "FhirInteger",
    "_sequence": "PrimitiveExtension",
    "site": "CodeableConcept",
    "text": "FhirString",
    "_text": "PrimitiveExtension",
    "timing": "Timing",
}, total=False)
_Dosage.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]
Dosage = Annotated[_Dosage, AfterValidator(choice_check({'asNeeded': ('asNeededBoolean', 'asNeededCodeableConcept')}, ()))]


Expression = TypedDict("Expression", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "description": "FhirString",
    "_description": "PrimitiveExtension",
    "expression": "FhirString",
    "_expression": "PrimitiveExtension",
    "language": "Required[FhirCode]",
    "_language": "PrimitiveExtension",
    "name": "FhirId",
    "_name": "PrimitiveExtension",
    "reference": "FhirUri",
    "_reference": "PrimitiveExtension",
}, total=False)
Expression.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


Money = TypedDict("Money", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "currency": "FhirCode",
    "_currency": "PrimitiveExtension",
    "value": "FhirDecimal",
    "_value": "PrimitiveExtension",
}, total=False)
Money.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


ParameterDefinition = TypedDict("ParameterDefinition", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "documentation": "FhirString",
    "_documentation": "PrimitiveExtension",
    "max": "FhirString",
    "_max": "PrimitiveExtension",
    "min": "FhirInteger",
    "_min": "PrimitiveExtension",
    "name": "FhirCode",
    "_name": "PrimitiveExtension",
    "profile": "FhirUri",
    "_profile": "PrimitiveExtension",
    "type": "Required[FhirCode]",
    "_type": "PrimitiveExtension",
    "use": "Required[FhirCode]",
    "_use": "PrimitiveExtension",
}, total=False)
ParameterDefinition.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


RatioRange = TypedDict("RatioRange", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "denominator": "Quantity",
    "highNumerator": "Quantity",
    "lowNumerator": "Quantity",
}, total=False)
RatioRange.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


RelatedArtifact = TypedDict("RelatedArtifact", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "citation": "FhirMarkdown",
    "_citation": "PrimitiveExtension",
    "display": "FhirString",
    "_display": "PrimitiveExtension",
    "document": "Attachment",
    "label": "FhirString",
    "_label": "PrimitiveExtension",
    "resource": "FhirUri",
    "_resource": "PrimitiveExtension",
    "type": "Required[FhirCode]",
    "_type": "PrimitiveExtension",
    "url": "FhirUri",
    "_url": "PrimitiveExtension",
}, total=False)
RelatedArtifact.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


_TriggerDefinition = TypedDict("TriggerDefinition", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "condition": "Expression",
    "data": "Annotated[list[DataRequirement], Field(min_length=1)]",
    "name": "FhirString",
    "_name": "PrimitiveExtension",
    "timingDate": "FhirDate",
    "_timingDate": "PrimitiveExtension",
    "timingDateTime": "FhirDateTime",
    "_timingDateTime": "PrimitiveExtension",
    "timingReference": "Reference",
    "timingTiming": "Timing",
    "type": "Required[FhirCode]",
    "_type": "PrimitiveExtension",
}, total=False)
_TriggerDefinition.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]
TriggerDefinition = Annotated[_TriggerDefinition, AfterValidator(choice_check({'timing': ('timingDate', 'timingDateTime', 'timingReference', 'timingTiming')}, ()))]


_UsageContext = TypedDict("UsageContext", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "code": "Required[Coding]",
    "valueCodeableConcept": "CodeableConcept",
    "valueQuantity": "Quantity",
    "valueRange": "Range",
    "valueReference": "Reference",
}, total=False)
_UsageContext.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]
UsageContext = Annotated[_UsageContext, AfterValidator(choice_check({'value': ('valueCodeableConcept', 'valueQuantity', 'valueRange', 'valueReference')}, ('value',)))]


_TimingRepeat = TypedDict("TimingRepeat", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "boundsDuration": "Duration",
    "boundsPeriod": "Period",
    "boundsRange": "Range",
    "count": "FhirPositiveInt",
    "_count": "PrimitiveExtension",
    "countMax": "FhirPositiveInt",
    "_countMax": "PrimitiveExtension",
    "dayOfWeek": "Annotated[list[FhirCode | None], Field(min_length=1)]",
    "_dayOfWeek": "Annotated[list[PrimitiveExtension | None], Field(min_length=1)]",
    "duration": "FhirDecimal",
    "_duration": "PrimitiveExtension",
    "durationMax": "FhirDecimal",
    "_durationMax": "PrimitiveExtension",
    "durationUnit": "FhirCode",
    "_durationUnit": "PrimitiveExtension",
    "frequency": "FhirPositiveInt",
    "_frequency": "PrimitiveExtension",
    "frequencyMax": "FhirPositiveInt",
    "_frequencyMax": "PrimitiveExtension",
    "offset": "FhirUnsignedInt",
    "_offset": "PrimitiveExtension",
    "period": "FhirDecimal",
    "_period": "PrimitiveExtension",
    "periodMax": "FhirDecimal",
    "_periodMax": "PrimitiveExtension",
    "periodUnit": "FhirCode",
    "_periodUnit": "PrimitiveExtension",
    "timeOfDay": "Annotated[list[FhirTime | None], Field(min_length=1)]",
    "_timeOfDay": "Annotated[list[PrimitiveExtension | None], Field(min_length=1)]",
    "when": "Annotated[list[FhirCode | None], Field(min_length=1)]",
    "_when": "Annotated[list[PrimitiveExtension | None], Field(min_length=1)]",
}, total=False)
_TimingRepeat.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]
TimingRepeat = Annotated[_TimingRepeat, AfterValidator(choice_check({'bounds': ('boundsDuration', 'boundsPeriod', 'boundsRange')}, ()))]


DataRequirementCodeFilter = TypedDict("DataRequirementCodeFilter", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "code": "Annotated[list[Coding], Field(min_length=1)]",
    "path": "FhirString",
    "_path": "PrimitiveExtension",
    "searchParam": "FhirString",
    "_searchParam": "PrimitiveExtension",
    "valueSet": "FhirUri",
    "_valueSet": "PrimitiveExtension",
}, total=False)
DataRequirementCodeFilter.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


_DataRequirementDateFilter = TypedDict("DataRequirementDateFilter", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "path": "FhirString",
    "_path": "PrimitiveExtension",
    "searchParam": "FhirString",
    "_searchParam": "PrimitiveExtension",
    "valueDateTime": "FhirDateTime",
    "_valueDateTime": "PrimitiveExtension",
    "valueDuration": "Duration",
    "valuePeriod": "Period",
}, total=False)
_DataRequirementDateFilter.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]
DataRequirementDateFilter = Annotated[_DataRequirementDateFilter, AfterValidator(choice_check({'value': ('valueDateTime', 'valueDuration', 'valuePeriod')}, ()))]


DataRequirementSort = TypedDict("DataRequirementSort", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "direction": "Required[FhirCode]",
    "_direction": "PrimitiveExtension",
    "path": "Required[FhirString]",
    "_path": "PrimitiveExtension",
}, total=False)
DataRequirementSort.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]


_DosageDoseAndRate = TypedDict("DosageDoseAndRate", {
    "fhir_comments": "FhirComments",
    "extension": "Annotated[list[Extension], Field(min_length=1)]",
    "id": "FhirString",
    "doseQuantity": "Quantity",
    "doseRange": "Range",
    "rateQuantity": "Quantity",
    "rateRange": "Range",
    "rateRatio": "Ratio",
    "type": "CodeableConcept",
}, total=False)
_DosageDoseAndRate.__pydantic_config__ = FHIR_CONFIG  # type: ignore[attr-defined]
DosageDoseAndRate = Annotated[_DosageDoseAndRate, AfterValidator(choice_check({'dose': ('doseQuantity', 'doseRange'), 'rate': ('rateQuantity', 'rateRange', 'rateRatio')}, ()))]


AnyResource = Annotated[
    Union[MessageHeader, Patient, Organization, RelatedPerson, Practitioner, Observation, Encounter, Immunization, EpisodeOfCare, Appointment],
    Field(discriminator="resourceType"),
]


# choice elements ([x]): at most one per group; required groups need exactly one
CHOICE_GROUPS: dict[str, dict[str, tuple[str, ...]]] = {
    "MessageHeader": {"event": ('eventCoding', 'eventUri')},
    "Patient": {"deceased": ('deceasedBoolean', 'deceasedDateTime'), "multipleBirth": ('multipleBirthBoolean', 'multipleBirthInteger')},
    "Observation": {"effective": ('effectiveDateTime', 'effectiveInstant', 'effectivePeriod', 'effectiveTiming'), "value": ('valueBoolean', 'valueCodeableConcept', 'valueDateTime', 'valueInteger', 'valuePeriod', 'valueQuantity', 'valueRange', 'valueRatio', 'valueSampledData', 'valueString', 'valueTime')},
    "Immunization": {"occurrence": ('occurrenceDateTime', 'occurrenceString')},
    "Extension": {"value": ('valueAddress', 'valueAge', 'valueAnnotation', 'valueAttachment', 'valueBase64Binary', 'valueBoolean', 'valueCanonical', 'valueCode', 'valueCodeableConcept', 'valueCodeableReference', 'valueCoding', 'valueContactDetail', 'valueContactPoint', 'valueContributor', 'valueCount', 'valueDataRequirement', 'valueDate', 'valueDateTime', 'valueDecimal', 'valueDistance', 'valueDosage', 'valueDuration', 'valueExpression', 'valueHumanName', 'valueId', 'valueIdentifier', 'valueInstant', 'valueInteger', 'valueMarkdown', 'valueMoney', 'valueOid', 'valueParameterDefinition', 'valuePeriod', 'valuePositiveInt', 'valueQuantity', 'valueRange', 'valueRatio', 'valueRatioRange', 'valueReference', 'valueRelatedArtifact', 'valueSampledData', 'valueSignature', 'valueString', 'valueTime', 'valueTiming', 'valueTriggerDefinition', 'valueUnsignedInt', 'valueUri', 'valueUrl', 'valueUsageContext', 'valueUuid')},
    "ObservationComponent": {"value": ('valueBoolean', 'valueCodeableConcept', 'valueDateTime', 'valueInteger', 'valuePeriod', 'valueQuantity', 'valueRange', 'valueRatio', 'valueSampledData', 'valueString', 'valueTime')},
    "Annotation": {"author": ('authorReference', 'authorString')},
    "ImmunizationProtocolApplied": {"doseNumber": ('doseNumberPositiveInt', 'doseNumberString'), "seriesDoses": ('seriesDosesPositiveInt', 'seriesDosesString')},
    "DataRequirement": {"subject": ('subjectCodeableConcept', 'subjectReference')},
    "Dosage": {"asNeeded": ('asNeededBoolean', 'asNeededCodeableConcept')},
    "TriggerDefinition": {"timing": ('timingDate', 'timingDateTime', 'timingReference', 'timingTiming')},
    "UsageContext": {"value": ('valueCodeableConcept', 'valueQuantity', 'valueRange', 'valueReference')},
    "TimingRepeat": {"bounds": ('boundsDuration', 'boundsPeriod', 'boundsRange')},
    "DataRequirementDateFilter": {"value": ('valueDateTime', 'valueDuration', 'valuePeriod')},
    "DosageDoseAndRate": {"dose": ('doseQuantity', 'doseRange'), "rate": ('rateQuantity', 'rateRange', 'rateRatio')},
}
REQUIRED_CHOICES: dict[str, tuple[str, ...]] = {
    "MessageHeader": ('event',),
    "Immunization": ('occurrence',),
    "ImmunizationProtocolApplied": ('doseNumber',),
    "UsageContext": ('value',),
}
RESOURCE_MODELS = {"MessageHeader": MessageHeader, "Patient": Patient, "Organization": Organization, "RelatedPerson": RelatedPerson, "Practitioner": Practitioner, "Observation": Observation, "Encounter": Encounter, "Immunization": Immunization, "EpisodeOfCare": EpisodeOfCare, "Appointment": Appointment}


@lru_cache(maxsize=None)
def bundle_adapter() -> TypeAdapter:
    """The validator for a whole message Bundle (schema built once, on first use)."""
    return TypeAdapter(Bundle)
