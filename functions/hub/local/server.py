"""The embedded AWS emulator: moto's server on a free loopback port."""
from __future__ import annotations

import logging
import socket
import time
import urllib.request

HOST = "127.0.0.1"


def free_port(host: str = HOST) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def start_moto(port: int = 0, host: str = HOST, timeout: float = 10.0):
    """Start ThreadedMotoServer on host:port (0 = a free port). Returns (server, endpoint_url)."""
    from moto.server import ThreadedMotoServer

    # one werkzeug access-log line per AWS call drowns test output
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    port = port or free_port(host)
    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    endpoint = f"http://{host}:{port}"
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1):
                break
        except OSError:
            if time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(f"moto server did not answer on {endpoint}")
            time.sleep(0.05)
    return server, endpoint


def stop_moto(server) -> None:
    if server is not None:
        server.stop()


def reset_moto(endpoint_url: str) -> None:
    """Drop every resource in a running moto server (between test runs)."""
    req = urllib.request.Request(f"{endpoint_url}/moto-api/reset", method="POST")
    with urllib.request.urlopen(req, timeout=5):
        pass
