"""One module per Slack surface; register_listeners wires them all.

Each surface registers exactly what it handles (no catch-all): a request none of them takes, such
as a form or button from an earlier version, is answered by bot.listeners.unhandled through the
app's error handler (bot.app), whatever the order here.
"""

from typing import cast

from slack_bolt import App

from bot.listeners import (
    actions,
    commands,
    events,
    master,
    options,
    paging,
    pickers,
    roles,
    views,
)
from bot.listeners.guard import GuardedApp


def register_listeners(bolt: App) -> None:
    # Every listener runs under bot.listeners.guard: a failure is answered where the person is.
    app = cast(App, GuardedApp(bolt))
    for surface in (views, actions, options, commands, pickers, paging, master, roles, events):
        surface.register(app)
