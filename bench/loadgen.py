"""A closed-loop HTTP load generator: N threads, each with one keep-alive connection.

Runs in its own process (see Generator) so that its threads do not share the GIL with the server
under test: on a 2-core machine the client gets one core and the server (uvicorn + Bolt + the fake
Slack + the effects dispatcher) the other.

Each request body is built beforehand; it is signed just before it is sent and the clock runs from
the send to the last byte of the answer (signing is outside the measured interval).
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import multiprocessing
import socket
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass


@dataclass
class Sample:
    latency: float  # seconds, send → whole answer read
    status: int
    body: bytes


@dataclass
class LoadResult:
    samples: list[Sample]
    wall: float  # seconds, first send → last answer (all workers)

    @property
    def throughput(self) -> float:
        return len(self.samples) / self.wall if self.wall > 0 else 0.0


def _sign(secret: bytes, body: bytes) -> dict[str, str]:
    ts = str(int(time.time()))
    digest = hmac.new(secret, b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def _connect(host: str, port: int) -> http.client.HTTPConnection:
    """A keep-alive connection with Nagle off: http.client writes the headers and the body in two
    send() calls, and Nagle's algorithm against the server's delayed ACK would otherwise hold the
    body back ~40 ms on every request (as a real HTTP client such as Slack's does not)."""
    conn = http.client.HTTPConnection(host, port, timeout=60)
    conn.connect()
    assert conn.sock is not None
    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return conn


def run_load(
    host: str,
    port: int,
    path: str,
    secret: str,
    bodies: list[bytes],
    concurrency: int,
    content_type: str = "application/x-www-form-urlencoded",
) -> LoadResult:
    """Send every body once, concurrency at a time (closed loop); the answers in send order."""
    key = secret.encode()
    out: list[Sample | None] = [None] * len(bodies)
    lock = threading.Lock()
    cursor = iter(range(len(bodies)))
    start = threading.Barrier(concurrency + 1)
    errors: list[BaseException] = []

    def worker() -> None:
        conn = _connect(host, port)
        try:
            start.wait()
            while True:
                with lock:
                    i = next(cursor, None)
                if i is None:
                    return
                body = bodies[i]
                headers = {
                    "Content-Type": content_type,
                    "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
                    **_sign(key, body),
                }
                t0 = time.perf_counter()
                conn.request("POST", path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                t1 = time.perf_counter()
                out[i] = Sample(t1 - t0, resp.status, data[:2000])
                if resp.will_close:
                    conn.close()
                    conn = _connect(host, port)
        except BaseException as e:  # reported to the caller, never swallowed
            errors.append(e)
            start.abort()
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    if errors:
        raise RuntimeError(f"load generator failed: {errors[0]!r}") from errors[0]
    return LoadResult([s for s in out if s is not None], wall)


class Generator:
    """run_load in a separate process (spawned, so it inherits none of the server's threads)."""

    def __init__(self) -> None:
        self.pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))

    def start(self) -> None:
        """Start the generator's process now (it keeps the priority this process has now)."""
        self.pool.submit(int).result()

    def run(self, *args, **kwargs) -> LoadResult:  # type: ignore[no-untyped-def]
        return self.pool.submit(run_load, *args, **kwargs).result()

    def close(self) -> None:
        self.pool.shutdown()

    def __enter__(self) -> Generator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
