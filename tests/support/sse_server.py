"""A scripted OpenAI-style chat server on 127.0.0.1 (the standard library's http.server):
what a real server sends, and the ways one goes wrong, each on cue."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Script:
    """What the server does with the next chat request."""

    tokens: tuple[str, ...] = ("Paris", " is", " the", " capital", ".")
    """Content deltas, one chunk each (after a role-only chunk and a keep-alive comment)."""
    token_s: float = 0.0
    """Pause before each token."""
    before_s: float = 0.0
    """Pause before the response headers (a slow prompt)."""
    hang_after: int | None = None
    """Send this many tokens, then nothing more until the client leaves."""
    status: int = 200
    """A status other than 200 answers with a JSON error body instead."""
    raw: str | None = None
    """An SSE data line sent as it is (a broken or error chunk), then [DONE]."""


@dataclass
class ChatServer:
    """The server, its requests, and whether a client hung up mid-answer."""

    script: Script = field(default_factory=Script)
    requests: list = field(default_factory=list)
    """(headers, JSON body) of each chat request."""
    client_left: threading.Event = field(default_factory=threading.Event)
    """Set when a write to the client failed: it closed the connection."""

    def __post_init__(self) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                self._json(200, {"object": "list", "data": [{"id": "scripted"}]})

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append((dict(self.headers), body))
                script = server.script
                time.sleep(script.before_s)
                if script.status != 200:
                    return self._json(script.status, {"detail": "Not Found"})
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                try:
                    self._stream(script)
                except (BrokenPipeError, ConnectionResetError):
                    server.client_left.set()

            def _stream(self, script: Script) -> None:
                self._send(': ping\n\ndata: {"choices": [{"delta": {"role": "assistant"}}]}\n\n')
                if script.raw is not None:
                    self._send(f"data: {script.raw}\n\n")
                for i, token in enumerate(script.tokens if script.raw is None else ()):
                    if script.hang_after is not None and i >= script.hang_after:
                        while True:  # until the client leaves and a keep-alive write fails
                            time.sleep(0.05)
                            self._send(": ping\n\n")
                    time.sleep(script.token_s)
                    self._send("data: " + json.dumps({"choices": [{"delta": {"content": token}}]}) + "\n\n")
                self._send("data: [DONE]\n\n")

            def _send(self, text: str) -> None:
                self.wfile.write(text.encode())
                self.wfile.flush()

            def _json(self, status: int, data: dict) -> None:
                payload = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        return Handler
