"""The embedded AWS emulator: moto's server on a free loopback port."""
from __future__ import annotations

import logging
import socket
import threading
import time
import urllib.request

HOST = "127.0.0.1"

# moto's DynamoDB backend is not thread-safe: a TransactWriteItems racing another write on the server's
# request threads can fail half-way ("dictionary changed size during iteration", HTTP 500) with some of
# its items written, which real DynamoDB never does. DynamoDB requests are served one at a time, by one
# lock for the process as moto's backends are per process; the other services (SQS long polls) stay concurrent.
_DYNAMODB_LOCK = threading.RLock()


def _serialise_dynamodb(app):
    def wsgi(environ, start_response):
        if str(environ.get("HTTP_X_AMZ_TARGET", "")).startswith("DynamoDB_"):
            with _DYNAMODB_LOCK:
                result = app(environ, start_response)
                try:  # a body can be produced lazily: produce it under the lock too
                    return list(result)
                finally:
                    if hasattr(result, "close"):
                        result.close()
        return app(environ, start_response)
    return wsgi


def _server_class():
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    class SerialisedDynamoDBMotoServer(ThreadedMotoServer):
        def _server_entry(self) -> None:  # ThreadedMotoServer's, with the DynamoDB lock around the app
            app = _serialise_dynamodb(DomainDispatcherApplication(create_backend_app))
            self._server = make_server(self._ip_address, self._port, app, True, request_handler=MotoRequestHandler)
            self._server_ready_event.set()
            self._server.serve_forever()

    return SerialisedDynamoDBMotoServer


def free_port(host: str = HOST) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def start_moto(port: int = 0, host: str = HOST, timeout: float = 10.0):
    """Start ThreadedMotoServer on host:port (0 = a free port). Returns (server, endpoint_url)."""
    # one werkzeug access-log line per AWS call drowns test output
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    port = port or free_port(host)
    server = _server_class()(ip_address=host, port=port, verbose=False)
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
