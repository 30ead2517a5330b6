"""Deliver one accepted message to every recipient the policy names, exactly once each, then to rules."""
from __future__ import annotations

import uuid

from aws_lambda_powertools import Logger

from hub.core.audit import AuditEntry
from hub.core.messages import InjuryFact
from hub.core.identity import HUB_NAMESPACE, disclosure_id, group_id
from hub.core.routing import decide, minimise, readdress
from hub.service.context import routing_context
from hub.service.queued import load_message

logger = Logger(child=True)


class RouterService:
    def __init__(self, hub):
        self.hub = hub

    def route(self, envelope: dict) -> int:
        hub = self.hub
        msg, bundle = load_message(hub.archive, envelope)
        ctx = routing_context(hub.state, msg)
        policy = hub.routing_policy
        delivered = 0
        injury = next((f for f in msg.facts if isinstance(f, InjuryFact)), None)
        # lets the commissioners' report count CP-plan injuries, including those examined in time
        injury_details = {"injury_key": injury.key, "on_cp_plan": ctx.on_cp_plan} if injury else {}
        for d in decide(msg, ctx, policy, hub.routing_config):
            did = disclosure_id(msg.message_id, d.recipient_kind, d.recipient_ods)
            status = hub.ledger.status(f"disclosure#{did}")
            if status is None:
                payload = readdress(minimise(bundle, d.profile, policy), d, new_message_id=did,
                                    new_bundle_id=str(uuid.uuid5(HUB_NAMESPACE, f"bundle|{did}")))
                hub.queues.send_json(hub.settings.outbox_queue_urls[d.recipient_kind], payload,
                                     group_id=d.recipient_ods, dedup_id=did,
                                     attributes={"ods": d.recipient_ods, "event": msg.event,
                                                 "original-message-id": msg.message_id})
                hub.ledger.mark(f"disclosure#{did}", "sent")
                delivered += 1
            if status != "audited":
                # Audit after the send, so a crash in between re-audits rather than leaving a disclosure unrecorded.
                hub.audit.append(AuditEntry(
                    action="message.routed", at=hub.clock(), actor_ods=msg.sender_ods, actor_kind=msg.sender_kind,
                    event=msg.event, message_id=msg.message_id, nhs_number=msg.patient.nhs_number,
                    recipient_ods=d.recipient_ods, recipient_kind=d.recipient_kind, legal_basis=d.legal_basis,
                    outcome="delivered", details={"profile": d.profile, "policy_rule": d.policy_rule,
                                                  "policy_version": d.policy_version, "disclosure_id": did,
                                                  **injury_details}))
                hub.ledger.mark(f"disclosure#{did}", "audited")
        hub.queues.send_json(hub.settings.rules_queue_url, envelope, group_id=group_id(msg, hub.hmac_key),
                             dedup_id=msg.message_id)
        logger.info("message routed", extra={"message_id": msg.message_id, "disclosures": delivered})
        return delivered
