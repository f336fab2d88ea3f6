"""The export_csv effect: the orders a person asked for with `/so export`, as a CSV file in their DM."""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile

import forms
from bot import messages
from bot.slack_calls import SlackCalls
from workflow.export import export_columns, write_csv
from workflow.snapshots import EffectView, OrderView

log = logging.getLogger(__name__)


def send_export(slack: SlackCalls, effect: EffectView, order: OrderView | None) -> None:
    """Write the CSV to a temporary file, streaming the rows from the database (memory stays flat),
    upload it to the person's DM with files_upload_v2, and remove the file (an export is of no
    order: order is None).

    The orders are those the person may see now. An upload whose answer was lost is sent again on
    the retry (finding it in the DM would need im:history): a second copy of a file is harmless."""
    wf, client, settings = slack.wf, slack.client, slack.settings
    user = str(effect.payload["user"])
    filter_text = str(effect.payload.get("filters") or "")
    now = wf.clock().astimezone(settings.tz)
    parsed = forms.parse_filters(filter_text, now.date())
    dm = slack.call(("conversations.open",), client.conversations_open, users=user)["channel"]["id"]
    if parsed.value is None:  # the bot wrote this text itself: only an older grammar gets here
        log.error("export %s: filters no longer readable: %s", effect.key, parsed.errors)
        slack.call(
            ("chat.postMessage",),
            client.chat_postMessage,
            channel=dm,
            text=messages.bad_filters(parsed.errors, "export"),
        )
        return
    fd, path = tempfile.mkstemp(prefix="so-export-", suffix=".csv")
    try:
        with open(fd, "w", encoding="utf-8", newline="") as out:
            stats = write_csv(
                wf.export_orders(parsed.value, user),
                out,
                names=slack.name_of,
                columns=export_columns(settings.company.field_keys),
            )
        if stats.orders == 0:
            slack.call(
                ("chat.postMessage",),
                client.chat_postMessage,
                channel=dm,
                text=messages.export_empty(filter_text),
            )
            return
        slack.call(
            ("files.getUploadURLExternal", "files.completeUploadExternal"),
            client.files_upload_v2,
            channel=dm,
            file=path,
            filename=f"service-orders-{now:%Y-%m-%d-%H%M}.csv",
            title=f"Service orders {now:%Y-%m-%d %H:%M}",
            initial_comment=messages.export_sent(filter_text, stats.orders, stats.rows),
        )
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
