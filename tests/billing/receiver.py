"""A real local HTTP receiver of postings (the hotel's side), for the tests and bench/billing.py.

It verifies every delivery with the ``standardwebhooks`` package (signature and timestamp
tolerance), accepts each ``webhook-id`` once (a repeat is answered 200 and counted as a
duplicate, as a deduplicating receiver does), and can misbehave on demand:

- ``mode = "ok"``: answer 204 at once;
- ``mode = "error"``: answer 500 without accepting;
- ``mode = "refuse"``: answer 422 without accepting (the receiver rejects the posting);
- ``mode = "slow"``: accept, then wait ``slow_s`` before answering (the kiosk may give up
  first and send it again);
- :meth:`down` / :meth:`up`: close the listening socket / listen again on the same port.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A kiosk killed in the middle of a request resets the connection: expected here."""


class Receiver:
    def __init__(self, secret: str, port: int = 0) -> None:
        from standardwebhooks import Webhook

        self.webhook = Webhook(secret)
        self.mode = "ok"
        self.slow_s = 2.0
        self.lock = threading.Lock()
        self.accepted: dict[str, dict[str, Any]] = {}
        self.order: list[str] = []
        self.deliveries = 0           # requests that carried a valid signature
        self.duplicates = 0           # valid deliveries of an id accepted before
        self.invalid = 0              # bad or missing signature
        self.refused_500 = 0
        self.port = port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.up()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/postings"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        rec = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                try:
                    payload = rec.webhook.verify(body, dict(self.headers.items()))
                except Exception:  # noqa: BLE001 - any verification failure
                    with rec.lock:
                        rec.invalid += 1
                    self.send_response(401)
                    self.end_headers()
                    return
                msg_id = self.headers["webhook-id"]
                mode = rec.mode
                with rec.lock:
                    rec.deliveries += 1
                    if mode in ("error", "refuse"):
                        rec.refused_500 += mode == "error"
                    elif msg_id in rec.accepted:
                        rec.duplicates += 1
                    else:
                        rec.accepted[msg_id] = payload
                        rec.order.append(msg_id)
                if mode in ("error", "refuse"):
                    self.send_response(500 if mode == "error" else 422)
                    self.end_headers()
                    return
                if mode == "slow":
                    time.sleep(rec.slow_s)
                try:
                    self.send_response(204)
                    self.end_headers()
                except OSError:
                    pass

        return H

    def up(self) -> None:
        if self._server is not None:
            return
        srv = _Server(("127.0.0.1", self.port), self._handler())
        self.port = srv.server_address[1]
        self._server = srv
        self._thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def down(self) -> None:
        srv, self._server = self._server, None
        if srv is not None:
            srv.shutdown()
            srv.server_close()

    def stop(self) -> None:
        self.down()

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {"accepted": len(self.accepted), "deliveries": self.deliveries, "duplicates": self.duplicates,
                    "invalid": self.invalid, "refused_500": self.refused_500}

    def payloads(self) -> list[dict[str, Any]]:
        with self.lock:
            return [json.loads(json.dumps(self.accepted[i])) for i in self.order]
