"""The contract's code tables (spec §3-4): hub concept codes by binding group, vaccines, message event types."""
from __future__ import annotations

INJURY_CODES = frozenset({"bruise", "injury", "burn", "fracture", "bite-mark", "head-injury"})
RISK_CODES = frozenset({
    "domestic-abuse", "parental-alcohol-misuse", "parental-substance-misuse", "parental-mental-ill-health",
    "no-antenatal-care", "parent-care-history", "non-engagement", "child-found-unsupervised",
    "parent-intoxicated-in-charge", "failure-to-thrive", "developmental-delay",
})
MOBILITY_CODES = frozenset({"independently-mobile"})
PLAN_CODES = frozenset({"child-protection-plan", "child-in-need-plan", "early-help"})
CP_CATEGORY_CODES = frozenset({"neglect", "emotional-abuse", "physical-abuse", "sexual-abuse", "multiple"})
ENCOUNTER_CODES = frozenset({"cp-medical", "doctor-examination", "home-visit", "clinic-contact"})
EXAMINATION_CODES = frozenset({"cp-medical", "doctor-examination"})
SEEN_CODES = frozenset({"home-visit", "clinic-contact"})
APPOINTMENT_CODES = frozenset({"gp", "health-visiting", "immunisation", "antenatal", "hospital-outpatient",
                               "developmental-review"})
CONCEPT_CODES = (INJURY_CODES | RISK_CODES | MOBILITY_CODES | PLAN_CODES | CP_CATEGORY_CODES | ENCOUNTER_CODES
                 | APPOINTMENT_CODES)
VACCINE_CODES = frozenset({"6-in-1", "5-in-1", "rotavirus", "menb", "pcv", "menc", "hib-menc", "mmr", "mmrv",
                           "4-in-1-preschool"})
EVENT_TYPES = ("new", "update", "cancel")

EXT_UKCORE_VACCINATION_PROCEDURE = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-VaccinationProcedure"
SNOMED = "http://snomed.info/sct"
UKCORE_VACCINATION_PROCEDURE: dict[str, tuple[str, int]] = {
    "1082441000000108": ("6-in-1", 1), "1082451000000106": ("6-in-1", 2), "1082461000000109": ("6-in-1", 3),
    "868631000000102": ("rotavirus", 1), "868651000000109": ("rotavirus", 2),
    "720539004": ("menb", 1), "720540002": ("menb", 2), "720544006": ("menb", 3),
    "247631000000101": ("pcv", 1), "247641000000105": ("pcv", 2), "247651000000108": ("pcv", 3),
    "308081000000105": ("mmr", 1), "170433008": ("mmr", 2),
    "871909005": ("mmrv", 1), "433733003": ("mmrv", 2),
}

OBSERVATION_STATUSES = frozenset({"registered", "preliminary", "final", "amended", "corrected", "cancelled",
                                  "entered-in-error", "unknown"})
CS_APPT_CANCEL = "http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason"
