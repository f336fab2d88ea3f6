"""The apps under test, each served from a process of its own, as a deployment runs them.

The benchmark's own process runs the local Slack fake; the load generator is another process.
Each app (a bare Bolt app, or the real bot as `service-orders serve` builds it, with its worker as
a child process) is served by uvicorn in a spawned process, so no app shares an interpreter lock
with the fake Slack or with the load generator.
"""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from bot.config import Settings


def _child(
    kind: str, secret: str, fake_url: str, db_path: str | None, settings: Settings | None, conn
) -> None:  # type: ignore[no-untyped-def]
    import logging

    from bot.runtime import BackgroundServer, Runtime
    from bot.server import SlackASGI

    logging.basicConfig(level=logging.ERROR)
    runtime = None
    if kind == "real":
        assert settings is not None
        runtime = Runtime.build(settings, worker="process")
        server = runtime.serve_in_background("127.0.0.1", 0)  # starts the worker process too
    elif kind == "options":
        from bench.options_load import bare_app as options_app

        server = BackgroundServer(SlackASGI(options_app(secret, fake_url), secret), "127.0.0.1", 0)
        server.start()
    else:
        from bench.ack_latency import bare_app

        server = BackgroundServer(
            SlackASGI(bare_app(secret, fake_url, Path(db_path) if db_path else None), secret), "127.0.0.1", 0
        )
        server.start()
    conn.send((server.host, server.port))
    try:
        conn.recv()  # until the parent says stop (or goes away)
    except EOFError:
        pass
    server.stop()
    if runtime is not None:
        runtime.stop()


class AppProcess:
    """One app served from a spawned process; host and port once started."""

    def __init__(
        self,
        kind: str,
        secret: str,
        fake_url: str,
        db_path: Path | None = None,
        settings: Settings | None = None,
    ) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self.process = ctx.Process(
            target=_child, args=(kind, secret, fake_url, str(db_path) if db_path else None, settings, child)
        )
        self.process.start()
        child.close()
        if not self._conn.poll(120):
            self.process.kill()
            raise RuntimeError(f"the {kind} app did not start")
        self.host, self.port = self._conn.recv()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/slack/events"

    def stop(self) -> None:
        try:
            self._conn.send("stop")
        except OSError:
            pass
        self.process.join(30)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)
