"""Environment variable names, the contract between template.yaml and the code, and `Settings`.

template.yaml sets these on each function (from !Ref / !GetAtt). `Settings.from_env()` reads them
in two places only: `hub.handlers.composition` (a Lambda container's composition) and the CLI's stack
lookup. The local runtime passes the variables of the resources it created as a mapping,
`Settings.from_env(info.env)`, so nothing edits `os.environ`; everything else receives `Settings`.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

ARCHIVE_BUCKET = "ARCHIVE_BUCKET"
VALIDATED_QUEUE_URL = "VALIDATED_QUEUE_URL"
RULES_QUEUE_URL = "RULES_QUEUE_URL"
ALERTS_QUEUE_URL = "ALERTS_QUEUE_URL"
STATE_TABLE = "STATE_TABLE"
IDEMPOTENCY_TABLE = "IDEMPOTENCY_TABLE"
AUDIT_TABLE = "AUDIT_TABLE"
AGENCIES_TABLE = "AGENCIES_TABLE"
AUDIT_HMAC_SECRET_ARN = "AUDIT_HMAC_SECRET_ARN"
AUDIT_DIGEST_KEY_ID = "AUDIT_DIGEST_KEY_ID"
AUDIT_DIGEST_BUCKET = "AUDIT_DIGEST_BUCKET"
LA_FRONT_DOOR_ODS = "LA_FRONT_DOOR_ODS"
AUDIT_SHARDS = "AUDIT_SHARDS"
DEFAULT_HV_ODS = "DEFAULT_HV_ODS"
# alert Tasks: the table, who an unacknowledged Task escalates to (ordered; "owner" = the Task's own
# organisation) and how long each escalation level has, in hours by severity ("critical=4,high=24,...")
TASK_TABLE = "TASK_TABLE"
# per-organisation mailboxes; how old an unacknowledged message is before the operators see it
MAILBOX_TABLE = "MAILBOX_TABLE"
MAILBOX_OPERATOR_AGE_HOURS = "MAILBOX_OPERATOR_AGE_HOURS"
ESCALATION_RECIPIENTS = "ESCALATION_RECIPIENTS"
ESCALATION_DELAY_HOURS = "ESCALATION_DELAY_HOURS"
# the police force of each local authority's area: "LA123=P42,LA456=P43" (local authority ODS=force ODS)
POLICE_FORCE_BY_LA = "POLICE_FORCE_BY_LA"
# "false" only on emulators whose transactions are slow (moto copies the table per transaction)
AUDIT_ATOMIC_HEAD = "AUDIT_ATOMIC_HEAD"


def pairs(text: str) -> dict[str, str]:
    """ "a=1,b=2" -> {"a": "1", "b": "2"}; blanks skipped, a malformed entry is an error (a typo must not
    silently drop a police force or an escalation delay)."""
    out: dict[str, str] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValueError(f"expected KEY=VALUE, not {part.strip()!r}")
        out[key.strip()] = value.strip()
    return out


@dataclass(frozen=True)
class Settings:
    archive_bucket: str = ""
    validated_queue_url: str = ""
    rules_queue_url: str = ""
    alerts_queue_url: str = ""
    state_table: str = ""
    idempotency_table: str = ""
    audit_table: str = ""
    agencies_table: str = ""
    audit_hmac_secret_arn: str = ""
    audit_digest_key_id: str = ""
    audit_digest_bucket: str = ""  # object-locked; the archive bucket when unset (tests, old stacks)
    la_front_door_ods: str = "LAFD001"
    audit_shards: int = 4
    audit_atomic_head: bool = True
    default_hv_ods: str | None = None  # the health visiting service, until a child's own is known
    task_table: str = ""  # empty: no alert Tasks (an environment without the table)
    mailbox_table: str = ""
    mailbox_operator_age_hours: float = 72.0
    escalation_recipients: tuple[str, ...] = ("owner",)
    escalation_delay_hours: dict[str, float] = field(default_factory=dict)  # unset severities: the due_by delays
    police_force_by_la: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        e = os.environ if env is None else env
        return cls(
            archive_bucket=e.get(ARCHIVE_BUCKET, ""),
            validated_queue_url=e.get(VALIDATED_QUEUE_URL, ""),
            rules_queue_url=e.get(RULES_QUEUE_URL, ""),
            alerts_queue_url=e.get(ALERTS_QUEUE_URL, ""),
            state_table=e.get(STATE_TABLE, ""),
            idempotency_table=e.get(IDEMPOTENCY_TABLE, ""),
            audit_table=e.get(AUDIT_TABLE, ""),
            agencies_table=e.get(AGENCIES_TABLE, ""),
            audit_hmac_secret_arn=e.get(AUDIT_HMAC_SECRET_ARN, ""),
            audit_digest_key_id=e.get(AUDIT_DIGEST_KEY_ID, ""),
            audit_digest_bucket=e.get(AUDIT_DIGEST_BUCKET, ""),
            la_front_door_ods=e.get(LA_FRONT_DOOR_ODS, "LAFD001"),
            audit_shards=int(e.get(AUDIT_SHARDS, "4") or 4),
            default_hv_ods=e.get(DEFAULT_HV_ODS) or None,
            audit_atomic_head=e.get(AUDIT_ATOMIC_HEAD, "true").lower() != "false",
            task_table=e.get(TASK_TABLE, ""),
            mailbox_table=e.get(MAILBOX_TABLE, ""),
            mailbox_operator_age_hours=float(e.get(MAILBOX_OPERATOR_AGE_HOURS, "") or 72),
            escalation_recipients=tuple(x.strip() for x in e.get(ESCALATION_RECIPIENTS, "owner").split(",")
                                        if x.strip()) or ("owner",),
            escalation_delay_hours={k: float(v) for k, v in pairs(e.get(ESCALATION_DELAY_HOURS, "")).items()},
            police_force_by_la=pairs(e.get(POLICE_FORCE_BY_LA, "")),
        )
