"""A hostile Charge Assist on loopback: a raw HTTP/1.1 server (threads, plain sockets) whose
answers are scripted per test: drip a body a byte at a time, send far too much, nest JSON
without end, put NaN in the costs, rate-limit with Retry-After. Used where the behaviour is
about the wire, so that no mock hides it.

    with HostileServer(lambda path: Answer(200, body=b"{}")) as srv:
        client = ChargeAssistClient(srv.base_url, ...)
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field


@dataclass
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    #: yields the body in pieces with pauses: (bytes, seconds to wait before sending them)
    chunks: Callable[[], Iterator[tuple[bytes, float]]] | None = None
    content_length: int | None = None  # announced length (default: len(body))
    announce_length: bool = True  # False: no Content-Length, the body ends when the connection closes


REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 429: "Too Many Requests", 503: "Service Unavailable"}


class HostileServer:
    def __init__(self, script: Callable[[str, str], Answer]) -> None:
        self.script = script
        self.requests: list[tuple[str, str, float]] = []  # (method, path, monotonic time)
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="hostile-server", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()  # wake accept()
        except OSError:
            pass
        self._thread.join(timeout=5)
        self._sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            if self._stop.is_set():
                conn.close()
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(5)
            data = b""
            while b"\r\n\r\n" not in data:
                piece = conn.recv(65536)
                if not piece:
                    return
                data += piece
            head, _, rest = data.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target, _version = lines[0].split(" ", 2)
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            while len(rest) < length:
                rest += conn.recv(65536)
            self.requests.append((method, target, time.monotonic()))
            answer = self.script(method, target)
            size = answer.content_length if answer.content_length is not None else len(answer.body)
            headers = {"Content-Type": "application/json", "Connection": "close", **answer.headers}
            if answer.announce_length:
                headers["Content-Length"] = str(size)
            out = f"HTTP/1.1 {answer.status} {REASONS.get(answer.status, 'X')}\r\n"
            out += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
            conn.sendall(out.encode("latin-1"))
            if answer.chunks is not None:
                for piece, pause in answer.chunks():
                    if self._stop.wait(pause):
                        return
                    conn.sendall(piece)
            else:
                conn.sendall(answer.body)
        except OSError:
            pass  # the client hung up: that is what a client with limits does
        finally:
            try:
                conn.close()
            except OSError:
                pass
