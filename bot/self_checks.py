"""The self-checks in Slack: what the order card shows of them and of the technician attestation
(bot.cards), and the form the card's Self-checks button opens (bot.listeners)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import forms
from forms.blocks import escape_mrkdwn
from pdf.document import DocAttestation, DocCheckItem, DocChecklist
from workflow.checklists import ItemView
from workflow.rules import Status
from workflow.snapshots import OrderView, RevisionView

SHOWN = 8


def checks_text(order: OrderView, when: Callable[[datetime], str]) -> str:
    """':clipboard: *Self-checks*: Safety 3 of 5 (required) · Handover ✓' and who attested the work;
    "" when there is neither. when: a moment as the card writes it (bot.cards.slack_date)."""
    parts = []
    for cl in order.checklists[:SHOWN]:
        name = escape_mrkdwn(cl.name[:100])
        if cl.complete:
            parts.append(f"{name} :white_check_mark:")
        else:
            need = " (required)" if cl.required else ""
            parts.append(f"{name} {cl.done_count} of {len(cl.items)}{need}")
    if len(order.checklists) > SHOWN:
        parts.append(f"… and {len(order.checklists) - SHOWN} more")
    lines = [":clipboard: *Self-checks*: " + " · ".join(parts)] if parts else []
    if order.attested_by and order.attested_at:
        lines.append(f":writing_hand: Work attested by <@{order.attested_by}> on {when(order.attested_at)}")
    return "\n".join(lines)


def form_checklist(cl) -> forms.FormChecklist:  # type: ignore[no-untyped-def]
    """A checklist of the order (workflow.checklists.ChecklistView) as its form shows it."""
    items = tuple(forms.FormItem(i.key, i.label, i.kind, i.required, i.value, i.at) for i in cl.items)
    return forms.FormChecklist(cl.id, cl.name, cl.required, items, cl.done_count)


def self_check_modal(order: OrderView, checklist_id: int | None = None) -> dict:
    """The form of the order's checklist (the one named, or its only one), else the picker."""
    lists = [form_checklist(cl) for cl in order.checklists]
    if checklist_id is not None:
        lists = [cl for cl in lists if cl.id == checklist_id]
    if len(lists) == 1:
        return forms.checklist_modal(order.id, order.number, lists[0])
    return forms.picker_modal(order.id, order.number, lists)


def document_checks(
    rev: RevisionView, name_of: Callable[[str], str], show_checklists: bool = True
) -> tuple[list[DocChecklist], DocAttestation | None]:
    """What the revision's PDF prints of the self-checks (unless the company file's
    print.self_checks is off) and of the attestation: the revision's own snapshot; for the last
    revision of a closed order, what the order was closed with (like the close form's fields, see
    bot.documents.document_fields: nothing of it changes once closed)."""
    order = rev.order
    if order.status is Status.CLOSED and rev.number == order.current_revision:
        kept = [
            {
                "name": cl.name,
                "required": cl.required,
                "items": [
                    {"label": i.label, "kind": i.kind, "value": i.value, "by": i.by, "at": i.at}
                    for i in cl.items
                ],
            }
            for cl in order.checklists
        ]
        attested = {"by": order.attested_by, "at": order.attested_at.isoformat()} if order.attested_at else {}
    else:
        kept = list(rev.self_checks.get("checklists") or [])
        attested = dict(rev.self_checks.get("attestation") or {})
    checklists = [_doc_checklist(cl, name_of) for cl in kept] if show_checklists else []
    attestation = None
    if attested.get("by") and _moment(attested.get("at")) is not None:
        attestation = DocAttestation(name_of(str(attested["by"])), _moment(attested["at"]))  # type: ignore[arg-type]
    return checklists, attestation


def _doc_checklist(cl: dict, name_of: Callable[[str], str]) -> DocChecklist:
    items = []
    for i in cl.get("items") or []:
        view = ItemView("", str(i.get("label") or ""), str(i.get("kind") or ""), True, i.get("value"))
        answer = view.text if view.done or view.kind != "checkbox" else ""
        by = str(i.get("by") or "")
        items.append(
            DocCheckItem(view.label, view.kind, answer, name_of(by) if by else "", _moment(i.get("at")))
        )
    return DocChecklist(str(cl.get("name") or ""), bool(cl.get("required")), items)


def _moment(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
