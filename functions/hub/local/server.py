"""The embedded AWS emulator: moto's server on a free loopback port."""
from __future__ import annotations

import logging
import selectors
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
                return _whole(app(environ, start_response))
        return app(environ, start_response)
    return wsgi


def _whole(result) -> list:
    try:  # a body can be produced lazily: produce it now (under the DynamoDB lock, if held)
        return list(result)
    finally:
        if hasattr(result, "close"):
            result.close()


def _keep_alive(app):
    """Let a connection serve its next request: the app reads the body through a bounded stream, and
    whatever it left unread is drained afterwards, so the next request line starts where it should."""
    from werkzeug.wsgi import LimitedStream

    def wsgi(environ, start_response):
        length = environ.get("CONTENT_LENGTH") or ""
        chunked = bool(environ.get("wsgi.input_terminated"))  # werkzeug's DechunkedInput ends with the body
        stream = environ["wsgi.input"]
        if not chunked:  # no length: no body
            stream = environ["wsgi.input"] = LimitedStream(stream, int(length) if length.isdigit() else 0)
            environ["wsgi.input_terminated"] = True
        body = _whole(app(environ, start_response))
        while stream.read(65536):
            pass
        environ["hub.request_drained"] = True
        return body
    return wsgi


_current = threading.local()  # the request handler this server thread is running, if it is ours


class _NothingLeftToRead:
    def register(self, *args) -> None:
        pass

    def select(self, timeout=None) -> list:
        return []

    def close(self) -> None:
        pass


class _WerkzeugSelectors:
    """Stands in for the `selectors` module inside werkzeug.serving. After each response werkzeug reads
    whatever the client sent next, for 10 ms, and discards it (safe only because it closes every
    connection); on a kept-alive connection that would swallow the next request. A request that
    `_keep_alive` already drained gets a selector that finds nothing; every other use is the real one."""

    def __getattr__(self, name: str):
        return getattr(selectors, name)

    @staticmethod
    def DefaultSelector():  # noqa: N802 - the name werkzeug calls
        handler = getattr(_current, "handler", None)
        if handler is not None and getattr(handler, "environ", {}).get("hub.request_drained"):
            return _NothingLeftToRead()
        return selectors.DefaultSelector()


def _server_class():
    import werkzeug.serving

    from moto.moto_server.threaded_moto_server import ThreadedMotoServer
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import ThreadedWSGIServer

    from hub.local import dynamodb_replies, moto_transactions, sqs_long_poll

    sqs_long_poll.install()
    dynamodb_replies.install()
    moto_transactions.install()

    class CachedDispatcher(DomainDispatcherApplication):
        """moto lists its package directory and tries every service's URL pattern to find the backend of
        each request (~8 % of the local stack's CPU, measured with py-spy); the answer depends only on the
        host it infers, so it is remembered."""

        def __init__(self, create_app) -> None:
            super().__init__(create_app)
            self._backend_of: dict = {}

        def get_backend_for_host(self, host):
            if host not in self._backend_of:
                self._backend_of[host] = super().get_backend_for_host(host)
            return self._backend_of[host]

    class KeepAliveHandler(MotoRequestHandler):
        """werkzeug closes every connection after one request, so each AWS call cost a TCP connection and
        a server thread (~15 % of the local stack's CPU). Keep it open once the request body was drained."""

        timeout = 30  # an idle kept-alive connection closes and its thread ends
        disable_nagle_algorithm = True  # headers and body go in two writes: without it each call waits ~40 ms for an ACK

        def run_wsgi(self) -> None:
            _current.handler = self
            try:
                super().run_wsgi()
            finally:
                _current.handler = None

        def send_header(self, keyword: str, value: str) -> None:
            if (keyword.lower() == "connection" and value.lower() == "close"
                    and getattr(self, "environ", {}).get("hub.request_drained")):
                return
            super().send_header(keyword, value)

    class Server(ThreadedWSGIServer):
        """Knows its open connections, so that stopping it is an outage for kept-alive clients too."""

        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self._open: set = set()
            self._open_lock = threading.Lock()

        def process_request(self, request, client_address) -> None:
            with self._open_lock:
                self._open.add(request)
            super().process_request(request, client_address)

        def shutdown_request(self, request) -> None:
            with self._open_lock:
                self._open.discard(request)
            super().shutdown_request(request)

        def close_connections(self) -> None:
            with self._open_lock:
                conns, self._open = list(self._open), set()
            for conn in conns:
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    werkzeug.serving.selectors = _WerkzeugSelectors()

    class SerialisedDynamoDBMotoServer(ThreadedMotoServer):
        def _server_entry(self) -> None:  # ThreadedMotoServer's, with the wrappers above around the app
            app = _keep_alive(_serialise_dynamodb(CachedDispatcher(create_backend_app)))
            self._server = Server(self._ip_address, self._port, app, handler=KeepAliveHandler)
            self._server_ready_event.set()
            self._server.serve_forever()

        def stop(self) -> None:
            super().stop()
            if self._server is not None:
                self._server.close_connections()

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
