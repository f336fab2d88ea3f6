"""One module per Slack surface; register_listeners wires them all."""

from typing import cast

from slack_bolt import App

from bot.listeners import actions, commands, events, master, options, paging, pickers, roles, views
from bot.listeners.guard import GuardedApp
from forms import ids


def register_listeners(bolt: App) -> None:
    # Every listener runs under bot.listeners.guard: a failure is answered where the person is.
    app = cast(App, GuardedApp(bolt))
    # Bolt tries the listeners in order, asking each whether it matches: the two requests that come
    # in bursts (a form submitted, an approval) are matched first.
    app.view(ids.NEW_ORDER)(views.submit_new_order)
    app.action(ids.APPROVE)(actions.approve)
    options.register(app)  # typeahead: a request per pause in typing
    commands.register(app)
    pickers.register(app)  # before actions, whose last listener takes every other action
    paging.register(app)  # before actions: its last listener takes every other button
    master.register(app)  # admins' catalog and client forms; before the catch-alls of actions and views
    roles.register(app)  # the Roles window (admins); before the catch-alls of actions and views
    actions.register(app)
    views.register(app)
    events.register(app)
