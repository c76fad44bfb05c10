"""A loopback proxy to a real provider that adds the API key on the grader's side.

When ``OPENAI_BASE_URL`` points at a real provider, the text generation checks hand learner
code an openai client. That client must not carry the grader's key: submission code could
read ``client.api_key`` and send it anywhere. So the client points at this proxy instead,
with a placeholder key, and the proxy forwards each request to the provider with the real
``Authorization`` header. It forwards only the inference routes the exercises use
(``GET /models``, ``POST /chat/completions``, ``/completions``, ``/responses``), bounds
request bodies, and streams responses through as they arrive (``stream=True`` works).
"""

from __future__ import annotations

import http.client
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOST = "127.0.0.1"
PLACEHOLDER_KEY = "mlkata-proxy"  # what learner code sees instead of the real key
ROUTES = {("GET", "/models"), ("POST", "/chat/completions"), ("POST", "/completions")}
ROUTES |= {("POST", "/responses")}
MAX_BODY_BYTES = 4 * 1024 * 1024
UPSTREAM_TIMEOUT_S = 300.0
PASSED_HEADERS = ("content-type", "accept")


class ProviderProxy:
    """Serves ``http://127.0.0.1:PORT/v1`` and forwards to ``upstream`` with ``api_key``."""

    def __init__(self, upstream: str, api_key: str) -> None:
        parsed = urllib.parse.urlsplit(upstream.rstrip("/"))
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            from grader.errors import MlkataError

            raise MlkataError(f"OPENAI_BASE_URL={upstream!r} is not an http(s) URL")
        self.upstream_url = upstream
        self.upstream = parsed
        self.api_key = api_key
        self.server = ThreadingHTTPServer((HOST, 0), self._handler())
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}/v1"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _connection(self) -> http.client.HTTPConnection:
        kind = http.client.HTTPSConnection if self.upstream.scheme == "https" else None
        kind = kind or http.client.HTTPConnection
        return kind(self.upstream.hostname, self.upstream.port, timeout=UPSTREAM_TIMEOUT_S)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"  # one request per connection, body ends at close

            def log_message(self, format: str, *args: object) -> None:
                pass  # no access log on the grader's stderr

            def do_GET(self) -> None:
                self._forward()

            def do_POST(self) -> None:
                self._forward()

            def _forward(self) -> None:
                route = urllib.parse.urlsplit(self.path).path.removeprefix("/v1")
                if (self.command, route) not in ROUTES:
                    self.send_error(403, "mlkata's proxy forwards only inference requests")
                    return
                length = int(self.headers.get("Content-Length") or 0)
                if not 0 <= length <= MAX_BODY_BYTES:
                    self.send_error(413, "request body too large")
                    return
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() in PASSED_HEADERS}
                headers["Authorization"] = f"Bearer {proxy.api_key}"
                connection = proxy._connection()
                started = False
                try:
                    connection.request(
                        self.command, proxy.upstream.path + route, body=body, headers=headers
                    )
                    reply = connection.getresponse()
                    started = True
                    self.send_response(reply.status)
                    for name in ("Content-Type",):
                        if reply.getheader(name):
                            self.send_header(name, reply.getheader(name))
                    self.end_headers()
                    while chunk := reply.read1(1 << 16):
                        self.wfile.write(chunk)
                        self.wfile.flush()
                except OSError as error:
                    if not started:  # a reply already under way just ends here
                        self.send_error(502, f"the provider did not answer: {type(error).__name__}")
                finally:
                    connection.close()

        return Handler
