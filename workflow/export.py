"""Exporting orders with their lines: streamed from the database in batches, written as CSV or JSON.

Memory stays flat however many orders match: orders are read by keyset (seq) in batches of
BATCH_SIZE, each batch's lines and field workers in one query each, and every batch in its own
short read transaction (a long one would hold back SQLite's checkpoints and PostgreSQL's vacuum).

CSV: one row per line of the order's current revision, the order's fields repeated on each (an
order without lines still gets one row). UTF-8 with a BOM (spreadsheets then read it as UTF-8),
numbers with a dot and no thousands separator, dates and times ISO 8601 (UTC).
JSON: JSON Lines, one order per line with its lines nested; numbers as exact decimal strings.

The company's own fields (forms.custom) are exported by key: those of the new-order and close
forms from the order, those of the confirmation form from the current revision. CSV gives each
configured key a column `custom:<key>` (empty where an order lacks it); JSON an object of all.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, TextIO

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from storage.models import Line, Member, Order, Revision
from workflow.money import exact_price, exact_quantity, line_total, tax_summary
from workflow.rules import Status
from workflow.search import Filters, conditions

BATCH_SIZE = 500
BOM = "\ufeff"
FIELD_WORKER_SEPARATOR = "; "

Names = Callable[[str], str]  # a Slack user id → the person's name


@dataclass(frozen=True)
class ExportLine:
    position: int
    kind: str
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    total: Decimal
    vat_rate: Decimal | None = None  # percent; None: stored before lines kept their rate
    vat_exemption: str = ""


@dataclass(frozen=True)
class ExportOrder:
    """An order as exported: its fields, its current revision's lines, its field workers."""

    seq: int
    number: str
    status: str
    outcome: str
    client: str
    site: str
    contact: str
    title: str
    description: str
    priority: str
    planned_date: date | None
    requester_id: str
    approver_id: str  # who approved it; empty when it was never approved
    approved_at: datetime | None
    field_workers: tuple[str, ...]
    revision: int
    created_at: datetime
    closed_at: datetime | None
    total: Decimal
    lines: tuple[ExportLine, ...]
    custom_fields: dict[str, Any] = field(default_factory=dict)  # key → value as stored (JSON)
    vat: Decimal = Decimal("0.00")  # VAT of all rates (each rate's rounded once, EN 16931)
    gross: Decimal = Decimal("0.00")  # total + vat
    invoice_number: str = ""


def export_orders(
    engine: Engine,
    filters: Filters,
    viewer: str | None,
    roles: Collection[str],
    *,
    allow_self_approval: bool = False,
    batch_size: int = BATCH_SIZE,
    vat_rate: Decimal = Decimal(0),
    vat_exemption: str = "",
) -> Iterator[ExportOrder]:
    """The orders viewer may see that match filters (every order for viewer None), oldest first;
    vat_rate and vat_exemption: the company's, for lines stored before lines kept their rate."""
    where = conditions(filters, viewer, roles, allow_self_approval)
    last = 0
    while True:
        with Session(engine) as s:
            orders = s.exec(
                select(Order).where(*where, col(Order.seq) > last).order_by(col(Order.seq)).limit(batch_size)
            ).all()
            if not orders:
                return
            ids = [o.id for o in orders]
            lines: dict[int, list[ExportLine]] = defaultdict(list)
            # the line's columns, not Line objects: a batch is ~5,000 lines, and ORM objects cost
            # about as much to build as everything else in the export
            for ln in s.exec(
                select(
                    Revision.order_id,
                    Line.position,
                    Line.kind,
                    Line.description,
                    Line.quantity,
                    Line.unit,
                    Line.unit_price,
                    Line.vat_rate,
                    Line.vat_exemption,
                )
                .join(Revision, col(Line.revision_id) == col(Revision.id))
                .join(Order, col(Order.id) == col(Revision.order_id))
                .where(col(Revision.order_id).in_(ids), col(Revision.number) == col(Order.current_revision))
                .order_by(col(Revision.order_id), col(Line.position))
            ).all():
                lines[ln.order_id].append(
                    ExportLine(
                        ln.position,
                        ln.kind,
                        ln.description,
                        exact_quantity(ln.quantity),
                        ln.unit,
                        exact_price(ln.unit_price),
                        line_total(ln),  # as the card and the PDF compute it
                        None if ln.vat_rate is None else Decimal(ln.vat_rate).normalize(),
                        ln.vat_exemption or "",
                    )
                )
            revision_fields: dict[int, list[dict]] = {
                order_id: fields
                for order_id, fields in s.exec(
                    select(Revision.order_id, Revision.custom_fields)
                    .join(Order, col(Order.id) == col(Revision.order_id))
                    .where(
                        col(Revision.order_id).in_(ids), col(Revision.number) == col(Order.current_revision)
                    )
                ).all()
            }
            workers: dict[int, list[str]] = defaultdict(list)
            for order_id, user_id in s.exec(
                select(Member.order_id, Member.user_id)
                .where(col(Member.order_id).in_(ids), Member.role == "field_worker")
                .order_by(col(Member.id))
            ).all():
                workers[order_id].append(user_id)
            batch = [
                _export(
                    o, lines[o.id], workers[o.id], revision_fields.get(o.id) or [], vat_rate, vat_exemption
                )
                for o in orders
                if o.id is not None
            ]
        yield from batch
        last = orders[-1].seq
        if len(orders) < batch_size:
            return


def _custom(*stored: list[dict]) -> dict[str, Any]:
    """key → value of the company's fields as stored (FieldValue.to_dict()); a later one wins."""
    return {
        str(f["key"]): f.get("value")
        for fields in stored
        for f in fields or ()
        if isinstance(f, dict) and f.get("key")
    }


def _export(
    o: Order,
    lines: list[ExportLine],
    workers: list[str],
    revision_fields: list[dict],
    vat_rate: Decimal,
    vat_exemption: str,
) -> ExportOrder:
    approved = o.decided_by is not None and o.status != Status.REJECTED
    # a line stored before lines kept their rate is exported at the company's rate, as printed
    lines = [ln if ln.vat_rate is not None else replace(ln, vat_rate=Decimal(vat_rate)) for ln in lines]
    tax = tax_summary(lines, vat_rate, vat_exemption)
    return ExportOrder(
        seq=o.seq,
        number=o.number,
        status=o.status,
        outcome=o.outcome,
        client=o.client,
        site=o.site,
        contact=o.contact,
        title=o.title,
        description=o.description,
        priority=o.priority,
        planned_date=o.planned_date,
        requester_id=o.requester_id,
        approver_id=(o.decided_by or "") if approved else "",
        approved_at=o.decided_at if approved else None,
        field_workers=tuple(workers),
        revision=o.current_revision,
        created_at=o.created_at,
        closed_at=o.closed_at,
        total=sum((ln.total for ln in lines), Decimal("0.00")),
        lines=tuple(lines),
        custom_fields=_custom(o.custom_fields, revision_fields),
        vat=tax.vat,
        gross=tax.gross,
        invoice_number=o.invoice_number,
    )


# --- columns ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str  # the CSV header
    value: Callable[[ExportOrder, ExportLine | None, Names], str]
    text: bool = False  # free text typed by people: guarded against spreadsheet formulas


def _day(d: date | None) -> str:
    return d.isoformat() if d else ""


def _moment(t: datetime | None) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if t else ""


def _num(d: Decimal | None) -> str:
    """2.5, 45.00, 0.00: a dot, no thousands separator, no exponent, never -0."""
    if d is None:
        return ""
    return format(d.copy_abs() if d.is_zero() else d, "f")


def _line(
    attr: str, fmt: Callable[[object], str] = str
) -> Callable[[ExportOrder, ExportLine | None, Names], str]:
    return lambda o, ln, names: "" if ln is None else fmt(getattr(ln, attr))


def _field_text(value: Any) -> str:
    """A custom field's value in a CSV cell: text as is, a checkbox true or false, empty for none."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def export_columns(custom_fields: Iterable[str] = ()) -> list[Column]:
    """The CSV columns, in order: the order's fields, then the company's own fields (custom_fields:
    their keys, in the company file's order: bot.company.CompanyConfig.field_keys), then the line's."""
    order_columns = [
        Column("number", lambda o, ln, n: o.number),
        Column("status", lambda o, ln, n: o.status),
        Column("outcome", lambda o, ln, n: o.outcome),
        Column("client", lambda o, ln, n: o.client, text=True),
        Column("site", lambda o, ln, n: o.site, text=True),
        Column("contact", lambda o, ln, n: o.contact, text=True),
        Column("title", lambda o, ln, n: o.title, text=True),
        Column("order_description", lambda o, ln, n: o.description, text=True),
        Column("priority", lambda o, ln, n: o.priority),
        Column("planned_date", lambda o, ln, n: _day(o.planned_date)),
        Column("requester_id", lambda o, ln, n: o.requester_id),
        Column("requester_name", lambda o, ln, n: n(o.requester_id), text=True),
        Column("approver_id", lambda o, ln, n: o.approver_id),
        Column("approver_name", lambda o, ln, n: n(o.approver_id) if o.approver_id else "", text=True),
        Column("approved_at", lambda o, ln, n: _moment(o.approved_at)),
        Column("field_worker_ids", lambda o, ln, n: FIELD_WORKER_SEPARATOR.join(o.field_workers)),
        Column(
            "field_worker_names",
            lambda o, ln, n: FIELD_WORKER_SEPARATOR.join(n(u) for u in o.field_workers),
            text=True,
        ),
        Column("revision", lambda o, ln, n: str(o.revision)),
        Column("created_at", lambda o, ln, n: _moment(o.created_at)),
        Column("closed_at", lambda o, ln, n: _moment(o.closed_at)),
    ]
    custom = [
        Column(
            f"custom:{name}", lambda o, ln, n, name=name: _field_text(o.custom_fields.get(name)), text=True
        )
        for name in custom_fields
    ]
    line_columns = [
        Column("line_number", _line("position")),
        Column("line_kind", _line("kind")),
        Column("line_description", _line("description"), text=True),
        Column("quantity", _line("quantity", _num)),  # type: ignore[arg-type]
        Column("unit", _line("unit"), text=True),
        Column("unit_price", _line("unit_price", _num)),  # type: ignore[arg-type]
        Column("line_total", _line("total", _num)),  # type: ignore[arg-type]
        Column("order_total", lambda o, ln, n: _num(o.total)),
        # VAT (issue 13), after the columns older importers read by position
        Column("vat_rate", _line("vat_rate", _num)),  # type: ignore[arg-type]
        Column("order_vat", lambda o, ln, n: _num(o.vat)),
        Column("order_gross", lambda o, ln, n: _num(o.gross)),
        Column("invoice_number", lambda o, ln, n: o.invoice_number, text=True),
    ]
    return order_columns + custom + line_columns


def spreadsheet_safe(text: str) -> str:
    """Text a spreadsheet shows as text: a leading = + - @ (a formula to Excel and LibreOffice) gets
    an apostrophe before it (OWASP's advice against CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@dataclass
class ExportStats:
    orders: int = 0
    rows: int = 0


def _no_names(user_id: str) -> str:
    return ""


def write_csv(
    orders: Iterable[ExportOrder],
    out: TextIO,
    names: Names | None = None,
    columns: list[Column] | None = None,
    progress: Callable[[ExportStats], None] | None = None,
) -> ExportStats:
    """Write orders to out as CSV (BOM, header, one row per line); the numbers written."""
    columns = columns if columns is not None else export_columns()
    lookup = names or _no_names
    writer = csv.writer(out)
    out.write(BOM)
    writer.writerow([c.name for c in columns])
    stats = ExportStats()
    for order in orders:
        for line in order.lines or (None,):
            row = []
            for c in columns:
                value = c.value(order, line, lookup)
                row.append(spreadsheet_safe(value) if c.text else value)
            writer.writerow(row)
            stats.rows += 1
        stats.orders += 1
        if progress is not None:
            progress(stats)
    return stats


def order_json(order: ExportOrder, names: Names | None = None) -> dict:
    """An order as one JSON object: its lines nested, numbers as exact decimal strings."""

    def person(user_id: str) -> dict:
        return {"id": user_id, "name": names(user_id) if names else None}

    return {
        "number": order.number,
        "status": order.status,
        "outcome": order.outcome,
        "client": order.client,
        "site": order.site,
        "contact": order.contact,
        "title": order.title,
        "description": order.description,
        "priority": order.priority,
        "planned_date": _day(order.planned_date) or None,
        "requester": person(order.requester_id),
        "approver": person(order.approver_id) if order.approver_id else None,
        "approved_at": _moment(order.approved_at) or None,
        "field_workers": [person(u) for u in order.field_workers],
        "revision": order.revision,
        "created_at": _moment(order.created_at),
        "closed_at": _moment(order.closed_at) or None,
        "custom_fields": dict(order.custom_fields),
        "lines": [
            {
                "position": ln.position,
                "kind": ln.kind,
                "description": ln.description,
                "quantity": _num(ln.quantity),
                "unit": ln.unit,
                "unit_price": _num(ln.unit_price),
                "total": _num(ln.total),
                "vat_rate": _num(ln.vat_rate) if ln.vat_rate is not None else None,
            }
            for ln in order.lines
        ],
        "total": _num(order.total),
        "vat": _num(order.vat),
        "gross": _num(order.gross),
        "invoice_number": order.invoice_number or None,
    }


def write_json_lines(
    orders: Iterable[ExportOrder],
    out: TextIO,
    names: Names | None = None,
    progress: Callable[[ExportStats], None] | None = None,
) -> ExportStats:
    """Write orders to out as JSON Lines (one order per line); the numbers written."""
    stats = ExportStats()
    for order in orders:
        out.write(json.dumps(order_json(order, names), ensure_ascii=False) + "\n")
        stats.orders += 1
        stats.rows += 1
        if progress is not None:
            progress(stats)
    return stats
