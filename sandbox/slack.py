"""A local Slack: the Web API a bot calls, and the people who click, type and post.

``FakeSlack`` serves ``/api/<method>`` on 127.0.0.1 (point ``WebClient(base_url=fake.url)`` at it)
and plays the human side by sending signed requests into the bot's ``request_url``, the way Slack
does. Standard library only; it knows nothing of the project that uses it.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import math
import mimetypes
import random
import re
import secrets
import string
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from . import _blocks

BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
APP_ID = "A0SANDBOX"
VERIFICATION_TOKEN = "sandbox-verification-token"
_ALNUM = string.ascii_uppercase + string.digits
_TRIGGER_RE = re.compile(r"^\d+\.\d+\.[0-9a-f]{32}$")
_NAME_OK = re.compile(r"^[a-z0-9_\-]+$")
_NAME_BAD = re.compile(r"[^a-z0-9_\-]")


def _new_id(prefix: str, length: int = 10) -> str:
    return prefix + "".join(secrets.choice(_ALNUM) for _ in range(length))


@dataclass
class Call:
    """One Web API call as the fake answered it."""

    method: str
    params: dict
    response: dict
    status: int
    at: float
    #: The Retry-After (seconds) the fake sent with a 429, else None.
    retry_after: float | None = None
    #: True when ``lose_response_next`` made the fake perform the call but never answer it.
    lost: bool = False


class Hold:
    """A request the fake performed and holds unanswered until ``release()`` (see ``hold_next``)."""

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self.reached = threading.Event()  # the request arrived and was performed
        self._released = threading.Event()

    def wait_reached(self, timeout: float = 30.0) -> bool:
        return self.reached.wait(timeout)

    def release(self) -> None:
        self._released.set()

    def _hold(self) -> None:
        self.reached.set()
        self._released.wait(self.limit)


@dataclass
class Channel:
    id: str
    name: str
    is_private: bool = False
    members: set[str] = field(default_factory=set)
    topic: str = ""
    pins: list[str] = field(default_factory=list)
    archived: bool = False
    created: int = field(default_factory=lambda: int(time.time()))
    creator: str = BOT_USER_ID
    is_im: bool = False
    im_user: str | None = None


@dataclass
class HttpResult:
    """What the bot answered to a request Slack sent it."""

    status: int
    body_text: str
    json: Any = None
    headers: dict = field(default_factory=dict)
    elapsed: float = 0.0
    request: dict | None = None
    #: How many entries of ``FakeSlack.served`` there were when this answer arrived: what the fake
    #: had finished answering before the bot answered Slack (``served[served_before:]`` came after).
    served_before: int = 0

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class _ApiError(Exception):
    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


def _buttons(
    blocks: list[dict], action_id: str, block_id: str | None, value: str | None
) -> list[tuple[dict, dict]]:
    """(block, button) pairs of the buttons a person could mean: this action id, and the block id
    and value when given."""
    return [
        (b, e)
        for b, e in _blocks.iter_elements(blocks)
        if e.get("type") == "button"
        and e.get("action_id") == action_id
        and (block_id is None or b.get("block_id") == block_id)
        and (value is None or e.get("value") == value)
    ]


def _messages_extra(problems: list[str]) -> dict:
    return {"response_metadata": {"messages": [f"[ERROR] {p}" for p in problems]}}


def _as_json(value: Any) -> Any:
    if isinstance(value, str | bytes):
        try:
            return json.loads(value)
        except ValueError as exc:
            raise _ApiError("invalid_arguments", **_messages_extra([f"invalid json: {exc}"])) from exc
    return value


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in {"1", "true", "yes"}
    return bool(value)


def _cursor(kind: str, value: str) -> str:
    return base64.b64encode(f"{kind}:{value}".encode()).decode()


def _from_cursor(kind: str, cursor: Any) -> str:
    try:
        found_kind, _, value = base64.b64decode(str(cursor), validate=True).decode().partition(":")
    except ValueError as exc:
        raise _ApiError("invalid_cursor") from exc
    if found_kind != kind or not value:
        raise _ApiError("invalid_cursor")
    return value


def _as_limit(value: Any, default: int = 100, most: int = 1000) -> int:
    if value in (None, ""):
        return default
    try:
        limit = int(value)
    except (TypeError, ValueError) as exc:
        raise _ApiError("invalid_limit") from exc
    return default if limit < 1 else min(limit, most)


def _as_ts(value: Any, default: float) -> float:
    if value in (None, ""):
        return default
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise _ApiError("invalid_ts_latest" if default else "invalid_ts_oldest") from exc


def _as_metadata(value: Any) -> dict | None:
    """Slack's message metadata: ``{"event_type": str, "event_payload": {...}}`` (object or JSON text)."""
    if value in (None, ""):
        return None
    if isinstance(value, str | bytes):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise _ApiError("invalid_metadata_format") from exc
    if not isinstance(value, dict):
        raise _ApiError("invalid_metadata_format")
    event_type, payload = value.get("event_type"), value.get("event_payload")
    if not isinstance(event_type, str) or not event_type or not isinstance(payload, dict):
        raise _ApiError("invalid_metadata_schema")
    if len(json.dumps(value)) > 8000:
        raise _ApiError("metadata_too_large")
    return {"event_type": event_type, "event_payload": copy.deepcopy(payload)}


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [v.strip() for v in str(value).split(",") if v.strip()]


def _options_problems(options: Any) -> list[str]:
    """Why Slack would refuse an options load answer (at most 100 options, each a plain_text text
    of at most 75 characters and a value of at most 150)."""
    if not isinstance(options, list):
        return ["options must be an array"]
    problems = [f"{len(options)} options, at most 100"] if len(options) > 100 else []
    for i, option in enumerate(options):
        text = option.get("text") if isinstance(option, dict) else None
        if (
            not isinstance(text, dict)
            or text.get("type") != "plain_text"
            or not isinstance(text.get("text"), str)
        ):
            problems.append(f"option {i}: text must be a plain_text object")
        elif len(text["text"]) > 75:
            problems.append(f"option {i}: text longer than 75 characters")
        value = option.get("value") if isinstance(option, dict) else None
        if not isinstance(value, str) or len(value) > 150:
            problems.append(f"option {i}: value must be a string of at most 150 characters")
    return problems


class FakeSlack:
    """A Slack workspace on 127.0.0.1 for a bot under test or in a demo."""

    def __init__(
        self,
        signing_secret: str,
        request_url: str | None = None,
        bot_token: str = "xoxb-sandbox",
        team_id: str = "T0SANDBOX",
        trigger_ttl: float = 3.0,
    ) -> None:
        self.signing_secret = signing_secret
        self.request_url = request_url
        # Several replicas behind one address: when set, each request goes to one of these at random
        # (as a load balancer would send it), instead of request_url.
        self.request_urls: list[str] = []
        self.bot_token = bot_token
        self.team_id = team_id
        self.team_domain = "sandbox"
        self.trigger_ttl = trigger_ttl
        self.request_timeout = 30.0

        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._last_us = 0

        self.users: dict[str, dict] = {}
        self.channels: dict[str, Channel] = {}
        self.ims: dict[str, Channel] = {}
        self._im_by_user: dict[str, str] = {}
        self._messages: dict[str, list[dict]] = {}
        self.ephemerals: list[dict] = []
        self.files: dict[str, dict] = {}
        self._uploads: dict[str, dict] = {}
        self.views: dict[str, dict] = {}
        self.closed_views: dict[str, dict] = {}
        self.view_errors: dict[str, dict] = {}
        self.home_tabs: dict[str, dict] = {}
        self._stacks: dict[str, list[str]] = {}
        self._triggers: dict[str, dict] = {}
        self.responses: list[dict] = []
        self._response_urls: dict[str, dict] = {}
        self._shown_ephemerals: dict[str, dict] = {}  # ts -> an ephemeral answer as its person sees it
        self.calls: list[Call] = []
        self._faults: dict[str, deque] = {}
        self._limits: dict[str, tuple[int, float, deque]] = {}
        self._lose: dict[str, int] = {}
        self._delays: dict[str, deque] = {}
        self._holds: dict[str, deque] = {}
        self.events_sent: list[dict] = []
        # Every request the fake finished answering (or dropped), in order: a Web API method name,
        # "response" (a POST to a response_url) or "upload". See HttpResult.served_before.
        self.served: list[str] = []
        # Called after each request sent to the bot has its answer (post_signed): the local world
        # waits there for the work the bot does after answering, so a test then sees its outcome.
        self.after_answer: Callable[[], None] | None = None
        self.usergroups: dict[str, dict] = {}  # id -> usergroup object (its members under "users")
        self.withheld_scopes: set[str] = set()  # see withhold_scope

        self.add_user(BOT_USER_ID, "sandbox-bot", "Sandbox Bot", is_bot=True)
        self.general = self.add_channel("general", bot_member=False)

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeSlack:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                fake._serve(self)

            def do_GET(self) -> None:  # noqa: N802
                fake._serve(self)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-slack", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeSlack is not started")
        return self._server.server_address[1]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The Web API base URL, for ``WebClient(base_url=...)``."""
        return f"{self.base}/api/"

    # ------------------------------------------------------------------ workspace setup

    def add_user(self, user_id: str, name: str, real_name: str | None = None, is_bot: bool = False) -> dict:
        real_name = real_name or name
        user = {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "real_name": real_name,
            "deleted": False,
            "is_bot": is_bot,
            "is_admin": False,
            "is_app_user": False,
            "tz": "UTC",
            "profile": {
                "real_name": real_name,
                "display_name": name,
                "real_name_normalized": real_name,
                "display_name_normalized": name,
                "team": self.team_id,
            },
        }
        if user_id == BOT_USER_ID:
            user["profile"]["bot_id"] = BOT_ID
        with self._lock:
            self.users[user_id] = user
            general = getattr(self, "general", None)
            if general is not None and not is_bot:
                general.members.add(user_id)
        return user

    def remove_user(self, user_id: str) -> dict:
        """The person is removed (deactivated) from the workspace, as an admin would.

        Afterwards, like Slack: ``users.info`` still answers ok with ``deleted: true``; they leave every
        channel (their DM with the bot stays, as Slack keeps it); ``conversations.invite`` of them
        answers ``user_is_inactive``. Chosen for the sandbox: ``chat.postMessage`` (and other writes)
        to their user id answer ``user_not_found``, and the human-side gestures (``slash_command``,
        ``click``, ``post_message_as``…) refuse to act as them with an AssertionError.
        """
        with self._lock:
            user = self.users.get(user_id)
            if user is None:
                raise AssertionError(f"unknown user {user_id!r}")
            if user_id == BOT_USER_ID:
                raise AssertionError("the bot cannot be removed from its own sandbox")
            user["deleted"] = True
            for channel in self.channels.values():
                channel.members.discard(user_id)
            return copy.deepcopy(user)

    def add_channel(
        self,
        name: str,
        is_private: bool = False,
        members: tuple[str, ...] | list[str] = (),
        bot_member: bool = True,
    ) -> Channel:
        """A channel that exists before the bot runs (created by a person)."""
        with self._lock:
            channel = Channel(
                id=_new_id("C"), name=name, is_private=is_private, creator=next(iter(members), "")
            )
            channel.members.update(members)
            if bot_member:
                channel.members.add(BOT_USER_ID)
            self.channels[channel.id] = channel
            self._messages[channel.id] = []
            return channel

    # ------------------------------------------------------------------ introspection

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def reset_calls(self) -> None:
        with self._lock:
            self.calls.clear()

    def channel_by_name(self, name: str) -> Channel | None:
        with self._lock:
            return next((c for c in self.channels.values() if c.name == name.lstrip("#")), None)

    def messages(self, channel_id: str, include_thread_replies: bool = True) -> list[dict]:
        with self._lock:
            result = self._messages.get(channel_id, [])
            if not include_thread_replies:
                result = [m for m in result if m.get("thread_ts") in (None, m["ts"])]
            return copy.deepcopy(result)

    def message(self, channel_id: str, ts: str) -> dict | None:
        with self._lock:
            found = self._find_message(channel_id, ts)
            return copy.deepcopy(found)

    def dms(self, user_id: str) -> list[dict]:
        with self._lock:
            dm = self._im_by_user.get(user_id)
            return self.messages(dm) if dm else []

    def ephemeral(self, user_id: str, ts: str) -> dict | None:
        """An ephemeral answer (to a command or a click) as user_id sees it now, replacements applied."""
        with self._lock:
            shown = self._shown_ephemerals.get(ts)
            return copy.deepcopy(shown) if shown is not None and shown["user"] == user_id else None

    def open_views(self, user_id: str) -> list[dict]:
        """The modal stack a person sees, bottom first."""
        with self._lock:
            return [copy.deepcopy(self.views[v]) for v in self._stacks.get(user_id, [])]

    # ------------------------------------------------------------------ fault injection

    def fail_next(
        self,
        method: str,
        error: str = "internal_error",
        status: int = 200,
        times: int = 1,
        retry_after: float | None = None,
    ) -> None:
        with self._lock:
            queue = self._faults.setdefault(method, deque())
            for _ in range(times):
                queue.append({"error": error, "status": status, "retry_after": retry_after})

    def rate_limit(self, method: str, calls: int, per_seconds: float) -> None:
        """At most ``calls`` calls of ``method`` per sliding ``per_seconds`` window; beyond that the
        fake answers 429 ``ratelimited`` with ``Retry-After: max(1, ceil(wait))`` whole seconds."""
        with self._lock:
            self._limits[method] = (calls, per_seconds, deque())

    def lose_response_next(self, method: str, times: int = 1) -> None:
        """The next ``times`` requests to ``method`` are performed (state changes, and a Web API call
        is recorded in ``.calls`` with ``lost=True``) but the fake then closes the connection without
        answering, so the client sees ``RemoteDisconnected`` / a connection error.

        ``method`` is a Web API method name, or ``"upload"`` for the POST to a ``files.getUploadURLExternal``
        upload URL (the upload is stored; uploads never appear in ``.calls``).
        """
        with self._lock:
            self._lose[method] = self._lose.get(method, 0) + times

    def delay_next(self, method: str, seconds: float, times: int = 1) -> None:
        """The next ``times`` requests to ``method`` (or ``"upload"``, or ``"response"`` for a POST to a
        response_url) are performed at once, then the
        fake waits ``seconds`` before answering (so a client with a shorter timeout gives up on a call
        that did happen). Combined with ``lose_response_next`` it waits, then drops the connection."""
        with self._lock:
            queue = self._delays.setdefault(method, deque())
            queue.extend([float(seconds)] * times)

    def hold_next(self, method: str, limit: float = 120.0) -> Hold:
        """The next request to ``method`` (or ``"upload"``, ``"response"``) is performed at once, and
        its answer held back until the returned Hold is released (or ``limit`` seconds pass): a
        Slack call that hangs for as long as a test needs, without a timed sleep."""
        hold = Hold(limit)
        with self._lock:
            self._holds.setdefault(method, deque()).append(hold)
        return hold

    def faults_pending(self) -> int:
        """How many injected one-shot faults (``fail_next``, ``lose_response_next``, ``delay_next``)
        have not fired yet. ``rate_limit`` is standing, not one-shot, and is not counted."""
        with self._lock:
            return (
                sum(len(q) for q in self._faults.values())
                + sum(self._lose.values())
                + sum(len(q) for q in self._delays.values())
            )

    def calls_inside_retry_after(self, method: str) -> list[Call]:
        """Calls to ``method`` made after a 429 of ``method`` and before that 429's Retry-After elapsed.

        Times are when the fake performed each call (``Call.at``); a client that honours Retry-After
        (and shares it across threads) leaves this empty.
        """
        with self._lock:
            calls = [c for c in self.calls if c.method == method]
        inside: dict[int, Call] = {}
        for limited in calls:
            if limited.status != 429 or limited.retry_after is None:
                continue
            until = limited.at + limited.retry_after
            for call in calls:
                if limited.at < call.at < until:
                    inside[id(call)] = call
        return sorted(inside.values(), key=lambda c: c.at)

    def _take_transport_faults(self, name: str) -> tuple[bool, float]:
        with self._lock:
            lose = self._lose.get(name, 0) > 0
            if lose:
                self._lose[name] -= 1
                if not self._lose[name]:
                    del self._lose[name]
            queue = self._delays.get(name)
            delay = queue.popleft() if queue else 0.0
            if queue is not None and not queue:
                del self._delays[name]
            return lose, delay

    # ------------------------------------------------------------------ HTTP plumbing

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        parsed = urllib.parse.urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        path = parsed.path
        status, headers, payload = 404, {}, b'{"ok":false,"error":"not_found"}'
        content_type = "application/json; charset=utf-8"
        fault_name = None
        if handler.command == "POST" and path.startswith("/api/"):
            fault_name = path[len("/api/") :]
        elif handler.command == "POST" and path.startswith("/upload/"):
            fault_name = "upload"
        elif handler.command == "POST" and path.startswith("/response/"):
            fault_name = "response"
        elif handler.command == "GET" and path.startswith("/files/"):
            fault_name = "file"  # a download of a file's url_private (see sandbox.files)
        lose, delay = self._take_transport_faults(fault_name) if fault_name else (False, 0.0)
        if path.startswith("/api/") and handler.command == "POST":
            status, headers, response = self._api_request(
                path[len("/api/") :], parsed.query, body, handler.headers, lost=lose
            )
            payload = json.dumps(response).encode()
        elif path.startswith("/upload/") and handler.command == "POST":
            status, text = self._receive_upload(path[len("/upload/") :], body)
            payload, content_type = text.encode(), "text/plain; charset=utf-8"
        elif path.startswith("/response/") and handler.command == "POST":
            status, text = self._receive_response(path[len("/response/") :], body, handler.headers)
            payload, content_type = text.encode(), "text/plain; charset=utf-8"
        elif path.startswith("/files/") and handler.command == "GET":
            status, content, content_type = self._serve_file(path[len("/files/") :], handler.headers)
            payload = content
        with self._lock:
            holds = self._holds.get(fault_name or "")
            hold = holds.popleft() if holds else None
        if hold is not None:
            hold._hold()
        if delay > 0:
            time.sleep(delay)
        self._served(fault_name)  # before the answer leaves: whoever reads it, reads it after this
        if lose:
            handler.close_connection = True  # performed, never answered: the client sees a disconnect
            return
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(payload)))
            for key, value in headers.items():
                handler.send_header(key, value)
            handler.end_headers()
            handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            handler.close_connection = True  # the client gave up waiting (e.g. after delay_next)

    def _served(self, name: str | None) -> None:
        if name is not None:
            with self._lock:
                self.served.append(name)

    def _api_request(
        self, method: str, query: str, body: bytes, headers: Any, lost: bool = False
    ) -> tuple[int, dict, dict]:
        params: dict[str, Any] = {}
        status, out_headers, response = self._api_answer(method, params, query, body, headers)
        return self._record(method, params, status, out_headers, response, lost=lost)

    def _api_answer(
        self, method: str, params: dict, query: str, body: bytes, headers: Any
    ) -> tuple[int, dict, dict]:
        params.update({k: v[-1] for k, v in urllib.parse.parse_qs(query, keep_blank_values=True).items()})
        ctype = (headers.get("Content-Type") or "").lower()
        text = body.decode("utf-8", errors="replace")
        if "application/json" in ctype and text.strip():
            try:
                loaded = json.loads(text)
            except ValueError:
                loaded = None
            if not isinstance(loaded, dict):
                return (200, {}, {"ok": False, "error": "invalid_json"})
            params.update(loaded)
        elif text:
            params.update({k: v[-1] for k, v in urllib.parse.parse_qs(text, keep_blank_values=True).items()})
        auth = headers.get("Authorization") or ""
        token = auth[len("Bearer ") :].strip() if auth.startswith("Bearer ") else params.pop("token", None)
        params.pop("token", None)
        with self._lock:
            fault = self._take_fault(method)
        if fault is not None:
            return fault
        if not token:
            return (200, {}, {"ok": False, "error": "not_authed"})
        if token != self.bot_token:
            return (200, {}, {"ok": False, "error": "invalid_auth"})
        handler = getattr(self, "_api_" + method.replace(".", "_"), None)
        if handler is None:
            return (200, {}, {"ok": False, "error": "unknown_method"})
        try:
            with self._lock:
                response = {"ok": True, **handler(params)}
        except _ApiError as exc:
            response = {"ok": False, "error": exc.error, **exc.extra}
        return (200, {}, response)

    def _take_fault(self, method: str) -> tuple[int, dict, dict] | None:
        limit = self._limits.get(method)
        if limit is not None:
            calls, per, stamps = limit
            now = time.monotonic()
            while stamps and stamps[0] <= now - per:
                stamps.popleft()
            if len(stamps) >= calls:
                wait = max(1, math.ceil(stamps[0] + per - now))
                return 429, {"Retry-After": str(wait)}, {"ok": False, "error": "ratelimited"}
            stamps.append(now)
        queue = self._faults.get(method)
        if queue:
            fault = queue.popleft()
            if fault["retry_after"] is not None:
                error = "ratelimited" if fault["error"] == "internal_error" else fault["error"]
                headers = {"Retry-After": str(max(0, math.ceil(fault["retry_after"])))}
                return 429, headers, {"ok": False, "error": error}
            return fault["status"], {}, {"ok": False, "error": fault["error"]}
        return None

    def _record(
        self, method: str, params: dict, status: int, headers: dict, response: dict, lost: bool = False
    ) -> tuple[int, dict, dict]:
        retry_after = None
        if status == 429 and headers.get("Retry-After") is not None:
            retry_after = float(headers["Retry-After"])
        with self._lock:
            self.calls.append(Call(method, params, response, status, time.time(), retry_after, lost))
        return status, headers, response

    # ------------------------------------------------------------------ state helpers

    def _next_ts(self) -> str:
        with self._lock:
            micros = max(time.time_ns() // 1000, self._last_us + 1)
            self._last_us = micros
            return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _conversation(self, channel_id: str | None) -> Channel | None:
        if not channel_id:
            return None
        return self.channels.get(channel_id) or self.ims.get(channel_id)

    def _bot_channel(self, channel_id: str | None, write: bool = True) -> Channel:
        """The channel as the bot may use it, with Slack's errors for what it may not."""
        if channel_id and channel_id in self.users:
            if self.users[channel_id].get("deleted"):
                raise _ApiError("user_not_found")
            return self._open_im(channel_id)
        channel = self._conversation(channel_id)
        if channel is None:
            raise _ApiError("channel_not_found")
        if BOT_USER_ID not in channel.members:
            if channel.is_private:
                raise _ApiError("channel_not_found")
            if write:
                raise _ApiError("not_in_channel")
        if write and channel.archived:
            raise _ApiError("is_archived")
        return channel

    def _open_im(self, user_id: str) -> Channel:
        dm_id = self._im_by_user.get(user_id)
        if dm_id is None:
            dm_id = _new_id("D")
            channel = Channel(id=dm_id, name=user_id, is_private=True, is_im=True, im_user=user_id)
            channel.members.update({user_id, BOT_USER_ID})
            self.ims[dm_id] = channel
            self._messages[dm_id] = []
            self._im_by_user[user_id] = dm_id
        return self.ims[dm_id]

    def _find_message(self, channel_id: str, ts: str | None) -> dict | None:
        return next((m for m in self._messages.get(channel_id, []) if m["ts"] == ts), None)

    def _append_message(self, channel: Channel, message: dict) -> dict:
        message.setdefault("type", "message")
        message.setdefault("reactions", {})
        message.setdefault("edited", None)
        message.setdefault("files", [])
        message.setdefault("blocks", [])
        message.setdefault("thread_ts", None)
        self._messages.setdefault(channel.id, []).append(message)
        parent_ts = message.get("thread_ts")
        if parent_ts and parent_ts != message["ts"]:
            parent = self._find_message(channel.id, parent_ts)
            if parent is not None:
                parent["thread_ts"] = parent["ts"]
                parent["reply_count"] = parent.get("reply_count", 0) + 1
                users = parent.setdefault("reply_users", [])
                author = message.get("user")
                if author and author not in users:
                    users.append(author)
                parent["latest_reply"] = message["ts"]
        return message

    def _public_message(self, message: dict, include_metadata: bool = False) -> dict:
        out = copy.deepcopy(message)
        out["team"] = self.team_id
        if not include_metadata or out.get("metadata") is None:
            out.pop("metadata", None)
        reactions = out.pop("reactions", {}) or {}
        if reactions:
            out["reactions"] = [{"name": n, "users": u, "count": len(u)} for n, u in reactions.items() if u]
        if not out.get("edited"):
            out.pop("edited", None)
        if not out.get("files"):
            out.pop("files", None)
        if out.get("thread_ts") is None:
            out.pop("thread_ts", None)
        return out

    def _channel_object(self, channel: Channel) -> dict:
        if channel.is_im:
            return {
                "id": channel.id,
                "is_im": True,
                "user": channel.im_user,
                "created": channel.created,
                "is_open": True,
            }
        return {
            "id": channel.id,
            "name": channel.name,
            "name_normalized": channel.name,
            "is_channel": True,
            "is_group": False,
            "is_im": False,
            "is_private": channel.is_private,
            "is_archived": channel.archived,
            "is_general": channel.name == "general",
            "is_member": BOT_USER_ID in channel.members,
            "created": channel.created,
            "creator": channel.creator,
            "context_team_id": self.team_id,
            "topic": {"value": channel.topic, "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
            "num_members": len(channel.members),
        }

    def _check_blocks(self, params: dict, limit: int = _blocks.MESSAGE_BLOCKS_MAX) -> list[dict] | None:
        if params.get("blocks") in (None, ""):
            return None
        blocks = _as_json(params["blocks"])
        problems = _blocks.validate_blocks(blocks, limit, "/blocks")
        if problems:
            raise _ApiError("invalid_blocks", errors=problems, **_messages_extra(problems))
        return blocks

    def _issue_trigger(self, user_id: str) -> str:
        trigger = f"{secrets.randbelow(10**7)}.{secrets.randbelow(10**13)}.{secrets.token_hex(16)}"
        with self._lock:
            self._triggers[trigger] = {"user": user_id, "at": time.monotonic(), "used": False}
        return trigger

    def _use_trigger(self, trigger_id: Any) -> str:
        record = self._triggers.get(str(trigger_id or ""))
        if not trigger_id or not _TRIGGER_RE.match(str(trigger_id)) or record is None:
            raise _ApiError("invalid_trigger_id")
        if record["used"]:
            raise _ApiError("exchanged_trigger_id")
        if time.monotonic() - record["at"] > self.trigger_ttl:
            raise _ApiError("expired_trigger_id")
        record["used"] = True
        return record["user"]

    # ------------------------------------------------------------------ auth / users

    def _api_auth_test(self, params: dict) -> dict:
        return {
            "url": f"https://{self.team_domain}.slack.com/",
            "team": "Sandbox",
            "user": "sandbox-bot",
            "team_id": self.team_id,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _api_users_info(self, params: dict) -> dict:
        user = self.users.get(str(params.get("user") or ""))
        if user is None:
            raise _ApiError("user_not_found")
        return {"user": copy.deepcopy(user)}

    # ------------------------------------------------------------------ user groups

    # The scope each user-group method needs (the sandbox checks scopes only where withhold_scope asks).
    _USERGROUP_SCOPES = {"usergroups.list": "usergroups:read", "usergroups.users.list": "usergroups:read"}

    def add_usergroup(self, handle: str, name: str | None = None, members: list[str] | tuple = ()) -> dict:
        """A user group (``@handle``), as a workspace admin creates it; its id starts with S."""
        with self._lock:
            if any(g["handle"] == handle for g in self.usergroups.values()):
                raise AssertionError(f"a user group @{handle} exists already")
            now = int(time.time())
            group = {
                "id": _new_id("S"),
                "team_id": self.team_id,
                "is_usergroup": True,
                "is_subteam": True,
                "name": name or handle,
                "description": "",
                "handle": handle,
                "is_external": False,
                "date_create": now,
                "date_update": now,
                "date_delete": 0,
                "auto_type": None,
                "created_by": next(iter(u for u in self.users if u != BOT_USER_ID), BOT_USER_ID),
                "updated_by": BOT_USER_ID,
                "deleted_by": None,
                "prefs": {"channels": [], "groups": []},
                "users": [],
            }
            self.usergroups[group["id"]] = group
            self.set_usergroup_members(group["id"], members)
            return copy.deepcopy(group)

    def set_usergroup_members(self, usergroup_id: str, members: list[str] | tuple) -> None:
        """Replace the group's members (people join and leave it in Slack)."""
        with self._lock:
            group = self.usergroups.get(usergroup_id)
            if group is None:
                raise AssertionError(f"unknown user group {usergroup_id!r}")
            unknown = [u for u in members if u not in self.users]
            if unknown:
                raise AssertionError(f"not in the workspace: {unknown}")
            group["users"] = list(dict.fromkeys(members))
            group["date_update"] = int(time.time())

    def withhold_scope(self, scope: str) -> None:
        """The app was installed without ``scope``: the user-group methods that need it answer
        ``missing_scope`` (with ``needed`` and ``provided``), as Slack does."""
        with self._lock:
            self.withheld_scopes.add(scope)

    def _require_scope(self, method: str) -> None:
        needed = self._USERGROUP_SCOPES[method]
        if needed in self.withheld_scopes:
            raise _ApiError("missing_scope", needed=needed, provided="commands,chat:write")

    def _api_usergroups_list(self, params: dict) -> dict:
        self._require_scope("usergroups.list")
        out = []
        for group in self.usergroups.values():
            if group["date_delete"] and not _as_bool(params.get("include_disabled")):
                continue
            shown = copy.deepcopy(group)
            users = shown.pop("users")
            if _as_bool(params.get("include_users")):
                shown["users"] = users
            if _as_bool(params.get("include_count")):
                shown["user_count"] = len(users)
            out.append(shown)
        return {"usergroups": out}

    def _api_usergroups_users_list(self, params: dict) -> dict:
        self._require_scope("usergroups.users.list")
        usergroup = str(params.get("usergroup") or "")
        if not usergroup:
            raise _ApiError("invalid_arguments", **_messages_extra(["missing required field: usergroup"]))
        group = self.usergroups.get(usergroup)
        if group is None:
            raise _ApiError("no_such_subteam")
        return {"users": list(group["users"])}

    # ------------------------------------------------------------------ conversations

    def _api_conversations_create(self, params: dict) -> dict:
        name = str(params.get("name") or "")
        if not name:
            raise _ApiError("invalid_name_required")
        if len(name) > 80:
            raise _ApiError("invalid_name_maxlength")
        if _NAME_BAD.search(name) or not _NAME_OK.match(name):
            raise _ApiError("invalid_name_specials")
        if not re.search(r"[a-z0-9]", name):
            raise _ApiError("invalid_name_punctuation")
        if any(c.name == name for c in self.channels.values()):
            raise _ApiError("name_taken")
        channel = Channel(id=_new_id("C"), name=name, is_private=_as_bool(params.get("is_private")))
        channel.members.add(BOT_USER_ID)
        self.channels[channel.id] = channel
        self._messages[channel.id] = []
        return {"channel": self._channel_object(channel)}

    def _api_conversations_invite(self, params: dict) -> dict:
        channel = self._conversation(params.get("channel"))
        if channel is None or (channel.is_private and BOT_USER_ID not in channel.members):
            raise _ApiError("channel_not_found")
        if channel.archived:
            raise _ApiError("is_archived")
        if BOT_USER_ID not in channel.members:
            raise _ApiError("not_in_channel")
        users = _as_list(params.get("users"))
        if not users:
            raise _ApiError("no_user")
        if len(users) > 100:
            raise _ApiError("too_many_users")
        if BOT_USER_ID in users:
            raise _ApiError("cant_invite_self")
        unknown = [u for u in users if u not in self.users]
        if unknown:
            raise _ApiError(
                "user_not_found",
                errors=[{"user": u, "ok": False, "error": "user_not_found"} for u in unknown],
            )
        inactive = [u for u in users if self.users[u].get("deleted")]
        if inactive:
            raise _ApiError(
                "user_is_inactive",
                errors=[{"user": u, "ok": False, "error": "user_is_inactive"} for u in inactive],
            )
        new = [u for u in users if u not in channel.members]
        if not new:
            raise _ApiError("already_in_channel")
        channel.members.update(new)
        return {"channel": self._channel_object(channel)}

    def _api_conversations_kick(self, params: dict) -> dict:
        channel = self._conversation(params.get("channel"))
        if channel is None or channel.is_im or (channel.is_private and BOT_USER_ID not in channel.members):
            raise _ApiError("channel_not_found")
        if channel.archived:
            raise _ApiError("is_archived")
        if channel.name == "general":
            raise _ApiError("cant_kick_from_general")
        user = str(params.get("user") or "")
        if user not in self.users:
            raise _ApiError("user_not_found")
        if user == BOT_USER_ID:
            raise _ApiError("cant_kick_self")
        if user not in channel.members:
            raise _ApiError("not_in_channel")
        channel.members.discard(user)
        return {}

    def _api_conversations_info(self, params: dict) -> dict:
        channel = self._bot_channel(params.get("channel"), write=False)
        return {"channel": self._channel_object(channel)}

    def _api_conversations_members(self, params: dict) -> dict:
        channel = self._bot_channel(params.get("channel"), write=False)
        return {"members": sorted(channel.members), "response_metadata": {"next_cursor": ""}}

    def _api_conversations_setTopic(self, params: dict) -> dict:  # noqa: N802
        channel = self._bot_channel(params.get("channel"))
        topic = str(params.get("topic") or "")
        if len(topic) > 250:
            raise _ApiError("too_long")
        channel.topic = topic
        return {"channel": self._channel_object(channel)}

    def _api_conversations_archive(self, params: dict) -> dict:
        channel = self._conversation(params.get("channel"))
        if channel is None or channel.is_im or (channel.is_private and BOT_USER_ID not in channel.members):
            raise _ApiError("channel_not_found")
        if channel.archived:
            raise _ApiError("already_archived")
        if channel.name == "general":
            raise _ApiError("cant_archive_general")
        if BOT_USER_ID not in channel.members:
            raise _ApiError("not_in_channel")
        channel.archived = True
        return {}

    def _api_conversations_open(self, params: dict) -> dict:
        if params.get("channel"):
            channel = self._conversation(params["channel"])
            if channel is None:
                raise _ApiError("channel_not_found")
            return {"channel": {"id": channel.id}}
        users = _as_list(params.get("users"))
        if not users:
            raise _ApiError("users_list_not_supplied")
        if len(users) != 1:
            raise _ApiError("not_supported", detail="the sandbox opens one-person DMs only")
        if users[0] not in self.users:
            raise _ApiError("user_not_found")
        channel = self._open_im(users[0])
        if _as_bool(params.get("return_im")):
            return {"channel": self._channel_object(channel)}
        return {"channel": {"id": channel.id}}

    _LIST_TYPES = frozenset({"public_channel", "private_channel", "mpim", "im"})

    def _api_conversations_list(self, params: dict) -> dict:
        """What a bot token sees: every public channel, private ones it is in, its DMs (``im``)."""
        types = set(_as_list(params.get("types")) or ["public_channel"])
        if not types <= self._LIST_TYPES:
            raise _ApiError("invalid_types")
        limit = _as_limit(params.get("limit"))
        exclude_archived = _as_bool(params.get("exclude_archived"))
        visible = []
        for channel in self.channels.values():
            if channel.is_private:
                if "private_channel" not in types or BOT_USER_ID not in channel.members:
                    continue
            elif "public_channel" not in types:
                continue
            if exclude_archived and channel.archived:
                continue
            visible.append(channel)
        if "im" in types:
            visible.extend(self.ims.values())
        start = 0
        if params.get("cursor"):
            after = _from_cursor("team", params["cursor"])
            ids = [c.id for c in visible]
            if after not in ids:
                raise _ApiError("invalid_cursor")
            start = ids.index(after)
        page = visible[start : start + limit]
        rest = visible[start + limit :]
        return {
            "channels": [self._channel_object(c) for c in page],
            "response_metadata": {"next_cursor": _cursor("team", rest[0].id) if rest else ""},
        }

    def _api_conversations_history(self, params: dict) -> dict:
        """Top-level messages newest first within (oldest, latest) (inclusive with ``inclusive``);
        ``metadata`` only with ``include_all_metadata``, like Slack."""
        channel = self._bot_channel(params.get("channel"), write=False)
        if BOT_USER_ID not in channel.members:
            raise _ApiError("not_in_channel")
        oldest = _as_ts(params.get("oldest"), 0.0)
        latest = _as_ts(params.get("latest"), math.inf)
        inclusive = _as_bool(params.get("inclusive"))
        if params.get("cursor"):
            latest, inclusive = _as_ts(_from_cursor("next_ts", params["cursor"]), math.inf), True
        limit = _as_limit(params.get("limit"), most=999)
        with_metadata = _as_bool(params.get("include_all_metadata"))

        def in_range(m: dict) -> bool:
            ts = float(m["ts"])
            if inclusive:
                return oldest <= ts <= latest
            return oldest < ts < latest

        top = [m for m in self._messages[channel.id] if m.get("thread_ts") in (None, m["ts"]) and in_range(m)]
        newest_first = list(reversed(top))
        page, rest = newest_first[:limit], newest_first[limit:]
        return {
            "messages": [self._public_message(m, include_metadata=with_metadata) for m in page],
            "has_more": bool(rest),
            "pin_count": len(channel.pins),
            "response_metadata": {"next_cursor": _cursor("next_ts", rest[0]["ts"]) if rest else ""},
        }

    def _api_conversations_replies(self, params: dict) -> dict:
        channel = self._bot_channel(params.get("channel"), write=False)
        if BOT_USER_ID not in channel.members:
            raise _ApiError("not_in_channel")
        ts = params.get("ts")
        parent = self._find_message(channel.id, ts)
        if parent is None:
            raise _ApiError("thread_not_found")
        thread = [parent] + [
            m for m in self._messages[channel.id] if m.get("thread_ts") == ts and m is not parent
        ]
        with_metadata = _as_bool(params.get("include_all_metadata"))
        return {
            "messages": [self._public_message(m, include_metadata=with_metadata) for m in thread],
            "has_more": False,
            "response_metadata": {"next_cursor": ""},
        }

    # ------------------------------------------------------------------ chat

    def _api_chat_postMessage(self, params: dict) -> dict:  # noqa: N802
        channel = self._bot_channel(params.get("channel"))
        blocks = self._check_blocks(params)
        text = params.get("text")
        if not text and not blocks and not params.get("attachments"):
            raise _ApiError("no_text")
        metadata = _as_metadata(params.get("metadata"))
        thread_ts = params.get("thread_ts") or None
        if thread_ts and self._find_message(channel.id, thread_ts) is None:
            thread_ts = None  # Slack posts to the channel when the parent doesn't exist
        message = {
            "ts": self._next_ts(),
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "text": text or "",
            "blocks": blocks or [],
        }
        if thread_ts:
            message["thread_ts"] = thread_ts
        if metadata is not None:
            message["metadata"] = metadata
        self._append_message(channel, message)
        return {"channel": channel.id, "ts": message["ts"], "message": self._public_message(message)}

    def _api_chat_update(self, params: dict) -> dict:
        channel = self._bot_channel(params.get("channel"))
        message = self._find_message(channel.id, params.get("ts"))
        if message is None:
            raise _ApiError("message_not_found")
        if message.get("bot_id") != BOT_ID:
            raise _ApiError("cant_update_message")
        blocks = self._check_blocks(params)
        metadata = _as_metadata(params.get("metadata"))
        if metadata is not None:
            message["metadata"] = metadata  # replaced when given, kept otherwise
        if "text" in params and params["text"] is not None:
            message["text"] = params["text"]
        if blocks is not None:
            message["blocks"] = blocks
        message["edited"] = {"user": BOT_USER_ID, "ts": self._next_ts()}
        return {
            "channel": channel.id,
            "ts": message["ts"],
            "text": message["text"],
            "message": self._public_message(message),
        }

    def _api_chat_postEphemeral(self, params: dict) -> dict:  # noqa: N802
        channel = self._bot_channel(params.get("channel"))
        user = str(params.get("user") or "")
        if user not in self.users:
            raise _ApiError("user_not_found")
        if user not in channel.members:
            raise _ApiError("user_not_in_channel")
        blocks = self._check_blocks(params)
        if not params.get("text") and not blocks:
            raise _ApiError("no_text")
        ts = self._next_ts()
        self.ephemerals.append(
            {
                "channel": channel.id,
                "user": user,
                "text": params.get("text") or "",
                "blocks": blocks or [],
                "thread_ts": params.get("thread_ts"),
                "ts": ts,
            }
        )
        return {"message_ts": ts}

    def _api_pins_add(self, params: dict) -> dict:
        channel = self._bot_channel(params.get("channel"))
        message = self._find_message(channel.id, params.get("timestamp"))
        if message is None:
            raise _ApiError("message_not_found")
        if message["ts"] in channel.pins:
            raise _ApiError("already_pinned")
        channel.pins.append(message["ts"])
        message["pinned_to"] = [channel.id]
        return {}

    def _api_reactions_add(self, params: dict) -> dict:
        channel = self._bot_channel(params.get("channel"))
        message = self._find_message(channel.id, params.get("timestamp"))
        if message is None:
            raise _ApiError("message_not_found")
        name = str(params.get("name") or "").strip(":")
        if not name:
            raise _ApiError("invalid_name")
        users = message["reactions"].setdefault(name, [])
        if BOT_USER_ID in users:
            raise _ApiError("already_reacted")
        users.append(BOT_USER_ID)
        return {}

    # ------------------------------------------------------------------ views

    def _prepare_view(self, raw: Any) -> dict:
        if raw in (None, ""):
            raise _ApiError("invalid_arguments", **_messages_extra(["missing required field: view"]))
        view = _as_json(raw)
        problems = _blocks.validate_view(view)
        if problems:
            raise _ApiError("invalid_arguments", **_messages_extra(problems))
        view = copy.deepcopy(view)
        view["blocks"] = _blocks.assign_ids(view.get("blocks") or [], lambda: _new_id("", 5))
        return view

    def _new_hash(self) -> str:
        return f"{time.time():.6f}.{_new_id('', 8)}"

    def _store_view(
        self,
        view: dict,
        user: str,
        root: str | None = None,
        previous: str | None = None,
        view_id: str | None = None,
    ) -> dict:
        view_id = view_id or _new_id("V")
        if view.get("external_id"):
            clash = [v for v in self.views.values() if v.get("external_id") == view["external_id"]]
            if any(v["id"] != view_id for v in clash):
                raise _ApiError("duplicate_external_id")
        stored = {
            "id": view_id,
            "team_id": self.team_id,
            "type": view.get("type", "modal"),
            "blocks": view["blocks"],
            "private_metadata": view.get("private_metadata", "") or "",
            "callback_id": view.get("callback_id", "") or "",
            "state": _blocks.build_state(view["blocks"]),
            "hash": self._new_hash(),
            "title": view.get("title"),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "close": view.get("close"),
            "submit": view.get("submit"),
            "previous_view_id": previous,
            "root_view_id": root or view_id,
            "app_id": APP_ID,
            "external_id": view.get("external_id", "") or "",
            "app_installed_team_id": self.team_id,
            "bot_id": BOT_ID,
            "user": user,
        }
        self.views[view_id] = stored
        return stored

    def _replace_view(self, stored: dict, view: dict) -> dict:
        previous_state = stored["state"]
        for key in ("private_metadata", "callback_id", "external_id"):
            stored[key] = view.get(key, "") or ""
        for key in ("title", "close", "submit"):
            stored[key] = view.get(key)
        stored["type"] = view.get("type", stored["type"])
        stored["clear_on_close"] = bool(view.get("clear_on_close", False))
        stored["notify_on_close"] = bool(view.get("notify_on_close", False))
        stored["blocks"] = view["blocks"]
        stored["state"] = _blocks.build_state(view["blocks"], previous_state)
        stored["hash"] = self._new_hash()
        self.view_errors.pop(stored["id"], None)
        return stored

    @staticmethod
    def _public_view(stored: dict) -> dict:
        out = copy.deepcopy(stored)
        out.pop("user", None)
        return out

    def _close_stack(self, user: str, from_index: int = 0) -> None:
        stack = self._stacks.get(user, [])
        for view_id in stack[from_index:]:
            view = self.views.pop(view_id, None)
            if view is not None:
                self.closed_views[view_id] = view
        del stack[from_index:]

    def _api_views_open(self, params: dict) -> dict:
        user = self._use_trigger(params.get("trigger_id"))
        view = self._prepare_view(params.get("view"))
        if view.get("type") != "modal":
            raise _ApiError(
                "invalid_arguments", **_messages_extra(["must be modal [json-pointer:/view/type]"])
            )
        self._close_stack(user)
        stored = self._store_view(view, user)
        self._stacks[user] = [stored["id"]]
        return {"view": self._public_view(stored)}

    def _api_views_push(self, params: dict) -> dict:
        user = self._use_trigger(params.get("trigger_id"))
        view = self._prepare_view(params.get("view"))
        stack = self._stacks.setdefault(user, [])
        if len(stack) >= 3:
            raise _ApiError("push_limit_reached")
        stored = self._store_view(
            view, user, root=stack[0] if stack else None, previous=stack[-1] if stack else None
        )
        stack.append(stored["id"])
        return {"view": self._public_view(stored)}

    def _api_views_update(self, params: dict) -> dict:
        view_id, external_id = params.get("view_id"), params.get("external_id")
        if view_id:
            stored = self.views.get(view_id)
        elif external_id:
            stored = next((v for v in self.views.values() if v.get("external_id") == external_id), None)
        else:
            raise _ApiError("invalid_arguments", **_messages_extra(["view_id or external_id is required"]))
        if stored is None:
            raise _ApiError("not_found")
        view = self._prepare_view(params.get("view"))
        if params.get("hash") and params["hash"] != stored["hash"]:
            raise _ApiError("hash_conflict")
        return {"view": self._public_view(self._replace_view(stored, view))}

    def _api_views_publish(self, params: dict) -> dict:
        user = str(params.get("user_id") or "")
        if user not in self.users:
            raise _ApiError("user_not_found")
        view = self._prepare_view(params.get("view"))
        if view.get("type") != "home":
            raise _ApiError(
                "invalid_arguments", **_messages_extra(["must be home [json-pointer:/view/type]"])
            )
        current = self.home_tabs.get(user)
        if current is not None:
            if params.get("hash") and params["hash"] != current["hash"]:
                raise _ApiError("hash_conflict")
            stored = self._replace_view(current, view)
        else:
            stored = self._store_view(view, user)
            self.home_tabs[user] = stored
        return {"view": self._public_view(stored)}

    # ------------------------------------------------------------------ files

    def _file_object(self, file: dict, with_shares: bool = True) -> dict:
        out = {k: copy.deepcopy(v) for k, v in file.items() if k not in {"content", "shared_to"}}
        channels = file.get("shared_to", []) if with_shares else []
        out["channels"] = [c for c in channels if c in self.channels and not self.channels[c].is_private]
        out["groups"] = [c for c in channels if c in self.channels and self.channels[c].is_private]
        out["ims"] = [c for c in channels if c in self.ims]
        out["shares"] = (
            {} if not channels else {"public" if c in out["channels"] else "private": {} for c in channels}
        )
        return out

    def _make_file(
        self, name: str, content: bytes, user: str, title: str | None = None, file_id: str | None = None
    ) -> dict:
        file_id = file_id or _new_id("F")
        ext = name.rsplit(".", 1)[-1].lower() if "." in name else "binary"
        mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
        url = f"{self.base}/files/{file_id}/{urllib.parse.quote(name)}"
        file = {
            "id": file_id,
            "created": int(time.time()),
            "timestamp": int(time.time()),
            "name": name,
            "title": title or name,
            "mimetype": mimetype,
            "filetype": ext,
            "pretty_type": ext.upper(),
            "user": user,
            "user_team": self.team_id,
            "size": len(content),
            "mode": "hosted",
            "is_external": False,
            "is_public": False,
            "url_private": url,
            "url_private_download": url + "?download=1",
            "permalink": f"https://{self.team_domain}.slack.com/files/{user}/{file_id}/{name}",
            "sha256": hashlib.sha256(content).hexdigest(),
            "content": content,
            "shared_to": [],
        }
        self.files[file_id] = file
        return file

    def _api_files_getUploadURLExternal(self, params: dict) -> dict:  # noqa: N802
        filename = str(params.get("filename") or "")
        try:
            length = int(params.get("length") or 0)
        except (TypeError, ValueError):
            length = 0
        if not filename or length <= 0:
            raise _ApiError("missing_argument")
        if len(str(params.get("alt_txt") or "")) > 1000:
            raise _ApiError("alt_txt_too_large")
        ticket = secrets.token_urlsafe(16)
        file_id = _new_id("F")
        self._uploads[ticket] = {"file_id": file_id, "filename": filename, "length": length, "content": None}
        return {"upload_url": f"{self.base}/upload/{ticket}", "file_id": file_id}

    def _receive_upload(self, ticket: str, body: bytes) -> tuple[int, str]:
        with self._lock:
            upload = self._uploads.get(ticket)
            if upload is None:
                return 404, "Not Found"
            upload["content"] = body
            return 200, f"OK - {len(body)}"

    def _api_files_completeUploadExternal(self, params: dict) -> dict:  # noqa: N802
        items = _as_json(params.get("files") or "[]")
        if not isinstance(items, list) or not items:
            raise _ApiError("invalid_arguments", **_messages_extra(["files must be a non-empty list"]))
        by_id = {u["file_id"]: u for u in self._uploads.values()}
        uploads = []
        for item in items:
            upload = by_id.get(item.get("id"))
            if upload is None or upload["content"] is None:
                raise _ApiError("file_not_found")
            uploads.append((upload, item))
        channel_ids = _as_list(params.get("channel_id")) + _as_list(params.get("channels"))
        if len(channel_ids) > 100:
            raise _ApiError("channels_limit_exceeded")
        channels = [self._bot_channel(c) for c in dict.fromkeys(channel_ids)]
        thread_ts = params.get("thread_ts") or None
        if thread_ts and len(channels) != 1:
            raise _ApiError("invalid_arguments", **_messages_extra(["thread_ts needs exactly one channel"]))
        files = []
        for upload, item in uploads:
            file = self._make_file(
                upload["filename"], upload["content"], BOT_USER_ID, item.get("title"), upload["file_id"]
            )
            self._uploads = {k: v for k, v in self._uploads.items() if v is not upload}
            files.append(file)
        for channel in channels:
            message = {
                "ts": self._next_ts(),
                "user": BOT_USER_ID,
                "bot_id": BOT_ID,
                "upload": True,
                "text": params.get("initial_comment") or "",
                "files": [{k: f[k] for k in ("id", "name", "title", "mimetype", "size")} for f in files],
            }
            if thread_ts:
                message["thread_ts"] = thread_ts
            self._append_message(channel, message)
            for f in files:
                f["shared_to"].append(channel.id)
        # Slack shares asynchronously: the response's share lists are usually still empty.
        return {"files": [self._file_object(f, with_shares=False) for f in files]}

    def _api_files_info(self, params: dict) -> dict:
        file = self.files.get(str(params.get("file") or ""))
        if file is None:
            raise _ApiError("file_not_found")
        return {"file": self._file_object(file)}

    def _serve_file(self, rest: str, headers: Any) -> tuple[int, bytes, str]:
        auth = headers.get("Authorization") or ""
        if auth != f"Bearer {self.bot_token}":
            return 302, b"", "text/html"  # Slack redirects to a login page
        with self._lock:
            fault = self._take_fault("file")  # fail_next("file", status=404 | 503 …)
        if fault is not None:
            return fault[0], json.dumps(fault[2]).encode(), "application/json"
        with self._lock:
            file = self.files.get(rest.split("/", 1)[0])
        if file is None:
            return 404, b"", "text/plain"
        return 200, file["content"], file["mimetype"]

    # ------------------------------------------------------------------ response_url

    def _new_response_url(
        self,
        user: str,
        channel_id: str | None,
        message_ts: str | None,
        source: str,
        ephemeral_ts: str | None = None,
    ) -> str:
        rid = secrets.token_hex(12)
        with self._lock:
            self._response_urls[rid] = {
                "user": user,
                "channel": channel_id,
                "message_ts": message_ts,
                "source": source,
                "ephemeral_ts": ephemeral_ts,  # a click on an ephemeral message: what it may replace
            }
        return f"{self.base}/response/{rid}"

    def _receive_response(self, rid: str, body: bytes, headers: Any) -> tuple[int, str]:
        with self._lock:
            origin = self._response_urls.get(rid)
            if origin is None:
                return 404, "no_service"
            text = body.decode("utf-8", errors="replace")
            try:
                payload = json.loads(text)
            except ValueError:
                payload = {"text": text}
            if not isinstance(payload, dict):
                return 400, "invalid_payload"
            if self._apply_response(origin, payload, via="response_url"):
                return 400, "invalid_blocks"
            return 200, "ok"

    def _apply_response(self, origin: dict, payload: dict, via: str) -> list[str]:
        """Show an answer (an ack's body, or a POST to a response_url); Block Kit problems, if any
        (then nothing is shown, as Slack shows nothing)."""
        record = {
            "via": via,
            "user": origin["user"],
            "channel": origin["channel"],
            "message_ts": origin.get("message_ts"),
            "source": origin["source"],
            "payload": copy.deepcopy(payload),
            "text": payload.get("text", ""),
            "blocks": payload.get("blocks", []),
            "at": time.time(),
        }
        self.responses.append(record)
        problems = _blocks.validate_blocks(payload.get("blocks"), _blocks.MESSAGE_BLOCKS_MAX, "/blocks")
        if problems:
            record["problems"] = problems
            return problems
        shown = self._shown_ephemerals.get(origin.get("ephemeral_ts") or "")
        if shown is not None and _as_bool(payload.get("delete_original")):
            del self._shown_ephemerals[shown["ts"]]
            return []
        if shown is not None and _as_bool(payload.get("replace_original")):
            shown["text"] = payload.get("text", shown["text"])
            shown["blocks"] = copy.deepcopy(payload.get("blocks", []))
            record["ts"] = shown["ts"]
            return []
        channel = self._conversation(origin["channel"])
        if channel is None:
            return []
        target = (
            self._find_message(channel.id, origin.get("message_ts")) if origin.get("message_ts") else None
        )
        if _as_bool(payload.get("delete_original")) and target is not None:
            self._messages[channel.id].remove(target)
        elif _as_bool(payload.get("replace_original")) and target is not None:
            target["text"] = payload.get("text", target["text"])
            target["blocks"] = payload.get("blocks", [])
            target["edited"] = {"user": BOT_USER_ID, "ts": self._next_ts()}
        elif payload.get("response_type") == "in_channel":
            message = {
                "ts": self._next_ts(),
                "user": BOT_USER_ID,
                "bot_id": BOT_ID,
                "text": payload.get("text", ""),
                "blocks": payload.get("blocks", []),
            }
            if payload.get("thread_ts"):
                message["thread_ts"] = payload["thread_ts"]
            self._append_message(channel, message)
        elif not _as_bool(payload.get("delete_original")):
            # Shown to this person only, until they leave: an ephemeral message they may click on.
            ts = self._next_ts()
            self._shown_ephemerals[ts] = {
                "ts": ts,
                "user": origin["user"],
                "channel": channel.id,
                "text": payload.get("text", ""),
                "blocks": copy.deepcopy(payload.get("blocks", [])),
            }
            record["ts"] = ts
        return []

    # ------------------------------------------------------------------ the human side: transport

    def sign(self, body: bytes, timestamp: int | None = None, secret: str | None = None) -> dict[str, str]:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        base = f"v0:{ts}:".encode() + body
        digest = hmac.new((secret or self.signing_secret).encode(), base, hashlib.sha256).hexdigest()
        return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}

    def post_signed(
        self,
        body: bytes,
        content_type: str,
        timestamp: int | None = None,
        secret: str | None = None,
        path: str | None = None,
        extra_headers: dict[str, str] | None = None,
    ) -> HttpResult:
        if not self.request_url:
            raise RuntimeError("FakeSlack.request_url is not set: where is the bot listening?")
        url = random.choice(self.request_urls) if self.request_urls else self.request_url
        if path is not None:
            parts = urllib.parse.urlsplit(url)
            url = urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))
        headers = {
            "Content-Type": content_type,
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            **self.sign(body, timestamp, secret),
            **(extra_headers or {}),
        }
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=self.request_timeout) as resp:
                status, raw, resp_headers = resp.status, resp.read(), dict(resp.headers)
        except urllib.error.HTTPError as exc:
            status, raw, resp_headers = exc.code, exc.read(), dict(exc.headers or {})
        elapsed = time.monotonic() - started
        with self._lock:
            served_before = len(self.served)
        if self.after_answer is not None:
            self.after_answer()
        text = raw.decode("utf-8", errors="replace")
        try:
            parsed = json.loads(text) if text.strip() else None
        except ValueError:
            parsed = None
        return HttpResult(status, text, parsed, resp_headers, elapsed, served_before=served_before)

    def _post_payload(self, payload: dict) -> HttpResult:
        body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
        result = self.post_signed(body, "application/x-www-form-urlencoded")
        result.request = payload
        return result

    def _user_ref(self, user_id: str) -> dict:
        user = self.users.get(user_id)
        if user is None:
            raise AssertionError(f"unknown user {user_id!r}: add_user() them first")
        if user.get("deleted"):
            raise AssertionError(f"{user_id} was removed from the workspace (remove_user)")
        return {"id": user_id, "username": user["name"], "name": user["name"], "team_id": self.team_id}

    def _team_ref(self) -> dict:
        return {"id": self.team_id, "domain": self.team_domain}

    # ------------------------------------------------------------------ the human side: gestures

    def slash_command(
        self, user_id: str, command: str, text: str = "", channel_id: str | None = None
    ) -> HttpResult:
        with self._lock:
            self._user_ref(user_id)
            channel = self._conversation(channel_id) if channel_id else self.general
            if channel is None:
                raise AssertionError(f"unknown channel {channel_id!r}")
            response_url = self._new_response_url(user_id, channel.id, None, "command")
            trigger = self._issue_trigger(user_id)
            form = {
                "token": VERIFICATION_TOKEN,
                "team_id": self.team_id,
                "team_domain": self.team_domain,
                "channel_id": channel.id,
                "channel_name": "directmessage" if channel.is_im else channel.name,
                "user_id": user_id,
                "user_name": self.users[user_id]["name"],
                "command": command,
                "text": text,
                "api_app_id": APP_ID,
                "is_enterprise_install": "false",
                "response_url": response_url,
                "trigger_id": trigger,
            }
        result = self.post_signed(urllib.parse.urlencode(form).encode(), "application/x-www-form-urlencoded")
        result.request = form
        if result.status == 200 and result.body_text.strip():
            shown = result.json if isinstance(result.json, dict) else {"text": result.body_text}
            with self._lock:
                self._apply_response(
                    {"user": user_id, "channel": channel.id, "message_ts": None, "source": "command"},
                    shown,
                    via="ack",
                )
        return result

    def click(
        self,
        user_id: str,
        channel_id: str,
        message_ts: str,
        action_id: str,
        value: str | None = None,
        block_id: str | None = None,
    ) -> HttpResult:
        with self._lock:
            user = self._user_ref(user_id)
            channel = self._conversation(channel_id)
            if channel is None:
                raise AssertionError(f"unknown channel {channel_id!r}")
            if channel.is_private and user_id not in channel.members:
                raise AssertionError(f"{user_id} cannot see private channel {channel.name}")
            message = self._find_message(channel.id, message_ts)
            if message is None:
                raise AssertionError(f"no message {message_ts} in {channel_id}")
            buttons = _buttons(message.get("blocks") or [], action_id, block_id, value)
            if not buttons:
                shown = [
                    (b.get("block_id"), e.get("action_id"), e.get("value"))
                    for b, e in _blocks.iter_elements(message.get("blocks") or [])
                    if e.get("type") == "button"
                ]
                raise AssertionError(
                    f"no button {action_id!r} (value={value!r}, block_id={block_id!r}) on "
                    f"message {message_ts}; buttons shown: {shown}"
                )
            block, button = buttons[0]
            payload = {
                "type": "block_actions",
                "user": user,
                "api_app_id": APP_ID,
                "token": VERIFICATION_TOKEN,
                "container": {
                    "type": "message",
                    "message_ts": message_ts,
                    "channel_id": channel.id,
                    "is_ephemeral": False,
                },
                "trigger_id": self._issue_trigger(user_id),
                "team": self._team_ref(),
                "enterprise": None,
                "is_enterprise_install": False,
                "channel": {"id": channel.id, "name": "directmessage" if channel.is_im else channel.name},
                "message": self._public_message(message),
                "state": {"values": {}},
                "response_url": self._new_response_url(user_id, channel.id, message_ts, "block_actions"),
                "actions": [
                    {
                        "action_id": action_id,
                        "block_id": block.get("block_id"),
                        "text": button.get("text"),
                        "value": button.get("value"),
                        "style": button.get("style"),
                        "type": "button",
                        "action_ts": f"{time.time():.6f}",
                    }
                ],
            }
            if payload["actions"][0]["style"] is None:
                del payload["actions"][0]["style"]
        return self._post_payload(payload)

    def click_ephemeral(
        self,
        user_id: str,
        message_ts: str,
        action_id: str,
        value: str | None = None,
        block_id: str | None = None,
    ) -> HttpResult:
        """Click a button on an ephemeral message shown to user_id (see ``ephemeral``).

        As Slack does, the payload carries no ``message`` (the bot never saw it) and its
        response_url may replace or delete that ephemeral message."""
        with self._lock:
            user = self._user_ref(user_id)
            shown = self._shown_ephemerals.get(message_ts)
            if shown is None or shown["user"] != user_id:
                raise AssertionError(f"no ephemeral message {message_ts} shown to {user_id}")
            found = _buttons(shown.get("blocks") or [], action_id, block_id, value)
            if not found:
                raise AssertionError(f"no button {action_id!r} on ephemeral message {message_ts}")
            block, button = found[0]
            channel = self._conversation(shown["channel"])
            payload = {
                "type": "block_actions",
                "user": user,
                "api_app_id": APP_ID,
                "token": VERIFICATION_TOKEN,
                "container": {
                    "type": "message",
                    "message_ts": message_ts,
                    "channel_id": shown["channel"],
                    "is_ephemeral": True,
                },
                "trigger_id": self._issue_trigger(user_id),
                "team": self._team_ref(),
                "enterprise": None,
                "is_enterprise_install": False,
                "channel": {
                    "id": shown["channel"],
                    "name": "directmessage" if channel is None or channel.is_im else channel.name,
                },
                "state": {"values": {}},
                "response_url": self._new_response_url(
                    user_id, shown["channel"], None, "block_actions", ephemeral_ts=message_ts
                ),
                "actions": [
                    {
                        "action_id": action_id,
                        "block_id": block.get("block_id"),
                        "text": button.get("text"),
                        "value": button.get("value"),
                        "type": "button",
                        "action_ts": f"{time.time():.6f}",
                    }
                ],
            }
        return self._post_payload(payload)

    def _open_view(self, user_id: str, view_id: str) -> dict:
        view = self.views.get(view_id)
        if view is None or view_id not in self._stacks.get(view.get("user"), []):
            raise AssertionError(f"view {view_id} is not open")
        if view["user"] != user_id:
            raise AssertionError(f"view {view_id} is open for {view['user']}, not {user_id}")
        return view

    def fill(self, view_id: str, block_id: str, action_id: str, value: Any) -> None:
        """A person types or selects in an open modal (``value=None`` clears the field)."""
        with self._lock:
            view = self.views.get(view_id)
            if view is None:
                raise AssertionError(f"view {view_id} is not open")
            found = _blocks.find_element(view["blocks"], block_id, action_id)
            if found is None:
                present = [
                    (b.get("block_id"), e.get("action_id")) for b, e in _blocks.iter_elements(view["blocks"])
                ]
                raise AssertionError(
                    f"no element {block_id}/{action_id} in view {view_id}; present: {present}"
                )
            _, element = found
            kind = element.get("type")
            if kind not in _blocks.STATE_FIELDS:
                raise AssertionError(f"{block_id}/{action_id} is a {kind}, nothing to fill")
            state_field, _, empty = _blocks.STATE_FIELDS[kind]
            new = copy.deepcopy(empty) if value is None else self._state_value(element, value)
            view["state"]["values"].setdefault(block_id, {})[action_id] = {"type": kind, state_field: new}

    @staticmethod
    def _state_value(element: dict, value: Any) -> Any:
        kind = element["type"]
        options = {o.get("value"): o for o in _blocks.all_options(element)}

        def option(v: Any) -> dict:
            if isinstance(v, dict):
                v = v.get("value")
            if kind.endswith("external_select"):
                return {"text": {"type": "plain_text", "text": str(v), "emoji": True}, "value": str(v)}
            if v not in options:
                raise AssertionError(
                    f"{v!r} is not an option of {element.get('action_id')}: {sorted(options)}"
                )
            return copy.deepcopy(options[v])

        if kind in {"static_select", "external_select", "radio_buttons"}:
            return option(value)
        if kind in {"multi_static_select", "multi_external_select", "checkboxes"}:
            return [option(v) for v in (value if isinstance(value, list | tuple) else [value])]
        if kind in {"multi_users_select", "multi_conversations_select", "multi_channels_select"}:
            return list(value if isinstance(value, list | tuple) else [value])
        if kind == "datepicker":
            value = str(value)
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                raise AssertionError(f"a datepicker gives YYYY-MM-DD, not {value!r}")
            return value
        if kind == "number_input":
            if isinstance(value, float | int) and not isinstance(value, bool):
                return str(value)
            return str(value)
        if kind == "file_input":  # the file objects Slack gives (sandbox.files.upload_file)
            return [copy.deepcopy(v) for v in (value if isinstance(value, list | tuple) else [value])]
        return value if kind == "rich_text_input" else str(value)

    def view_action(
        self, user_id: str, view_id: str, action_id: str, block_id: str, value: Any = None
    ) -> HttpResult:
        """A button click or a selection inside an open modal (block_actions with a view container)."""
        with self._lock:
            view = self._open_view(user_id, view_id)
            found = _blocks.find_element(view["blocks"], block_id, action_id)
            if found is None:
                raise AssertionError(f"no element {block_id}/{action_id} in view {view_id}")
            block, element = found
            kind = element.get("type")
            if block.get("type") == "input" and not (
                block.get("dispatch_action") or element.get("dispatch_action")
            ):
                raise AssertionError(
                    f"{block_id}/{action_id} is an input without dispatch_action: "
                    "Slack sends no block_actions for it"
                )
            action = {
                "type": kind,
                "action_id": action_id,
                "block_id": block_id,
                "action_ts": f"{time.time():.6f}",
            }
            if kind == "button":
                action.update({"text": element.get("text"), "value": element.get("value")})
            elif kind in _blocks.STATE_FIELDS:
                if value is not None:
                    self.fill(view_id, block_id, action_id, value)
                state = view["state"]["values"].get(block_id, {}).get(action_id, {})
                action.update({k: v for k, v in state.items() if k != "type"})
            payload = {
                "type": "block_actions",
                "user": self._user_ref(user_id),
                "api_app_id": APP_ID,
                "token": VERIFICATION_TOKEN,
                "container": {"type": "view", "view_id": view_id},
                "trigger_id": self._issue_trigger(user_id),
                "team": self._team_ref(),
                "enterprise": None,
                "is_enterprise_install": False,
                "view": self._public_view(view),
                "actions": [action],
            }
        return self._post_payload(payload)

    # ------------------------------------------------------------------ the human side: typeahead

    def suggest(self, user_id: str, view_id: str, block_id: str, action_id: str, typed: str) -> list[dict]:
        """A person types into an external_select of an open modal: Slack sends a signed
        block_suggestion to the app's options load URL (here: the request URL, as the manifest
        says) and shows the options of its answer, which this returns (Slack shows none when the
        answer breaks the limits, and so does this: it raises)."""
        with self._lock:
            view = self._open_view(user_id, view_id)
            found = _blocks.find_element(view["blocks"], block_id, action_id)
            if found is None:
                raise AssertionError(f"no element {block_id}/{action_id} in view {view_id}")
            element = found[1]
            if not str(element.get("type", "")).endswith("external_select"):
                raise AssertionError(
                    f"{block_id}/{action_id} is a {element.get('type')}, not an external_select"
                )
            if len(typed) < int(element.get("min_query_length", 3)):
                return []  # Slack waits for more letters before it asks
            payload = {
                "type": "block_suggestion",
                "user": self._user_ref(user_id),
                "container": {"type": "view", "view_id": view_id},
                "api_app_id": APP_ID,
                "token": VERIFICATION_TOKEN,
                "action_id": action_id,
                "block_id": block_id,
                "value": typed,
                "team": self._team_ref(),
                "enterprise": None,
                "is_enterprise_install": False,
                "view": self._public_view(view),
            }
        result = self._post_payload(payload)
        if result.status != 200 or not isinstance(result.json, dict):
            raise AssertionError(f"options load answered {result.status}: {result.body_text[:300]}")
        options = result.json.get("options")
        if options is None:
            options = [o for g in result.json.get("option_groups") or [] for o in g.get("options") or []]
        problems = _options_problems(options)
        if problems:
            raise AssertionError(f"Slack would show no options for this answer: {problems}")
        return copy.deepcopy(options)

    def choose(self, user_id: str, view_id: str, block_id: str, action_id: str, option: dict) -> HttpResult:
        """A person picks one of the options suggest() gave: the select shows it, and Slack sends
        block_actions with it as selected_option (in an input block only with dispatch_action)."""
        with self._lock:
            view = self._open_view(user_id, view_id)
            found = _blocks.find_element(view["blocks"], block_id, action_id)
            if found is None:
                raise AssertionError(f"no element {block_id}/{action_id} in view {view_id}")
            kind = found[1].get("type")
            view["state"]["values"].setdefault(block_id, {})[action_id] = {
                "type": kind,
                "selected_option": copy.deepcopy(option),
            }
        return self.view_action(user_id, view_id, action_id, block_id)

    def submit(self, user_id: str, view_id: str) -> HttpResult:
        """The person presses the modal's submit button; Slack's answer handling is applied."""
        with self._lock:
            view = self._open_view(user_id, view_id)
            if not view.get("submit"):
                raise AssertionError(f"view {view_id} has no submit button")
            client_errors = _blocks.client_side_errors(view)
            if client_errors:
                # Slack's client refuses to send it: the person sees the errors, the bot hears nothing.
                self.view_errors[view_id] = client_errors
                return HttpResult(0, "", {"response_action": "errors", "errors": client_errors}, request=None)
            payload = {
                "type": "view_submission",
                "team": self._team_ref(),
                "user": self._user_ref(user_id),
                "api_app_id": APP_ID,
                "token": VERIFICATION_TOKEN,
                "trigger_id": self._issue_trigger(user_id),
                "view": self._public_view(view),
                "response_urls": [],
                "is_enterprise_install": False,
                "enterprise": None,
            }
        result = self._post_payload(payload)
        if result.status != 200:
            return result  # Slack shows "We had some trouble connecting" and keeps the modal
        answer = result.json if isinstance(result.json, dict) else {}
        action = answer.get("response_action")
        with self._lock:
            stack = self._stacks.get(user_id, [])
            if view_id not in stack:
                return result
            if action == "errors":
                errors = answer.get("errors") or {}
                inputs = {b.get("block_id") for b in view["blocks"] if b.get("type") == "input"}
                unknown = [k for k in errors if k not in inputs]
                if unknown:
                    raise AssertionError(
                        f"response_action errors for {unknown}, which are not input blocks "
                        f"of view {view_id}: Slack rejects the whole answer"
                    )
                self.view_errors[view_id] = errors
            elif action == "update":
                self._replace_view(view, self._prepare_view_for_response(answer.get("view")))
            elif action == "push":
                if len(stack) >= 3:
                    raise AssertionError("response_action push beyond Slack's 3-view stack")
                new = self._store_view(
                    self._prepare_view_for_response(answer.get("view")),
                    user_id,
                    root=stack[0],
                    previous=stack[-1],
                )
                stack.append(new["id"])
            elif action == "clear":
                self._close_stack(user_id)
            else:
                self.view_errors.pop(view_id, None)
                self._close_stack(user_id, stack.index(view_id))
        return result

    def _prepare_view_for_response(self, raw: Any) -> dict:
        try:
            return self._prepare_view(raw)
        except _ApiError as exc:
            raise AssertionError(f"Slack would reject the view in the response_action: {exc.extra}") from exc

    def close_view(self, user_id: str, view_id: str) -> HttpResult | None:
        """The person presses Close (or the X); view_closed reaches the bot only with notify_on_close."""
        with self._lock:
            view = self._open_view(user_id, view_id)
            stack = self._stacks[user_id]
            notify = view.get("notify_on_close")
            public = self._public_view(view)
            cleared = bool(view.get("clear_on_close"))
            self._close_stack(user_id, 0 if cleared else stack.index(view_id))
            payload = {
                "type": "view_closed",
                "team": self._team_ref(),
                "user": self._user_ref(user_id),
                "api_app_id": APP_ID,
                "token": VERIFICATION_TOKEN,
                "view": public,
                "is_cleared": cleared,
                "is_enterprise_install": False,
                "enterprise": None,
            }
        return self._post_payload(payload) if notify else None

    def post_message_as(
        self,
        user_id: str,
        channel_id: str,
        text: str,
        thread_ts: str | None = None,
        files: list[dict] | None = None,
    ) -> tuple[str, HttpResult | None]:
        """A person writes in a channel (or thread); the bot hears it if it is a member."""
        with self._lock:
            self._user_ref(user_id)
            channel = self._conversation(channel_id)
            if channel is None and channel_id in self.users:
                raise AssertionError("post in a channel id; use conversations.open's D… id for a DM")
            if channel is None:
                raise AssertionError(f"unknown channel {channel_id!r}")
            if user_id not in channel.members:
                raise AssertionError(f"{user_id} is not a member of {channel.name}")
            if channel.archived:
                raise AssertionError(f"{channel.name} is archived")
            if thread_ts and self._find_message(channel.id, thread_ts) is None:
                raise AssertionError(f"no thread parent {thread_ts} in {channel.name}")
            ts = self._next_ts()
            message: dict[str, Any] = {"ts": ts, "user": user_id, "text": text}
            if thread_ts:
                message["thread_ts"] = thread_ts
            event_files = []
            if files:
                for item in files:
                    file = self._make_file(item["name"], item["content"], user_id, item.get("title"))
                    file["shared_to"].append(channel.id)
                    event_files.append(self._file_object(file))
                message["subtype"] = "file_share"
                message["upload"] = False
                message["files"] = event_files
            self._append_message(channel, message)
            event = {
                "type": "message",
                "channel": channel.id,
                "user": user_id,
                "text": text,
                "ts": ts,
                "event_ts": ts,
                "team": self.team_id,
                "channel_type": "im" if channel.is_im else ("group" if channel.is_private else "channel"),
            }
            if thread_ts:
                event["thread_ts"] = thread_ts
                event["parent_user_id"] = self._find_message(channel.id, thread_ts).get("user")
            if files:
                event.update(
                    {
                        "subtype": "file_share",
                        "upload": False,
                        "display_as_bot": False,
                        "files": copy.deepcopy(event_files),
                    }
                )
            listening = BOT_USER_ID in channel.members
        return ts, (self.deliver_event(event) if listening else None)

    def open_home(self, user_id: str) -> HttpResult:
        with self._lock:
            self._user_ref(user_id)
            dm = self._open_im(user_id)
            event = {
                "type": "app_home_opened",
                "user": user_id,
                "channel": dm.id,
                "tab": "home",
                "event_ts": f"{time.time():.6f}",
            }
            if user_id in self.home_tabs:
                event["view"] = self._public_view(self.home_tabs[user_id])
        return self.deliver_event(event)

    def deliver_event(
        self,
        event: dict,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str | None = None,
    ) -> HttpResult:
        envelope = {
            "token": VERIFICATION_TOKEN,
            "team_id": self.team_id,
            "context_team_id": self.team_id,
            "api_app_id": APP_ID,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or _new_id("Ev0", 9),
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": BOT_USER_ID,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }
        headers = {}
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
        with self._lock:
            self.events_sent.append(envelope)
        result = self.post_signed(json.dumps(envelope).encode(), "application/json", extra_headers=headers)
        result.request = envelope
        return result
