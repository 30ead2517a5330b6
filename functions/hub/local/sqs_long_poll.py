"""Long polling on the embedded emulator that waits instead of spinning.

moto's ReceiveMessage loops until its wait time ends, and between passes it waits on the queue's condition
only while the queue holds no visible message at all. A FIFO queue whose visible messages all belong to
message groups already in flight (the rules and router queues, most of the time) therefore made every
long poll spin for its whole wait, rebuilding the visible-message list each pass: py-spy found ~20 % of the
fault suite's samples there, and the suite's CPU fell by 45 % without it. Here a pass that found nothing
waits for a change (a message sent, deleted or made visible again) or for a short tick, whichever comes first. The tick bounds how late a message that
becomes visible by its timer alone (a visibility timeout or a delay ending) is seen."""
from __future__ import annotations

import functools
TICK_SECONDS = 0.05


@functools.cache
def install() -> None:
    """Patch moto's SQS Queue, once per process (moto's backends are per process too)."""
    from moto.sqs.models import Queue

    def wait_for_messages(self, timeout: int) -> None:
        with self._messages_lock:
            self._messages_lock.wait(timeout=min(timeout, TICK_SECONDS))

    def notifying(method):
        def wrapper(self, *args, **kwargs):
            result = method(self, *args, **kwargs)
            with self._messages_lock:  # a deletion can free a FIFO group that a long poll is waiting on
                self._messages_lock.notify_all()
            return result
        wrapper.__wrapped__ = method
        return wrapper

    Queue.wait_for_messages = wait_for_messages
    Queue.delete_message = notifying(Queue.delete_message)
