"""Options load requests (block_suggestion): the client and catalog pickers' typeahead.

Slack asks as the person types (min_query_length 1) and waits 3 seconds; people feel 300 ms.
Each answer is one indexed query (workflow.lookup) and at most 100 options (Slack's limit).
"""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext

from forms import ids
from forms.lines import item_option
from forms.pickers import client_option, new_client_option
from workflow import lookup
from workflow.text_keys import fold

TYPED_MAX = 100  # more than anyone types into a search box; longer is cut, not refused


def register(app: App) -> None:
    app.options(ids.CLIENT_PICK)(client_options)
    app.options(ids.CATALOG_ITEM)(catalog_options)
    app.options(ids.ARTICLE_CATALOG)(catalog_options)  # the Articles form's catalog item


def _typed(payload: dict) -> str:
    value = payload.get("value") if isinstance(payload, dict) else None
    return " ".join(value.split())[:TYPED_MAX] if isinstance(value, str) else ""


def client_options(ack: Ack, payload: dict, context: BoltContext) -> None:
    """Active clients matching every word typed (name or number, accents ignored), then the typed
    name itself as a new client — unless it is one of those listed."""
    typed = _typed(payload)
    if not typed:
        ack(options=[])
        return
    found = lookup.client_choices(context["workflow"].reader, typed, lookup.SUGGESTIONS - 1)
    options = [client_option(c.id, c.name, c.number) for c in found]
    if all(fold(c.name) != fold(typed) for c in found):
        options.append(new_client_option(typed))
    ack(options=options)


def catalog_options(ack: Ack, payload: dict, context: BoltContext) -> None:
    """Active catalog items matching every word typed (code or name, accents ignored), by code."""
    typed = _typed(payload)
    found = lookup.item_choices(context["workflow"].reader, typed) if typed else []
    ack(options=[item_option(i.id, i.code, i.name, i.unit, i.unit_price) for i in found])
