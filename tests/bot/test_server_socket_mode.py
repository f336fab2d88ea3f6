"""Socket Mode (`service-orders run`) answers Slack within the same 3 s as HTTP mode: the listeners
run inside storage.db.request_waits, so their database waits are bounded there too (the waits
themselves: tests/storage/test_db_waits.py). The Slack connection is stubbed: only the wiring."""

from __future__ import annotations

import slack_bolt.adapter.socket_mode as socket_mode
from pytest import MonkeyPatch

from bot import cli
from bot.config import Settings
from bot.runtime import Runtime
from storage.db import on_request_path


def test_socket_mode_dispatches_on_the_request_path(monkeypatch: MonkeyPatch) -> None:
    seen: list[bool] = []

    class App:
        def dispatch(self, request: object) -> str:
            seen.append(on_request_path())
            return "answered"

    class Dispatcher:
        def start(self) -> None:
            pass

    class Built:
        app = App()
        dispatcher = Dispatcher()

        def stop(self) -> None:
            pass

    class Handler:  # SocketModeHandler: hands each Slack request to app.dispatch
        def __init__(self, app: App, token: str) -> None:
            self.app = app

        def start(self) -> None:
            assert self.app.dispatch(object()) == "answered"

    monkeypatch.setattr(Runtime, "build", classmethod(lambda cls, settings, worker: Built()))
    monkeypatch.setattr(socket_mode, "SocketModeHandler", Handler)
    assert cli.run_socket_mode(Settings(app_token="xapp-test"), "none") == 0
    assert seen == [True]
    assert not on_request_path()  # only while a request is answered
