"""Deliver one accepted message into the mailbox of every recipient the policy names, exactly once each,
then to rules."""
from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger

from hub.core.audit import AuditEntry
from hub.core.messages import InjuryFact
from hub.core.identity import HUB_NAMESPACE, child_ref, disclosure_id, group_id, sender_message_id
from hub.core.mailbox import MailboxMessage
from hub.core.routing import content_bundle, decide, minimise, readdress
from hub.service.context import routing_context
from hub.service.queued import load_message

if TYPE_CHECKING:
    from hub.core.routing import RoutingConfig, RoutingPolicy
    from hub.ports import Archive, AuditLog, ChildStateStore, Clock, DeliveryLedger, Mailboxes, Queues

logger = Logger(child=True)


class RouterService:
    def __init__(self, state: ChildStateStore, ledger: DeliveryLedger, queues: Queues, audit: AuditLog,
                 archive: Archive, mailboxes: Mailboxes, clock: Clock, *, policy: RoutingPolicy,
                 routing_config: RoutingConfig, rules_queue_url: str, hmac_key: bytes) -> None:
        self.state, self.ledger, self.queues, self.audit, self.archive, self.mailboxes, self.clock = \
            state, ledger, queues, audit, archive, mailboxes, clock
        self.policy, self.routing_config = policy, routing_config
        self.rules_queue_url = rules_queue_url
        self._hmac_key = hmac_key

    def route(self, queued: dict) -> int:
        """Route one record of the validated queue (a `hub.core.queued.queued_message`); returns how many
        disclosures were sent now (not those already sent by an earlier attempt)."""
        msg, bundle = load_message(self.archive, queued)
        ctx = routing_context(self.state, msg)
        policy = self.policy
        delivered = 0
        injury = next((f for f in msg.facts if isinstance(f, InjuryFact)), None)
        # lets the commissioners' report count CP-plan injuries, including those examined in time
        injury_details = {"injury_key": injury.key, "on_cp_plan": ctx.on_cp_plan} if injury else {}
        for d in decide(msg, ctx, policy, self.routing_config):
            # a notification the hub writes (d.basis) is one per its basis, not per message
            # MessageHeader.id is unique per sender only: scoped, so another agency's id never suppresses a copy
            # a notification's basis names the child by NHS number: keyed, as the id reaches the audit details
            did = disclosure_id(child_ref(f"notification|{d.basis}", self._hmac_key) if d.basis else
                                sender_message_id(msg.sender_ods, msg.message_id), d.recipient_kind, d.recipient_ods)
            status = self.ledger.status(f"disclosure#{did}")
            if status is None:
                payload = readdress(minimise(content_bundle(d, bundle, msg, ctx), d.profile, policy), d,
                                    new_message_id=did,
                                    new_bundle_id=str(uuid.uuid5(HUB_NAMESPACE, f"bundle|{did}")))
                # a conditional write: a copy already in the mailbox (a crash before the ledger mark) stays one
                self.mailboxes.deliver(MailboxMessage(
                    ods=d.recipient_ods, message_id=did, kind=d.recipient_kind,
                    event=d.content if d.basis else msg.event, original_message_id=msg.message_id,
                    delivered_at=self.clock(), bundle=payload, nhs_number=msg.patient.nhs_number))
                self.ledger.mark(f"disclosure#{did}", "sent")
                delivered += 1
            if status != "audited":
                # Audit after the delivery, so a crash in between re-audits rather than leaving a disclosure unrecorded.
                self.audit.append(AuditEntry(
                    action="message.routed", at=self.clock(), actor_ods=msg.sender_ods, actor_kind=msg.sender_kind,
                    event=msg.event, message_id=msg.message_id, nhs_number=msg.patient.nhs_number,
                    recipient_ods=d.recipient_ods, recipient_kind=d.recipient_kind, legal_basis=d.legal_basis,
                    # one per disclosure (its id is scoped to the sender; a notification's, to its basis)
                    business_key=f"message.routed|{did}",
                    outcome="delivered", details={"profile": d.profile, "policy_rule": d.policy_rule,
                                                  "content": d.content,
                                                  "policy_version": d.policy_version, "disclosure_id": did,
                                                  **injury_details}))
                self.ledger.mark(f"disclosure#{did}", "audited")
        self.queues.send_json(self.rules_queue_url, queued, group_id=group_id(msg, self._hmac_key),
                              dedup_id=sender_message_id(msg.sender_ods, msg.message_id))
        logger.info("message routed", extra={"message_id": msg.message_id, "disclosures": delivered})
        return delivered
