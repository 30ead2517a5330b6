"""Count what the hub did, from its queues, tables and bucket, to compare with what was sent.

`expected_disclosures` applies `decide()` to the same messages (with a context built from the message
alone: the "stateless" synthetic mix has no plans and no health-visiting senders, so stored state cannot
change the decision). `collect` reads the recipients' mailboxes (kept), the audit log, the archive, the
alerts queue (kept), the DLQs (kept) and the child states.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone

from tests.support.agencies import AGENCY_KINDS, SCENARIO_AGENCIES

AGENCIES = SCENARIO_AGENCIES
KIND_OF = AGENCY_KINDS


def parse(body: bytes):
    """The validated Message for a body, as its sender (None if it does not validate)."""
    from tests.support.messages import sender_of
    from hub.core.messages import Caller
    from hub.core.validation import validate_message

    ods = sender_of(body)
    v = validate_message(body, content_type="application/fhir+json", caller=Caller(ods, KIND_OF[ods]),
                         now=datetime.now(timezone.utc))
    return v.message


def expected_disclosures(bodies: list[bytes], hub) -> dict[str, list[str]]:
    """{message_id: [disclosure ids]} per decide() with a message-only child context, under the
    policy and routing configuration the hub's functions use."""
    from hub.core.identity import disclosure_id, sender_message_id
    from hub.core.routing import decide
    from hub.service.context import child_context

    policy, config = hub.routing_policy, hub.routing_config
    out = {}
    for b in bodies:
        msg = parse(b)
        out[msg.message_id] = [disclosure_id(sender_message_id(msg.sender_ods, msg.message_id), d.recipient_kind,
                                             d.recipient_ods)
                               for d in decide(msg, child_context(None, msg), policy, config)]
    return out


def _receive_all(sqs, url: str, *, keep: bool) -> list[dict]:
    """Every message on the queue. FIFO queues cannot be peeked through (a group stays blocked while its
    messages are in flight), so `keep` consumes them and sends copies back (same body, group and
    attributes; a fresh deduplication id)."""
    out = []
    while True:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60,
                                    MessageAttributeNames=["All"], AttributeNames=["All"]).get("Messages", [])
        if not batch:
            break
        out += batch
        sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                                                        for i, m in enumerate(batch)])
    if keep:
        for i, m in enumerate(out):
            kwargs = {"QueueUrl": url, "MessageBody": m["Body"]}
            attrs = m.get("Attributes") or {}
            if url.endswith(".fifo"):
                kwargs |= {"MessageGroupId": attrs.get("MessageGroupId", "peek"),
                           "MessageDeduplicationId": f"peek-{i}-{m['MessageId']}"[:128]}
            if m.get("MessageAttributes"):
                kwargs["MessageAttributes"] = {k: {"DataType": v["DataType"], "StringValue": v["StringValue"]}
                                               for k, v in m["MessageAttributes"].items() if "StringValue" in v}
            sqs.send_message(**kwargs)
    return out


def delivered_copies(checker) -> list[dict]:
    """Every copy waiting in any mailbox: {"id" (the copy's MessageHeader.id = disclosure id), "ods",
    "original"}; read through the Mailboxes port, without acknowledging (nothing is consumed)."""
    from datetime import datetime, timezone

    waiting = checker.mailboxes.stale(datetime(9999, 1, 1, tzinfo=timezone.utc), limit=10**6)
    return [{"id": m.message_id, "ods": m.ods, "original": m.original_message_id} for m in waiting]


def dlq_map(stack_info) -> dict[str, str]:
    """{DLQ logical id: source queue logical id} from the template's RedrivePolicy."""
    from hub.local.template import load_template

    out = {}
    for lid, r in load_template()["Resources"].items():
        target = (((r.get("Properties") or {}).get("RedrivePolicy") or {}).get("deadLetterTargetArn") or {})
        if isinstance(target, dict) and target.get("Fn::GetAtt"):
            out[target["Fn::GetAtt"][0]] = lid
    return {d: s for d, s in out.items() if d in stack_info.resources and s in stack_info.resources}


@dataclass
class Accounts:
    outbox: Counter = field(default_factory=Counter)  # mailbox copy's MessageHeader.id (= disclosure id)
    outbox_original: dict = field(default_factory=dict)  # disclosure id -> original message id
    routed: Counter = field(default_factory=Counter)  # details.disclosure_id of message.routed records
    accepted: Counter = field(default_factory=Counter)  # message ids with message.accepted
    archived: Counter = field(default_factory=Counter)  # message ids under archive/
    alerts: Counter = field(default_factory=Counter)  # (type, alert_id) on the alerts queue
    alert_audit: Counter = field(default_factory=Counter)  # (action, alert_id)
    dlq: dict = field(default_factory=dict)  # DLQ logical id -> [message ids of the envelopes/records]
    in_state: set = field(default_factory=set)  # message ids the rules function applied to a child state
    audit_ok: bool = True


def collect(checker, stack_info, nhs_numbers: list[str], *, read_outboxes: bool = True) -> Accounts:
    """`read_outboxes`: count the copies in the recipients' mailboxes (read, not acknowledged)."""
    sqs, acc = checker.clients.sqs, Accounts()
    for copy in delivered_copies(checker) if read_outboxes else ():
        acc.outbox[copy["id"]] += 1
        acc.outbox_original[copy["id"]] = copy["original"]
    for m in _receive_all(sqs, checker.settings.alerts_queue_url, keep=True):
        rec = json.loads(m["Body"])
        acc.alerts[(rec["type"], rec["alert_id"])] += 1
    for dlq in dlq_map(stack_info):
        ids = []
        for m in _receive_all(sqs, stack_info.resources[dlq], keep=True):
            try:
                body = json.loads(m["Body"])
            except ValueError:
                body = {}
            ids.append(body.get("message_id") or body.get("alert_id") or m["MessageId"])
        acc.dlq[dlq] = ids
    for rec in checker.audit.iter_records():
        action = rec.get("action")
        if action == "message.routed":
            acc.routed[(rec.get("details") or {}).get("disclosure_id")] += 1
        elif action == "message.accepted":
            acc.accepted[rec.get("message_id")] += 1
        elif action in ("alert.raised", "alert.resolved"):
            acc.alert_audit[(action, rec.get("message_id"))] += 1
    acc.audit_ok = all(r.ok for r in checker.audit.verify())
    for key in checker.archive.list("archive/"):
        acc.archived[key.rsplit("/", 1)[-1].removesuffix(".json")] += 1
    for nhs in nhs_numbers:
        state = checker.state.get(nhs)
        if state is not None:
            acc.in_state |= {mid for r in state.facts.values() for _, mid in r.evidence}
    return acc


def dlq_depths(checker, stack_info) -> dict[str, int]:
    return {d: sum(checker.queues.depth(stack_info.resources[d]).values()) for d in dlq_map(stack_info)}


def redrive_all(checker, stack_info) -> int:
    return sum(checker.queues.redrive(stack_info.resources[d], stack_info.resources[s])
               for d, s in dlq_map(stack_info).items()
               if not s.endswith("OutboxQueue") and s != "AlertsQueue")
