"""A local accounting system (ERP) for the demo and the tests: a real HTTP receiver on 127.0.0.1
that records every delivery (headers and body) and answers what it is told to (status, JSON);
on_delivery, when given, is called with each delivery as it arrives (the demo prints it)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Delivery:
    headers: dict[str, str]
    body: bytes

    @property
    def document(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    url: str
    deliveries: list[Delivery] = field(default_factory=list)
    # what to answer, in turn; the last one is repeated: (status, JSON answer or None)
    answers: list[tuple[int, dict | None]] = field(default_factory=lambda: [(200, None)])
    lock: threading.Lock = field(default_factory=threading.Lock)
    on_delivery: Callable[[Delivery], None] | None = None

    def answer(self) -> tuple[int, dict | None]:
        with self.lock:
            return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


@contextmanager
def erp_receiver() -> Iterator[Receiver]:
    receiver = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            delivery = Delivery({k.lower(): v for k, v in self.headers.items()}, body)
            with receiver.lock:
                receiver.deliveries.append(delivery)
            if receiver.on_delivery is not None:
                receiver.on_delivery(delivery)
            status, answer = receiver.answer()
            out = json.dumps(answer).encode() if answer is not None else b""
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/invoices"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
