"""Everything a running bot is made of, built from settings in one place."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass

import uvicorn
from slack_bolt import App
from slack_sdk import WebClient

from bot import erp
from bot.app import create_app
from bot.config import Settings
from bot.effects import Dispatcher
from bot.server import UVICORN_LIMITS, SlackASGI
from bot.slack_calls import display_name
from bot.web.asgi import PagesASGI
from bot.web.pages import NameBook, OrderPages
from bot.worker import NoWorker, Worker, WorkerProcess, effects_client, open_settings_workflow
from workflow.service import Workflow


@dataclass
class Runtime:
    settings: Settings
    workflow: Workflow
    client: WebClient
    dispatcher: Worker
    app: App

    @classmethod
    def build(cls, settings: Settings, worker: str = "thread") -> Runtime:
        """Open the database (creating the schema on first use), the Slack client and the app.

        worker: "thread" — the dispatcher runs in this process (tests, the demo); "process" — in a
        child process (`serve`), so the acks never wait for it; "none" — elsewhere."""
        workflow = open_settings_workflow(settings)
        workflow.bootstrap_admins(settings.admins)
        client = WebClient(token=settings.bot_token or None, base_url=settings.slack_api_url, timeout=30)
        dispatcher: Worker
        if worker == "process":
            dispatcher = WorkerProcess(settings, workflow)
        elif worker == "none":
            dispatcher = NoWorker(workflow)
        else:
            dispatcher = Dispatcher(workflow, effects_client(settings), settings)
        app = create_app(settings, workflow, dispatcher, client)
        return cls(settings, workflow, client, dispatcher, app)

    def pages(self) -> PagesASGI:
        """The customer's order pages (bot.web), answered by this process."""
        client = self.client

        def lookup(user_id: str) -> str:
            return display_name(client.users_info(user=user_id)["user"])

        pages = OrderPages(self.workflow, self.settings, NameBook(lookup), wake=self.dispatcher.wake)
        return PagesASGI(pages)

    def asgi(self) -> SlackASGI:
        secret, wf = self.settings.erp_webhook_secret, self.workflow
        return SlackASGI(
            self.app,
            self.settings.signing_secret,
            erp=lambda head, body: erp.invoiced(wf, secret, head, body, time.time()),
            pages=self.pages(),
        )

    def serve_in_background(
        self, host: str = "127.0.0.1", port: int = 0, sock: socket.socket | None = None
    ) -> BackgroundServer:
        """Serve HTTP mode from a thread (the demo and the tests); the dispatcher starts too."""
        server = BackgroundServer(self.asgi(), host, port, sock)
        server.start()
        self.dispatcher.start()
        return server

    def stop(self) -> None:
        self.dispatcher.stop()
        self.workflow.engine.dispose()
        if self.workflow.inbox is not self.workflow.engine:
            self.workflow.inbox.dispose()


def bound_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A TCP socket bound to host and port (0: any free one), so its address is known up front."""
    # IPPROTO_TCP, not 0: asyncio turns Nagle off (TCP_NODELAY) only on sockets marked TCP, and
    # uvicorn sends headers and body apart — each keep-alive answer would wait ~40 ms for an ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


class BackgroundServer:
    """uvicorn on a socket bound up front, so the port is known before it starts."""

    def __init__(
        self, asgi: SlackASGI | PagesASGI, host: str, port: int, sock: socket.socket | None = None
    ) -> None:
        self.sock = sock or bound_socket(host, port)
        self.host, self.port = self.sock.getsockname()[:2]
        config = uvicorn.Config(asgi, log_level="warning", lifespan="on", access_log=False, **UVICORN_LIMITS)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/slack/events"

    def start(self, timeout: float = 10.0) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the HTTP server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()
