"""Contract checks on a parsed message Bundle (spec §2-4) and the normalised ``Message``.

Works on the plain parsed dict, tolerating any shape (the structural model may
have failed on the same input): every accessor checks types, and every fault
becomes an issue with a FHIRPath ``expression``.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

from hub.core.messages import (
    AGENCY_KINDS,
    CS_CONCEPT,
    CS_MESSAGE_EVENT,
    CS_VACCINE,
    EVENT_CODES,
    EXT_CASE_CLOSURE,
    EXT_CHILD_SEEN,
    EXT_CHILD_SEEN_ALONE,
    EXT_EVENT_TYPE,
    EXT_HOUSEHOLD,
    NS_HOUSEHOLD,
    NS_NHS_NUMBER,
    NS_ODS,
    AppointmentFact,
    Caller,
    ConcernFact,
    ExaminationFact,
    ImmunisationFact,
    InjuryFact,
    Message,
    MobilityFact,
    PatientInfo,
    PlanFact,
    RegistrationFact,
    SeenFact,
)
from hub.core.validation.nhs import nhs_number_valid, ods_code_valid
from hub.core.validation.outcome import issue

# ---- the contract tables (§1, §3, §4) --------------------------------------------
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

FOCUS_TYPE = {
    "child-registered": "Patient",
    "plan-started": "EpisodeOfCare",
    "plan-ended": "EpisodeOfCare",
    "injury-observed": "Observation",
    "medical-examination": "Encounter",
    "immunisation-recorded": "Immunization",
    "appointment-outcome": "Appointment",
    "child-seen": "Encounter",
    "concern-recorded": "Observation",
    "mobility-assessed": "Observation",
}
ALLOWED_KINDS = {
    "plan-started": frozenset({"social-care"}),
    "plan-ended": frozenset({"social-care"}),
    "medical-examination": frozenset({"gp", "hospital"}),
}
# the element FHIR R4 gives each focus resource for its patient
PATIENT_ELEMENT = {"Observation": "subject", "Encounter": "subject", "Immunization": "patient",
                   "EpisodeOfCare": "patient"}

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

CLOCK_SKEW = timedelta(minutes=5)
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
URN_UUID_RE = re.compile(r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_FULL_DT = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$"
)
_FULL_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


# ---- tolerant accessors ---------------------------------------------------------------
_EMPTY: dict = {}
_NONE: list = []


def _d(v) -> dict:
    return v if v.__class__ is dict else _EMPTY


def _l(v) -> list:
    return v if v.__class__ is list else _NONE


def _s(v) -> str | None:
    return v if v.__class__ is str else None


def parse_datetime(value) -> datetime | None:
    """A full FHIR dateTime with time zone -> aware datetime, else None."""
    if value.__class__ is not str or not _FULL_DT.match(value):
        return None
    try:
        return datetime.fromisoformat(value)  # C fast path (3.11 takes "Z" and any fraction length)
    except ValueError:
        pass
    y, mo, d, h, mi, s, frac, tz = _FULL_DT.match(value).groups()
    try:  # leap second (":60") and other edge forms FHIR allows
        micro = int((frac or "0")[:6].ljust(6, "0"))
        if tz == "Z":
            tzinfo = timezone.utc
        else:
            sign = 1 if tz[0] == "+" else -1
            tzinfo = timezone(sign * timedelta(hours=int(tz[1:3]), minutes=int(tz[4:6])))
        return datetime(int(y), int(mo), int(d), int(h), int(mi), min(int(s), 59), micro, tzinfo=tzinfo)
    except (ValueError, OverflowError):
        return None


def parse_date(value) -> date | None:
    if not isinstance(value, str):
        return None
    m = _FULL_DATE.match(value)
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _months_before(d: date, months: int) -> date:
    y, m = divmod(d.year * 12 + (d.month - 1) - months, 12)
    m += 1
    if y < 1:
        return date.min
    for day in (d.day, 30, 29, 28):
        try:
            return date(y, m, day)
        except ValueError:
            continue
    return date(y, m, 28)


def identifier_key(ident) -> str | None:
    ident = _d(ident)
    system, value = _s(ident.get("system")), _s(ident.get("value"))
    if system and value:
        return f"{system}|{value}"
    return None


class Checker:
    """One pass of contract checks over a parsed Bundle; collects issues and builds the Message."""

    def __init__(self, bundle: dict, now: datetime, caller: Caller | None):
        self.b = bundle
        self.now = now if now.tzinfo else now.replace(tzinfo=timezone.utc)
        self.caller = caller
        self.errors: list[dict] = []
        self.forbidden: list[dict] = []
        self.warnings: list[dict] = []
        self.entries: list[tuple[int, dict]] = []  # (index, resource)
        self.res_by_idx: dict[int, dict] = {}
        self.by_url: dict[str, int] = {}
        self.event: str | None = None
        self.event_type: str | None = None
        self.birth: date | None = None
        self.patient_idx: int | None = None
        self.patient_url: str | None = None
        self.sender_ods: str | None = None

    # -- issue helpers
    def err(self, code: str, diagnostics: str, expression: str) -> None:
        self.errors.append(issue(code, diagnostics, expression))

    def res_path(self, i: int) -> str:
        return f"Bundle.entry[{i}].resource"

    def resource(self, i: int) -> dict:
        return self.res_by_idx.get(i, _EMPTY)

    def resolve(self, ref) -> tuple[int, dict] | None:
        url = _s(_d(ref).get("reference"))
        if url is None or url not in self.by_url:
            return None
        i = self.by_url[url]
        return i, self.resource(i)

    # -- §2 envelope -----------------------------------------------------------------
    def check_bundle(self) -> None:
        b = self.b
        if b.get("resourceType") != "Bundle":
            self.err("invalid", "the body must be a FHIR Bundle", "Bundle.resourceType")
        if b.get("type") != "message":
            self.err("value", "Bundle.type must be 'message'", "Bundle.type")
        if not _s(b.get("id")):
            self.err("required", "Bundle.id is required", "Bundle.id")
        ts = b.get("timestamp")
        if ts is None:
            self.err("required", "Bundle.timestamp is required", "Bundle.timestamp")
        elif parse_datetime(ts) is None:
            self.err("value", "Bundle.timestamp must be an instant with a time zone", "Bundle.timestamp")
        entries = b.get("entry")
        if not isinstance(entries, list) or not entries:
            self.err("required", "Bundle.entry is required: a MessageHeader and its resources", "Bundle.entry")
            return
        for i, e in enumerate(entries):
            e = _d(e)
            url = e.get("fullUrl")
            if url is None:
                self.err("required", "every entry needs a fullUrl (urn:uuid:)", f"Bundle.entry[{i}].fullUrl")
            elif not isinstance(url, str) or not URN_UUID_RE.match(url):
                self.err("value", "fullUrl must be a urn:uuid: with a lower-case UUID", f"Bundle.entry[{i}].fullUrl")
            elif url in self.by_url:
                self.err("duplicate", f"fullUrl repeats entry[{self.by_url[url]}]", f"Bundle.entry[{i}].fullUrl")
            else:
                self.by_url[url] = i
            res = e.get("resource")
            if not isinstance(res, dict):
                self.err("required", "every entry needs a resource", f"Bundle.entry[{i}].resource")
                continue
            self.entries.append((i, res))
            self.res_by_idx[i] = res
            if i > 0 and res.get("resourceType") == "MessageHeader":
                self.err("structure", "only entry[0] may be a MessageHeader", f"{self.res_path(i)}")

    def check_references(self, refs: set[str], locate) -> None:
        """Every literal reference resolves to an entry fullUrl (or a contained resource)."""
        unresolved = {r for r in refs if r not in self.by_url}
        if not unresolved:
            return
        for path, ref, entry_idx in locate(self.b, unresolved):
            if ref in self.by_url:
                continue
            if ref.startswith("#") and entry_idx is not None:
                contained = _l(self.resource(entry_idx).get("contained"))
                if any(_d(c).get("id") == ref[1:] for c in contained):
                    continue
            self.err("not-found", f"reference '{ref[:100]}' does not resolve to an entry in this Bundle "
                                  "(use a logical reference, identifier only, for resources held elsewhere)", path)

    def check_header(self) -> list[tuple[int, dict]]:
        """-> the focus entries (index, resource) that resolved."""
        entries = _l(self.b.get("entry"))
        first = _d(_d(entries[0]).get("resource")) if entries else {}
        if first.get("resourceType") != "MessageHeader":
            self.err("structure", "entry[0] must be a MessageHeader", "Bundle.entry[0].resource")
            return []
        p = "Bundle.entry[0].resource"
        mh = first
        mid = mh.get("id")
        if mid is None:
            self.err("required", "MessageHeader.id (a UUID, the idempotency key) is required", f"{p}.id")
        elif not isinstance(mid, str) or not UUID_RE.match(mid):
            self.err("value", "MessageHeader.id must be a UUID", f"{p}.id")
        ec = mh.get("eventCoding")
        if not isinstance(ec, dict):
            self.err("required", "MessageHeader.eventCoding is required", f"{p}.eventCoding")
        else:
            if ec.get("system") != CS_MESSAGE_EVENT:
                self.err("code-invalid", f"eventCoding.system must be {CS_MESSAGE_EVENT}", f"{p}.eventCoding.system")
            code = ec.get("code")
            if code not in EVENT_CODES:
                self.err("code-invalid", "eventCoding.code is not a hub event code", f"{p}.eventCoding.code")
            elif ec.get("system") == CS_MESSAGE_EVENT:
                self.event = code
        ext_idx = [k for k, x in enumerate(_l(mh.get("extension"))) if _d(x).get("url") == EXT_EVENT_TYPE]
        if not ext_idx:
            self.err("required", f"the extension {EXT_EVENT_TYPE} (new/update/cancel) is required",
                     f"{p}.extension")
        else:
            k = ext_idx[0]
            vc = _d(_l(mh.get("extension"))[k]).get("valueCode")
            if vc not in EVENT_TYPES:
                self.err("code-invalid", "message-event-type valueCode must be new, update or cancel",
                         f"{p}.extension[{k}].valueCode")
            else:
                self.event_type = vc
            if len(ext_idx) > 1:
                self.err("structure", "message-event-type appears more than once", f"{p}.extension[{ext_idx[1]}]")
        src = mh.get("source")
        if not isinstance(src, dict):
            self.err("required", "MessageHeader.source is required", f"{p}.source")
        else:
            if not _s(src.get("endpoint")):
                self.err("required", "source.endpoint is required", f"{p}.source.endpoint")
            if not isinstance(src.get("contact"), dict):
                self.err("required", "source.contact (how to report a bad message) is required",
                         f"{p}.source.contact")
        sender = mh.get("sender")
        if not isinstance(sender, dict):
            self.err("required", "MessageHeader.sender is required", f"{p}.sender")
        else:
            hit = self.resolve(sender)
            if not _s(sender.get("reference")):
                self.err("required", "sender must reference an Organization entry", f"{p}.sender.reference")
            elif hit is not None:
                j, org = hit
                if org.get("resourceType") != "Organization":
                    self.err("invalid", "sender must reference an Organization entry", f"{p}.sender.reference")
                else:
                    self.sender_ods = self.ods_of(org, self.res_path(j), "the sender Organization")
        focus = mh.get("focus")
        out: list[tuple[int, dict]] = []
        if not isinstance(focus, list) or not focus:
            self.err("required", "MessageHeader.focus is required", f"{p}.focus")
            return out
        want = FOCUS_TYPE.get(self.event or "")
        for k, f in enumerate(focus):
            hit = self.resolve(f)
            if not _s(_d(f).get("reference")):
                self.err("required", "focus must reference an entry", f"{p}.focus[{k}].reference")
                continue
            if hit is None:
                continue  # reported as not-found
            j, res = hit
            if want and res.get("resourceType") != want:
                self.err("invalid", f"the focus of {self.event} must be a {want}", f"{p}.focus[{k}]")
                continue
            if any(j == o[0] for o in out):
                self.err("duplicate", "the same focus resource is listed twice", f"{p}.focus[{k}]")
                continue
            out.append((j, res))
        return out

    def ods_of(self, org: dict, path: str, what: str) -> str | None:
        ids = _l(org.get("identifier"))
        for k, ident in enumerate(ids):
            ident = _d(ident)
            if ident.get("system") == NS_ODS:
                v = ident.get("value")
                if not ods_code_valid(v):
                    self.err("value", f"{what}: ODS code must match ^[A-Z0-9]{{3,8}}$", f"{path}.identifier[{k}].value")
                    return None
                return v
        self.err("required", f"{what} needs an ODS code identifier ({NS_ODS})", f"{path}.identifier")
        return None

    def org_ref_ods(self, ref, path: str, what: str) -> str | None:
        """An Organization reference: logical (ODS identifier) or literal (to an Organization entry)."""
        ref = _d(ref)
        if _s(ref.get("reference")):
            hit = self.resolve(ref)
            if hit is None:
                return None
            j, org = hit
            if org.get("resourceType") != "Organization":
                self.err("invalid", f"{what} must reference an Organization", f"{path}.reference")
                return None
            return self.ods_of(org, self.res_path(j), what)
        ident = ref.get("identifier")
        if isinstance(ident, dict):
            if ident.get("system") != NS_ODS:
                self.err("value", f"{what}: a logical reference needs an ODS identifier ({NS_ODS})",
                         f"{path}.identifier.system")
                return None
            v = ident.get("value")
            if not ods_code_valid(v):
                self.err("value", f"{what}: ODS code must match ^[A-Z0-9]{{3,8}}$", f"{path}.identifier.value")
                return None
            return v
        self.err("required", f"{what}: an ODS identifier or a reference to an Organization entry is required", path)
        return None

    # -- the child ---------------------------------------------------------------------
    def check_patient(self) -> PatientInfo | None:
        patients = [(i, r) for i, r in self.entries if r.get("resourceType") == "Patient"]
        if not patients:
            self.err("required", "a Patient entry for the child is required", "Bundle.entry")
            return None
        if len(patients) > 1:
            self.err("business-rule", "a message concerns one child: only one Patient entry is allowed",
                     self.res_path(patients[1][0]))
        i, pat = patients[0]
        self.patient_idx = i
        self.patient_url = _s(_d(_l(self.b.get("entry"))[i]).get("fullUrl"))
        p = self.res_path(i)
        nhs = None
        ids = _l(pat.get("identifier"))
        for k, ident in enumerate(ids):
            ident = _d(ident)
            if ident.get("system") == NS_NHS_NUMBER:
                v = ident.get("value")
                if not nhs_number_valid(v):
                    self.err("value", "NHS number must be ten digits with a valid Modulus 11 check digit",
                             f"{p}.identifier[{k}].value")
                else:
                    nhs = v
                break
        else:
            self.err("required", f"the Patient needs an NHS number identifier ({NS_NHS_NUMBER})", f"{p}.identifier")
        bd = pat.get("birthDate")
        birth = None
        if bd is None:
            self.err("required", "Patient.birthDate is required", f"{p}.birthDate")
        else:
            birth = parse_date(bd)
            if birth is None:
                self.err("value", "Patient.birthDate must be a full date (YYYY-MM-DD)", f"{p}.birthDate")
            elif birth > (self.now + CLOCK_SKEW).date() + timedelta(days=1):
                self.err("business-rule", "Patient.birthDate is in the future", f"{p}.birthDate")
                birth = None
        self.birth = birth
        gp = None
        gps = pat.get("generalPractitioner")
        for k, ref in enumerate(_l(gps)):
            ods = self.org_ref_ods(ref, f"{p}.generalPractitioner[{k}]", "generalPractitioner")
            if gp is None:
                gp = ods
        household = None
        for k, x in enumerate(_l(pat.get("extension"))):
            x = _d(x)
            if x.get("url") == EXT_HOUSEHOLD:
                vi = _d(x.get("valueIdentifier"))
                if vi.get("system") != NS_HOUSEHOLD or not _s(vi.get("value")):
                    self.err("value", f"household needs valueIdentifier with system {NS_HOUSEHOLD} and a value",
                             f"{p}.extension[{k}].valueIdentifier")
                else:
                    household = vi["value"]
        if nhs is None:
            return None
        return PatientInfo(nhs_number=nhs, birth_date=birth, gp_ods=gp, household=household)

    # -- common focus checks ------------------------------------------------------------
    def clinical_time(self, res: dict, path: str, element: str, required: bool = True) -> datetime | None:
        value = res
        parts = element.split(".")
        for part in parts:
            value = _d(value).get(part) if isinstance(value, dict) else None
        full = f"{path}.{element}"
        if value is None:
            if required:
                self.err("required", f"{element} is required (a full dateTime with a time zone)", full)
            return None
        dt = parse_datetime(value)
        if dt is None:
            self.err("value", f"{element} must be a full dateTime with a time zone", full)
            return None
        if dt > self.now + CLOCK_SKEW:
            self.err("business-rule", f"{element} is later than receipt plus 5 minutes", full)
        elif self.birth is not None and dt.date() < _months_before(self.birth, 12):
            self.err("business-rule", f"{element} is more than 12 months before the child's birth", full)
        return dt

    def check_patient_ref(self, res: dict, path: str) -> None:
        rtype = res.get("resourceType")
        if rtype == "Appointment":
            parts = _l(res.get("participant"))
            if not any(_s(_d(_d(pp).get("actor")).get("reference")) == self.patient_url and self.patient_url
                       for pp in parts):
                self.err("required", "Appointment.participant.actor must reference the Patient entry",
                         f"{path}.participant")
            return
        el = PATIENT_ELEMENT.get(rtype)
        if el is None:
            return
        ref = res.get(el)
        if not isinstance(ref, dict):
            self.err("required", f"{rtype}.{el} must reference the Patient entry", f"{path}.{el}")
        elif self.patient_url is None or _s(ref.get("reference")) != self.patient_url:
            self.err("invalid", f"{rtype}.{el} must reference the Patient entry", f"{path}.{el}.reference")

    def business_key(self, res: dict, path: str) -> str | None:
        ids = res.get("identifier")
        first = _l(ids)[0] if _l(ids) else ids  # Observation/Encounter/... have lists
        key = identifier_key(first)
        if key is None:
            self.err("required", "the focus resource needs a business identifier (system and value)",
                     f"{path}.identifier")
        return key

    def concept_codes(self, cc, path: str, allowed: frozenset, what: str, required: bool = True) -> str | None:
        """The first hub concept code in a CodeableConcept, checked against a binding group."""
        found = None
        for k, c in enumerate(_l(_d(cc).get("coding"))):
            c = _d(c)
            if c.get("system") == CS_CONCEPT:
                code = c.get("code")
                if code not in allowed:
                    self.err("code-invalid", f"'{str(code)[:60]}' is not {what} in {CS_CONCEPT}",
                             f"{path}.coding[{k}].code")
                elif found is None:
                    found = code
        if found is None and required and not any(e["expression"][0].startswith(f"{path}.coding") for e in self.errors
                                                  if e.get("expression")):
            self.err("code-invalid" if isinstance(cc, dict) else "required",
                     f"{path.rsplit('.', 1)[-1]} must carry {what} from {CS_CONCEPT}", path)
        return found

    def bool_ext(self, res: dict, url: str, path: str, name: str) -> bool | None:
        for k, x in enumerate(_l(res.get("extension"))):
            x = _d(x)
            if x.get("url") == url:
                v = x.get("valueBoolean")
                if not isinstance(v, bool):
                    self.err("required", f"the {name} extension needs valueBoolean", f"{path}.extension[{k}]")
                    return None
                return v
        self.err("required", f"the extension {url} (valueBoolean) is required", f"{path}.extension")
        return None

    # -- §4 events ----------------------------------------------------------------------
    def fact_for(self, i: int, res: dict, patient: PatientInfo | None):
        p = self.res_path(i)
        event = self.event
        rid = _s(res.get("id"))
        if self.event_type in ("update", "cancel") and not rid:
            self.err("required", f"an {self.event_type} must carry the original focus resource id", f"{p}.id")
        if rid is None:
            rid = (_s(_d(_l(self.b.get("entry"))[i]).get("fullUrl")) or "").removeprefix("urn:uuid:")
        if event == "child-registered":
            if not _l(res.get("generalPractitioner")):
                self.err("required", "child-registered requires generalPractitioner", f"{p}.generalPractitioner")
            key = None
            for ident in _l(res.get("identifier")):
                if _d(ident).get("system") == NS_NHS_NUMBER:
                    key = identifier_key(ident)
            if patient is None or key is None:
                return None
            return RegistrationFact(key=key, resource_id=rid, patient=patient)

        self.check_patient_ref(res, p)
        key = self.business_key(res, p)
        fact = getattr(self, "_fact_" + event.replace("-", "_"))(res, p, key or "", rid)
        return fact if key else None

    def _plan_common(self, res: dict, p: str) -> tuple[str | None, str | None]:
        plan = cat = None
        types = res.get("type")
        if not _l(types):
            self.err("required", "EpisodeOfCare.type must carry the plan type", f"{p}.type")
            return None, None
        for t, cc in enumerate(_l(types)):
            for k, c in enumerate(_l(_d(cc).get("coding"))):
                c = _d(c)
                if c.get("system") != CS_CONCEPT:
                    continue
                code = c.get("code")
                if code in PLAN_CODES:
                    plan = plan or code
                elif code in CP_CATEGORY_CODES:
                    cat = cat or code
                else:
                    self.err("code-invalid", "not a plan type or CP category code", f"{p}.type[{t}].coding[{k}].code")
        return plan, cat

    def _fact_plan_started(self, res, p, key, rid):
        if res.get("status") != "active":
            self.err("value", "plan-started requires status 'active'", f"{p}.status")
        plan, cat = self._plan_common(res, p)
        if plan is None:
            self.err("required", f"EpisodeOfCare.type needs a plan type from {CS_CONCEPT}", f"{p}.type")
        if plan == "child-protection-plan" and cat is None:
            self.err("required", "a child protection plan needs a CP category coding in EpisodeOfCare.type",
                     f"{p}.type")
        start = self.clinical_time(res, p, "period.start")
        la = None
        if "managingOrganization" not in res:
            self.err("required", "managingOrganization (the local authority) is required", f"{p}.managingOrganization")
        else:
            la = self.org_ref_ods(res["managingOrganization"], f"{p}.managingOrganization", "managingOrganization")
        cm = res.get("careManager")
        care_manager = None
        if not isinstance(cm, dict):
            self.err("required", "careManager (the lead social worker) is required", f"{p}.careManager")
        else:
            hit = self.resolve(cm)
            ident = _d(cm.get("identifier"))
            care_manager = _s(ident.get("value")) or _s(cm.get("display"))
            if hit is not None:
                j, pr = hit
                if pr.get("resourceType") not in ("Practitioner", "PractitionerRole"):
                    self.err("invalid", "careManager must reference a Practitioner", f"{p}.careManager.reference")
                pid = _l(pr.get("identifier"))
                care_manager = care_manager or _s(_d(pid[0]).get("value") if pid else None) or _s(pr.get("id"))
            if care_manager is None and not _s(cm.get("reference")):
                self.err("required", "careManager needs a reference, identifier or display", f"{p}.careManager")
        return PlanFact(key=key, resource_id=rid, status="active", plan_type=plan, cp_category=cat, start=start,
                        la_ods=la, care_manager=care_manager)

    def _fact_plan_ended(self, res, p, key, rid):
        if res.get("status") != "finished":
            self.err("value", "plan-ended requires status 'finished'", f"{p}.status")
        plan, cat = self._plan_common(res, p) if "type" in res else (None, None)
        start = self.clinical_time(res, p, "period.start", required=False)
        end = self.clinical_time(res, p, "period.end")
        la = None
        if "managingOrganization" in res:
            la = self.org_ref_ods(res["managingOrganization"], f"{p}.managingOrganization", "managingOrganization")
        closed = step = step_type = step_to = None
        exts = [(k, _d(x)) for k, x in enumerate(_l(res.get("extension"))) if _d(x).get("url") == EXT_CASE_CLOSURE]
        if not exts:
            self.err("required", f"plan-ended requires the extension {EXT_CASE_CLOSURE}", f"{p}.extension")
        else:
            k, x = exts[0]
            xp = f"{p}.extension[{k}]"
            subs = {}
            for n, sx in enumerate(_l(x.get("extension"))):
                sx = _d(sx)
                if isinstance(sx.get("url"), str):
                    subs.setdefault(sx["url"], (n, sx))
            for name in ("closedToSocialCare", "stepDownPlan"):
                if name not in subs:
                    self.err("required", f"case-closure needs the sub-extension {name} (valueBoolean)",
                             f"{xp}.extension")
                elif not isinstance(subs[name][1].get("valueBoolean"), bool):
                    self.err("required", f"{name} needs valueBoolean", f"{xp}.extension[{subs[name][0]}]")
            closed = _d(subs.get("closedToSocialCare", (0, {}))[1]).get("valueBoolean")
            step = _d(subs.get("stepDownPlan", (0, {}))[1]).get("valueBoolean")
            closed = closed if isinstance(closed, bool) else None
            step = step if isinstance(step, bool) else None
            if "stepDownPlanType" in subs:
                n, sx = subs["stepDownPlanType"]
                step_type = _s(sx.get("valueCode"))
                if step_type is None:
                    self.err("required", "stepDownPlanType needs valueCode", f"{xp}.extension[{n}]")
            elif step:
                self.err("required", "a step-down plan needs stepDownPlanType (valueCode)", f"{xp}.extension")
            if "stepDownTo" in subs:
                n, sx = subs["stepDownTo"]
                if not isinstance(sx.get("valueReference"), dict):
                    self.err("required", "stepDownTo needs valueReference to an Organization",
                             f"{xp}.extension[{n}]")
                else:
                    step_to = self.org_ref_ods(sx["valueReference"], f"{xp}.extension[{n}].valueReference",
                                               "stepDownTo")
            elif step:
                self.err("required", "a step-down plan needs stepDownTo (Reference to Organization)",
                         f"{xp}.extension")
        return PlanFact(key=key, resource_id=rid, status="finished", plan_type=plan, cp_category=cat, start=start,
                        end=end, la_ods=la, closed_to_social_care=closed, step_down_plan=step,
                        step_down_plan_type=step_type, step_down_to_ods=step_to)

    def _obs_status(self, res, p, allowed=OBSERVATION_STATUSES) -> str:
        st = res.get("status")
        if st not in allowed:
            self.err("code-invalid", f"Observation.status must be one of {', '.join(sorted(allowed))}",
                     f"{p}.status")
        return st if isinstance(st, str) else "final"

    def _fact_injury_observed(self, res, p, key, rid):
        st = self._obs_status(res, p, frozenset({"final", "amended", "entered-in-error"}))
        code = self.concept_codes(res.get("code"), f"{p}.code", INJURY_CODES, "an injury code")
        eff = self.clinical_time(res, p, "effectiveDateTime")
        site = res.get("bodySite")
        body_site = None
        if not isinstance(site, dict):
            self.err("required", "injury-observed requires bodySite (text allowed)", f"{p}.bodySite")
        else:
            body_site = _s(site.get("text")) or next(
                (_s(_d(c).get("display")) or _s(_d(c).get("code")) for c in _l(site.get("coding"))), None)
            if body_site is None:
                self.err("required", "bodySite needs text or a coding", f"{p}.bodySite")
        if not _l(res.get("performer")):
            self.err("required", "injury-observed requires performer", f"{p}.performer")
        return InjuryFact(key=key, resource_id=rid, status=st, code=code or "", effective=eff, body_site=body_site)

    def _fact_concern_recorded(self, res, p, key, rid):
        st = self._obs_status(res, p)
        code = self.concept_codes(res.get("code"), f"{p}.code", RISK_CODES, "a risk-factor code")
        eff = self.clinical_time(res, p, "effectiveDateTime")
        for k, f in enumerate(_l(res.get("focus"))):
            hit = self.resolve(f)
            if hit is not None and hit[1].get("resourceType") not in ("RelatedPerson", "Patient"):
                self.err("invalid", "Observation.focus may refer to the parent (a RelatedPerson entry)",
                         f"{p}.focus[{k}].reference")
        return ConcernFact(key=key, resource_id=rid, code=code or "", effective=eff, status=st)

    def _fact_mobility_assessed(self, res, p, key, rid):
        st = self._obs_status(res, p)
        self.concept_codes(res.get("code"), f"{p}.code", MOBILITY_CODES, "independently-mobile")
        v = res.get("valueBoolean")
        if not isinstance(v, bool):
            self.err("required", "mobility-assessed requires valueBoolean", f"{p}.valueBoolean")
        eff = self.clinical_time(res, p, "effectiveDateTime")
        return MobilityFact(key=key, resource_id=rid, mobile=bool(v), effective=eff, status=st)

    def _encounter_type(self, res, p, allowed, what) -> str | None:
        types = res.get("type")
        if not _l(types):
            self.err("required", f"Encounter.type must carry {what}", f"{p}.type")
            return None
        found = None
        for t, cc in enumerate(_l(types)):
            for k, c in enumerate(_l(_d(cc).get("coding"))):
                c = _d(c)
                if c.get("system") == CS_CONCEPT:
                    if c.get("code") not in allowed:
                        self.err("code-invalid", f"not {what}", f"{p}.type[{t}].coding[{k}].code")
                    elif found is None:
                        found = c["code"]
        if found is None and not any(e.get("expression", [""])[0].startswith(f"{p}.type[") for e in self.errors):
            self.err("code-invalid", f"Encounter.type must carry {what} from {CS_CONCEPT}", f"{p}.type")
        return found

    def _fact_medical_examination(self, res, p, key, rid):
        etype = self._encounter_type(res, p, EXAMINATION_CODES, "cp-medical or doctor-examination")
        start = self.clinical_time(res, p, "period.start")
        reasons = []
        for k, ref in enumerate(_l(res.get("reasonReference"))):
            ref = _d(ref)
            hit = self.resolve(ref)
            if hit is not None:
                rk = identifier_key(_l(hit[1].get("identifier"))[0] if _l(hit[1].get("identifier")) else None)
            else:
                rk = identifier_key(ref.get("identifier"))
            if rk:
                reasons.append(rk)
        return ExaminationFact(key=key, resource_id=rid, type=etype or "", start=start, reason_keys=tuple(reasons))

    def _fact_child_seen(self, res, p, key, rid):
        etype = self._encounter_type(res, p, SEEN_CODES, "home-visit or clinic-contact")
        start = self.clinical_time(res, p, "period.start")
        seen = self.bool_ext(res, EXT_CHILD_SEEN, p, "child-seen")
        alone = self.bool_ext(res, EXT_CHILD_SEEN_ALONE, p, "child-seen-alone")
        return SeenFact(key=key, resource_id=rid, type=etype or "", start=start, seen=bool(seen),
                        seen_alone=bool(alone))

    def _fact_immunisation_recorded(self, res, p, key, rid):
        st = res.get("status")
        if st not in ("completed", "not-done"):
            self.err("code-invalid", "Immunization.status must be completed or not-done", f"{p}.status")
        if st == "not-done" and not isinstance(res.get("statusReason"), dict):
            self.err("required", "a not-done Immunization requires statusReason", f"{p}.statusReason")
        vaccine = None
        vc = res.get("vaccineCode")
        for k, c in enumerate(_l(_d(vc).get("coding"))):
            c = _d(c)
            if c.get("system") == CS_VACCINE:
                if c.get("code") not in VACCINE_CODES:
                    self.err("code-invalid", f"not a hub vaccine code ({CS_VACCINE})", f"{p}.vaccineCode.coding[{k}].code")
                elif vaccine is None:
                    vaccine = c["code"]
        if vaccine is None and not any(e.get("expression", [""])[0].startswith(f"{p}.vaccineCode") for e in self.errors):
            self.err("code-invalid" if isinstance(vc, dict) else "required",
                     f"vaccineCode must carry a hub vaccine code from {CS_VACCINE}", f"{p}.vaccineCode")
        dose = None
        pa = _l(res.get("protocolApplied"))
        if not pa:
            self.err("required", "protocolApplied[0].doseNumberPositiveInt is required", f"{p}.protocolApplied")
        else:
            dose = _d(pa[0]).get("doseNumberPositiveInt")
            if not isinstance(dose, int) or isinstance(dose, bool) or dose < 1:
                self.err("required", "protocolApplied[0].doseNumberPositiveInt is required",
                         f"{p}.protocolApplied[0].doseNumberPositiveInt")
                dose = None
        occ = self.clinical_time(res, p, "occurrenceDateTime")
        for k, x in enumerate(_l(res.get("extension"))):
            x = _d(x)
            if x.get("url") != EXT_UKCORE_VACCINATION_PROCEDURE:
                continue
            for c in _l(_d(x.get("valueCodeableConcept")).get("coding")):
                c = _d(c)
                mapped = UKCORE_VACCINATION_PROCEDURE.get(c.get("code")) if c.get("system") == SNOMED else None
                if mapped and vaccine and dose and mapped != (vaccine, dose):
                    self.warnings.append(issue(
                        "business-rule",
                        f"VaccinationProcedure SNOMED {c.get('code')} means {mapped[0]} dose {mapped[1]}, "
                        f"but the hub coding says {vaccine} dose {dose}; the hub coding is used",
                        f"{p}.extension[{k}]", severity="warning"))
        return ImmunisationFact(key=key, resource_id=rid, status=st if isinstance(st, str) else "completed",
                                vaccine=vaccine or "", dose=dose or 1, occurrence=occ)

    def _fact_appointment_outcome(self, res, p, key, rid):
        st = res.get("status")
        reason = None
        if st not in ("fulfilled", "noshow", "cancelled"):
            self.err("code-invalid", "Appointment.status must be fulfilled, noshow or cancelled", f"{p}.status")
        if st == "cancelled":
            cr = res.get("cancelationReason")
            codes = [_d(c).get("code") for c in _l(_d(cr).get("coding"))]
            if not isinstance(cr, dict):
                self.err("required", "a cancelled Appointment requires cancelationReason", f"{p}.cancelationReason")
            else:
                reason = next((c for c in codes if isinstance(c, str)), None) or _s(cr.get("text"))
                if reason is None:
                    self.err("required", "cancelationReason needs a coding", f"{p}.cancelationReason")
        service = None
        sts = res.get("serviceType")
        if not _l(sts):
            self.err("required", "Appointment.serviceType is required", f"{p}.serviceType")
        else:
            for t, cc in enumerate(_l(sts)):
                code = self.concept_codes(cc, f"{p}.serviceType[{t}]", APPOINTMENT_CODES, "an appointment service",
                                          required=False)
                service = service or code
            if service is None and not any(e.get("expression", [""])[0].startswith(f"{p}.serviceType[")
                                           for e in self.errors):
                self.err("code-invalid", f"serviceType must carry an appointment service code from {CS_CONCEPT}",
                         f"{p}.serviceType")
        start = self.clinical_time(res, p, "start")
        return AppointmentFact(key=key, resource_id=rid, status=st if isinstance(st, str) else "",
                               cancel_reason=reason, service_type=service or "", start=start)

    # -- §1 authorisation ---------------------------------------------------------------
    def check_caller(self) -> None:
        c = self.caller
        if c is None:
            return
        if c.kind not in AGENCY_KINDS:
            self.forbidden.append(issue("forbidden", f"callers of kind '{c.kind}' may not send messages",
                                        "Bundle.entry[0].resource.eventCoding"))
        if self.sender_ods is not None and self.sender_ods != c.ods:
            self.forbidden.append(issue("forbidden", "the sender in the message is not the authenticated caller",
                                        "Bundle.entry[0].resource.sender"))
        allowed = ALLOWED_KINDS.get(self.event or "")
        if allowed is not None and c.kind not in allowed:
            self.forbidden.append(issue("forbidden", f"{self.event} is not accepted from {c.kind}",
                                        "Bundle.entry[0].resource.eventCoding.code"))

    # -- the whole pass -----------------------------------------------------------------
    def run(self, refs: set[str], locate) -> Message | None:
        """``refs``: every literal reference string in the body; ``locate(bundle, refs)`` -> (path, ref, entry)."""
        self.check_bundle()
        if not self.entries and not self.by_url:
            return None
        self.check_references(refs, locate)
        focus = self.check_header()
        patient = self.check_patient()
        self.check_caller()
        facts = []
        if self.event is not None:
            if not focus and not any("focus" in e.get("expression", [""])[0] for e in self.errors):
                self.err("required", f"{self.event} needs a {FOCUS_TYPE[self.event]} focus",
                         "Bundle.entry[0].resource.focus")
            for i, res in focus:
                fact = self.fact_for(i, res, patient)
                if fact is not None:
                    facts.append(fact)
        if self.errors or self.forbidden or patient is None or self.event is None:
            return None
        return Message(
            message_id=self.resource(0)["id"],
            bundle_id=self.b["id"],
            timestamp=parse_datetime(self.b["timestamp"]),
            event=self.event,
            event_type=self.event_type or "new",
            sender_ods=self.sender_ods or "",
            patient=patient,
            facts=tuple(facts),
            sender_kind=self.caller.kind if self.caller is not None else None,
            raw=self.b,
        )
