"""A real HTTP server in a thread that records what is POSTed to it: the SMS gateway and the
Digital Post provider in tests. It can be told to answer slowly (past the client's timeout), with
500, or with 400."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Call:
    path: str
    authorization: str
    body: dict[str, Any]


@dataclass
class Gateway:
    mode: str = "ok"  # ok | slow | 500 | 400
    slow_seconds: float = 1.0
    calls: list[Call] = field(default_factory=list)  # accepted (answered 200) calls
    attempts: int = 0  # every request, whatever the answer
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/send"

    def start(self) -> None:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                gateway.attempts += 1
                mode = gateway.mode
                if mode == "slow":
                    time.sleep(gateway.slow_seconds)
                status = {"500": 500, "400": 400}.get(mode, 200)
                if status == 200 and mode != "slow":
                    gateway.calls.append(
                        Call(self.path, self.headers.get("Authorization", ""), json.loads(raw))
                    )
                body = json.dumps({"ok": status == 200}).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up waiting (the slow mode)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def messages_to(self, phone: str) -> list[str]:
        return [c.body["message"] for c in self.calls if c.body.get("to") == phone]
