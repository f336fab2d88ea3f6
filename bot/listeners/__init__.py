"""One module per Slack surface; register_listeners wires them all."""

from slack_bolt import App

from bot.listeners import actions, commands, events, paging, views


def register_listeners(app: App) -> None:
    commands.register(app)
    paging.register(app)  # before actions: its last listener takes every other button
    actions.register(app)
    views.register(app)
    events.register(app)
