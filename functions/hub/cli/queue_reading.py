"""Reading the hub's queues for people (alerts, outboxes), through the Queues port."""
from __future__ import annotations

import json
from typing import Callable


def read_messages(queues, url: str, *, keep: bool, match: Callable[[dict], bool] | None = None) -> list[dict]:
    """Read every visible message as {"body", "attributes"}; delete the matching ones unless `keep`.

    Messages left on the queue stay hidden until the read is over (so none is read twice), then are made
    visible again. On a FIFO queue a kept message blocks the rest of its group, so `keep` sees at most
    one batch (10) per message group; each read also counts towards the queue's maxReceiveCount.
    """
    found, kept = [], []
    try:
        while True:
            batch = queues.receive(url, max_messages=10, wait_seconds=0, visibility_timeout=60)
            if not batch:
                break
            for m in batch:
                attrs = {k: v.get("StringValue") for k, v in m.get("MessageAttributes", {}).items()}
                if match is None or match(attrs):
                    found.append({"body": json.loads(m["Body"]), "attributes": attrs})
                    if not keep:
                        queues.delete(url, m["ReceiptHandle"])
                        continue
                kept.append(m["ReceiptHandle"])
    finally:
        queues.release(url, kept)
    return found
