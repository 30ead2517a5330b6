"""Where an in-process run spends its CPU: a wall-clock sampler over every thread, by owner.

cProfile sees one thread and the end-to-end run has dozens (API server, pollers, moto's server threads,
sender threads), so this samples `sys._current_frames()` every `interval` seconds instead. A thread whose
innermost Python frame is a blocking call (socket read, select, lock or event wait, sleep) is idle and not
counted; the others are attributed to the first owner found walking the stack outwards from the innermost
frame's thread entry: the emulator (moto or its werkzeug server), the AWS SDK (botocore, urllib3), the
hub's functions (hub, Powertools, pydantic) or other (the played runtime, the HTTP senders). One GIL
means at most one of them really runs at a time, so the shares are shares of the process's CPU.
"""
from __future__ import annotations

import sys
import threading
from collections import Counter

_IDLE = {"wait", "select", "poll", "accept", "recv_into", "readinto", "recv", "acquire", "sleep",
         "_wait_for_tstate_lock", "wait_for", "get", "serve_forever", "readline", "_recv_into"}


# the local runtime's frames that are innermost only while blocked in C (a function's or a mapping's lock)
_RUNTIME_WAITS = {"invoke", "_poll_source", "drain"}


def _owner(frame) -> str | None:
    if frame.f_code.co_name in _IDLE:
        return None
    if frame.f_code.co_name in _RUNTIME_WAITS and "/hub/local/" in frame.f_code.co_filename:
        return None
    files = []
    f = frame
    while f is not None:
        files.append(f.f_code.co_filename)
        f = f.f_back
    joined = "\n".join(files)
    if "/moto/" in joined or "/werkzeug/" in joined:
        return "emulator (moto)"
    if "/botocore/" in joined or "/urllib3/" in joined or "/boto3/" in joined:
        return "AWS SDK client (botocore)"
    if "/hub/" in joined or "/aws_lambda_powertools/" in joined or "/pydantic" in joined:
        return "hub functions"
    return "other (runtime, senders)"


class Sampler:
    def __init__(self, interval: float = 0.005):
        self.interval = interval
        self.counts: Counter[str] = Counter()
        self.frames: Counter[str] = Counter()  # innermost frame of busy samples, "file:function"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _run(self) -> None:
        me = threading.get_ident()
        while not self._stop.wait(self.interval):
            for ident, frame in sys._current_frames().items():
                if ident != me:
                    owner = _owner(frame)
                    if owner:
                        self.counts[owner] += 1
                        code = frame.f_code
                        self.frames[f"{'/'.join(code.co_filename.split('/')[-2:])}:{code.co_name}"] += 1

    def start(self) -> "Sampler":
        self._thread = threading.Thread(target=self._run, name="bench-sampler", daemon=True)
        self._thread.start()
        return self

    def top(self, n: int = 15) -> dict[str, float]:
        total = sum(self.frames.values()) or 1
        return {k: round(v / total, 3) for k, v in self.frames.most_common(n)}

    def stop(self) -> dict[str, float]:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        total = sum(self.counts.values()) or 1
        return {k: round(v / total, 3) for k, v in self.counts.most_common()}
