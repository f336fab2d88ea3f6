"""A local Slack for the demo and the integration tests (standard library only, imports nothing of ours)."""

from .slack import APP_ID, BOT_ID, BOT_USER_ID, Call, Channel, FakeSlack, HttpResult

__all__ = ["APP_ID", "BOT_ID", "BOT_USER_ID", "Call", "Channel", "FakeSlack", "HttpResult"]
