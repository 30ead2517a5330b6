"""Re-address a (minimised) message Bundle to one recipient.

The copy gets its own Bundle.id and MessageHeader.id (each delivery is a message in
its own right, NEMS style); the id the sender gave is kept in the
original-message-id extension so a recipient can quote it back.
"""
from __future__ import annotations

import copy

from hub.core.messages import EXT_ORIGINAL_MESSAGE, HUB, NS_ODS
from hub.core.routing.decide import Disclosure

MAILBOX_ENDPOINT = f"{HUB}/mailbox"


class ReaddressError(ValueError):
    """The bundle is not a message Bundle with a MessageHeader first."""


def destination_endpoint(kind: str, ods: str) -> str:
    """The logical endpoint the hub delivers to for one recipient: its organisation's mailbox, whatever its kind."""
    return f"{MAILBOX_ENDPOINT}/{ods}"


def readdress(bundle: dict, disclosure: Disclosure, *, new_message_id: str, new_bundle_id: str) -> dict:
    """A NEW Bundle addressed to ``disclosure``'s recipient; the input is untouched."""
    entries = bundle.get("entry") if isinstance(bundle, dict) else None
    if not entries or not isinstance(entries[0], dict) or not isinstance(entries[0].get("resource"), dict) \
            or entries[0]["resource"].get("resourceType") != "MessageHeader":
        raise ReaddressError("entry[0] must be a MessageHeader")
    out = copy.deepcopy(bundle)
    out["id"] = new_bundle_id
    out.pop("signature", None)  # the sender's signature does not cover the hub's copy
    first = out["entry"][0]
    header = first["resource"]
    original_id = header.get("id")
    header["id"] = new_message_id
    if original_id and first.get("fullUrl") == f"urn:uuid:{original_id}":
        first["fullUrl"] = f"urn:uuid:{new_message_id}"

    extensions = [e for e in header.get("extension", []) if isinstance(e, dict)]
    if original_id and not any(e.get("url") == EXT_ORIGINAL_MESSAGE for e in extensions):
        # an existing one already names the true original
        extensions.append({"url": EXT_ORIGINAL_MESSAGE, "valueId": original_id})
    if extensions:
        header["extension"] = extensions

    header["destination"] = [
        {
            "endpoint": destination_endpoint(disclosure.recipient_kind, disclosure.recipient_ods),
            "receiver": {
                "identifier": {"system": NS_ODS, "value": disclosure.recipient_ods},
            },
        }
    ]
    return out
