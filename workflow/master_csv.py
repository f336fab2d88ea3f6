"""Master data as CSV files: import (an upsert by natural key, all or nothing) and export.

One file per kind: clients, sites, contacts, catalog. A file is read whole and checked before
anything is written: any bad row and nothing changes, and every bad row is reported with its line
in the file, its column and what is wrong, so a person fixes the file once rather than once per
mistake. Existing keys are read once and the rows written in bulk (one statement per chunk), so
10,000 catalog items import in seconds.

Files from spreadsheets differ: UTF-8 with or without a byte-order mark; comma or semicolon
between values (European Excel writes semicolons, and then a decimal comma in prices is fine).
Export writes what import reads (comma, UTF-8 with a BOM, so spreadsheets read it as UTF-8):
export → import into an empty database → export gives the same file.

The invoicing columns (clients: vat_id, country; catalog: vat_rate, vat_exemption) come last and
may be left out: files written before them import as they did, and what is stored in a column the
file does not have stays as it is. A column that is there with an empty cell empties the value
(for vat_rate: the item takes the company's rate).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, TextIO

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from storage.db import writing
from storage.models import CatalogItem, Client, Contact, Order, Site, utcnow
from workflow.master_admin import (
    ClientFields,
    ContactFields,
    ItemFields,
    SiteFields,
    client_as_stored,
    client_problems,
    client_search_key,
    contact_problems,
    item_as_stored,
    item_problems,
    item_search_key,
    price_problem,
    site_problems,
)
from workflow.text_keys import fold

COLUMNS: dict[str, tuple[str, ...]] = {
    "clients": ("name", "number", "email", "phone", "billing_address", "active", "vat_id", "country"),
    "sites": ("client", "name", "address", "access_notes", "active"),
    "contacts": ("client", "site", "name", "phone", "email", "active"),
    "catalog": ("code", "name", "kind", "unit", "unit_price", "active", "vat_rate", "vat_exemption"),
}
# Columns a file may leave out to keep what is stored (the others, left out, are emptied as before)
KEPT_WHEN_ABSENT = frozenset({"vat_id", "country", "vat_rate", "vat_exemption"})
REQUIRED: dict[str, frozenset[str]] = {
    "clients": frozenset({"name"}),
    "sites": frozenset({"client", "name"}),
    "contacts": frozenset({"client", "name"}),
    "catalog": frozenset({"code", "name", "kind", "unit", "unit_price"}),
}
KINDS = tuple(COLUMNS)
BOM = "\ufeff"
CHUNK = 500  # rows per statement: SQLite caps the bound parameters of one statement
_TRUE = {"true", "yes", "1", ""}
_FALSE = {"false", "no", "0"}
# A VAT rate in percent: "21", "10.5", "21,5" (a comma is never a thousands separator below 100),
# "21 %"; the sign only to say that a negative rate is not one
_RATE = re.compile(r"(-?[0-9]+(?:[.,][0-9]+)?)\s*%?")


class Unreadable(Exception):
    """The file is not text this import can read (not UTF-8, or empty): nothing was imported."""


@dataclass(frozen=True)
class Problem:
    line: int  # in the file, counting from 1 (the header); 0 when about no one line
    column: str
    message: str


@dataclass
class ImportReport:
    kind: str
    rows: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class _Row:
    line: int
    cells: dict[str, str]


@dataclass
class _Plan:
    """What an import will write: rows to insert and rows to update (by id), as column dicts."""

    report: ImportReport
    columns: frozenset[str] = frozenset()  # the file's
    inserts: list[dict] = field(default_factory=list)
    updates: list[dict] = field(default_factory=list)

    def bad(self, line: int, column: str, message: str) -> None:
        self.report.problems.append(Problem(line, column, message))

    def given(self, values: dict[str, Any]) -> dict[str, Any]:
        """values less those of KEPT_WHEN_ABSENT columns the file leaves out (the stored ones stay)."""
        return {k: v for k, v in values.items() if k in self.columns or k not in KEPT_WHEN_ABSENT}


# ------------------------------------------------------------------------------------ reading


def read_table(data: bytes, kind: str) -> tuple[list[_Row], list[str], str, list[Problem]]:
    """The data rows of a CSV file (with the line each starts on), its columns, its delimiter, and
    what is wrong with its header. Raises Unreadable when it is not UTF-8 text or has no header."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise Unreadable(f"not UTF-8 text (byte {e.start + 1}): save it as “CSV UTF-8”") from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise Unreadable("the file is empty: it needs a header row") from None
    except csv.Error as e:
        raise Unreadable(f"line 1: {e}") from None
    names = [h.strip().lower() for h in header]
    problems: list[Problem] = []
    expected = COLUMNS[kind]
    for name in names:
        if name not in expected:
            problems.append(
                Problem(1, name or "(empty)", f"unknown column; {kind} has {', '.join(expected)}")
            )
        elif names.count(name) > 1:
            problems.append(Problem(1, name, "this column appears twice"))
    for name in sorted(REQUIRED[kind] - set(names), key=expected.index):
        problems.append(Problem(1, name, "missing column (required)"))
    rows: list[_Row] = []
    start = reader.line_num + 1
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            if not any(c.strip() for c in cells):
                continue  # blank lines, and the empty rows spreadsheets leave at the end
            if len(cells) > len(names):
                problems.append(Problem(line, "", f"{len(cells)} values for {len(names)} columns"))
                continue
            rows.append(_Row(line, {n: c for n, c in zip(names, cells, strict=False)}))
    except csv.Error as e:
        problems.append(Problem(reader.line_num, "", str(e)))
    return rows, names, delimiter, problems


def _active(row: _Row, plan: _Plan) -> bool:
    value = row.cells.get("active", "").strip().lower()
    if value in _TRUE:
        return True
    if value not in _FALSE:
        plan.bad(row.line, "active", f"“{value[:20]}” is not one of true, false, yes, no, 1, 0 (or empty)")
    return False


def _price(row: _Row, delimiter: str, plan: _Plan) -> Decimal:
    text = row.cells.get("unit_price", "").strip()
    pattern = r"-?[0-9]+(?:[.,][0-9]+)?" if delimiter == ";" else r"-?[0-9]+(?:\.[0-9]+)?"
    if not text:
        return Decimal(0)  # reported as missing with the other required fields
    if not re.fullmatch(pattern, text):
        plan.bad(row.line, "unit_price", f"“{text[:20]}” is not a price like 12.50")
        return Decimal(0)
    price = Decimal(text.replace(",", "."))
    problem = price_problem(price)
    if problem:
        plan.bad(row.line, "unit_price", problem)
    return price


def _vat_rate(row: _Row, plan: _Plan) -> Decimal | None:
    """The row's VAT rate in percent; None when empty (the company's rate); NaN when unreadable
    (reported here, so the shared checks name it once and do not judge the reason against it)."""
    text = _cell(row, "vat_rate")
    if not text:
        return None
    match = _RATE.fullmatch(text)
    if match is None:
        plan.bad(row.line, "vat_rate", f"“{text[:20]}” is not a rate in percent like 21 or 10.5")
        return Decimal("NaN")
    return Decimal(match[1].replace(",", "."))


def _required(row: _Row, kind: str, plan: _Plan) -> None:
    for name in COLUMNS[kind]:
        if name in REQUIRED[kind] and name in row.cells and not row.cells[name].strip():
            plan.bad(row.line, name, "required, but empty")


def _checked(row: _Row, problems: dict[str, str], plan: _Plan) -> None:
    reported = {p.column for p in plan.report.problems if p.line == row.line}
    for name, message in problems.items():
        if name not in reported:
            plan.bad(row.line, name, message)


def _cell(row: _Row, name: str) -> str:
    return row.cells.get(name, "").strip()


# ------------------------------------------------------------------------------------ import


def import_csv(
    engine: Engine,
    kind: str,
    data: bytes,
    actor: str = "cli",
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    now: datetime | None = None,
) -> ImportReport:
    """Upsert the file's rows by natural key in one transaction: every row, or none when any is bad
    (then report.problems lists them all). progress(done, total) follows the writing."""
    rows, columns, delimiter, header_problems = read_table(data, kind)
    plan = _Plan(ImportReport(kind, rows=len(rows), problems=list(header_problems)), frozenset(columns))
    if header_problems and any(p.line == 1 for p in header_problems):
        return plan.report  # the columns are not what they should be: the rows cannot be read
    at = now or utcnow()
    table = {"clients": Client, "sites": Site, "contacts": Contact, "catalog": CatalogItem}[kind]
    try:
        with writing(engine) as conn:
            if kind == "catalog":
                _plan_catalog(conn, rows, delimiter, plan, actor, at)
            else:
                {"clients": _plan_clients, "sites": _plan_sites, "contacts": _plan_contacts}[kind](
                    conn, rows, plan, actor, at
                )
            plan.report.problems.sort(key=lambda p: (p.line, _column_order(kind, p.column)))
            if plan.report.problems or dry_run:
                return plan.report  # only read so far: the transaction ends with nothing written
            _write(conn, table.__table__, plan, progress)  # type: ignore[attr-defined]
            if kind == "clients":
                _link_orders(conn)
    except IntegrityError as e:  # another process wrote the same keys meanwhile: all rolled back
        plan.bad(0, "", f"the file conflicts with the database: {str(e.orig).splitlines()[0][:200]}")
    return plan.report


def _column_order(kind: str, column: str) -> int:
    return COLUMNS[kind].index(column) if column in COLUMNS[kind] else -1


def _write(conn: Connection, table: Table, plan: _Plan, progress: Callable[[int, int], None] | None) -> None:
    total, done = len(plan.inserts) + len(plan.updates), 0
    for chunk in _chunks(plan.inserts):
        conn.execute(insert(table), chunk)
        done += len(chunk)
        if progress:
            progress(done, total)
    if plan.updates:
        columns = [k for k in plan.updates[0] if k != "id"]
        stmt = (
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values({c: bindparam(f"b_{c}") for c in columns})
        )
        for chunk in _chunks(plan.updates):
            conn.execute(stmt, [{f"b_{k}": v for k, v in row.items()} for row in chunk])
            done += len(chunk)
            if progress:
                progress(done, total)
    if progress and not total:
        progress(0, 0)


def _chunks(rows: list[dict]) -> Iterator[list[dict]]:
    for i in range(0, len(rows), CHUNK):
        yield rows[i : i + CHUNK]


def _upsert(plan: _Plan, existing: dict[str, Any] | None, values: dict, stamp: dict) -> None:
    """Count the row as new, updated or unchanged, and plan its write."""
    if existing is None:
        plan.report.new += 1
        plan.inserts.append({**values, **stamp, "created_at": stamp["updated_at"]})
    elif any(existing[k] != v for k, v in values.items()):
        plan.report.updated += 1
        plan.updates.append({"id": existing["id"], **values, **stamp})
    else:
        plan.report.unchanged += 1


def _existing(conn: Connection, table: Any) -> list[dict]:
    return [dict(r._mapping) for r in conn.execute(select(table.__table__))]


def _plan_catalog(
    conn: Connection, rows: list[_Row], delimiter: str, plan: _Plan, actor: str, at: datetime
) -> None:
    existing = {r["code"]: r for r in _existing(conn, CatalogItem)}
    for r in existing.values():
        r["unit_price"] = Decimal(r["unit_price"])
        r["vat_rate"] = None if r["vat_rate"] is None else Decimal(r["vat_rate"])
    seen: dict[str, int] = {}
    stamp = {"updated_by": actor, "updated_at": at}
    for row in rows:
        _required(row, "catalog", plan)
        price = _price(row, delimiter, plan)
        # a column the file leaves out keeps the stored value, which the checks then see
        stored = existing.get(_cell(row, "code")) or {"vat_rate": None, "vat_exemption": ""}
        rate = _vat_rate(row, plan) if "vat_rate" in plan.columns else stored["vat_rate"]
        reason = _cell(row, "vat_exemption") if "vat_exemption" in plan.columns else stored["vat_exemption"]
        fields = item_as_stored(
            ItemFields(
                _cell(row, "code"),
                _cell(row, "name"),
                _cell(row, "kind").lower(),
                _cell(row, "unit"),
                price,
                _active(row, plan),
                rate,
                reason,
            )
        )
        _checked(row, item_problems(fields), plan)
        if fields.code in seen:
            plan.bad(row.line, "code", f"{fields.code} is on line {seen[fields.code]} already")
            continue
        seen[fields.code] = row.line
        values = {
            "code": fields.code,
            "name": fields.name,
            "kind": fields.kind,
            "unit": fields.unit,
            "unit_price": price,
            "active": fields.active,
            "search_key": item_search_key(fields.code, fields.name),
            "vat_rate": fields.vat_rate,
            "vat_exemption": fields.vat_exemption,
        }
        _upsert(plan, existing.get(fields.code), plan.given(values), stamp)


def _plan_clients(conn: Connection, rows: list[_Row], plan: _Plan, actor: str, at: datetime) -> None:
    existing = _existing(conn, Client)
    by_number = {r["number"]: r for r in existing if r["number"]}
    by_key = {r["name_key"]: r for r in existing}
    seen_numbers: dict[str, int] = {}
    seen_keys: dict[str, int] = {}
    stamp = {"updated_by": actor, "updated_at": at}
    for row in rows:
        _required(row, "clients", plan)
        fields = client_as_stored(
            ClientFields(
                _cell(row, "name"),
                _cell(row, "number"),
                _cell(row, "email"),
                _cell(row, "phone"),
                _cell(row, "billing_address"),
                _active(row, plan),
                _cell(row, "vat_id"),
                _cell(row, "country"),
            )
        )
        _checked(row, client_problems(fields), plan)
        key, number = fold(fields.name), fields.number or None
        if number and number in seen_numbers:
            plan.bad(row.line, "number", f"{number} is on line {seen_numbers[number]} already")
            continue
        if key in seen_keys:
            plan.bad(row.line, "name", f"“{fields.name}” is on line {seen_keys[key]} already")
            continue
        seen_keys[key] = row.line
        if number:
            seen_numbers[number] = row.line
        target = by_number.get(number) if number else None
        named = by_key.get(key)
        if target is None and named is not None and number and named["number"] and named["number"] != number:
            plan.bad(row.line, "number", f"“{named['name']}” has number {named['number']} in the client list")
            continue
        target = target or named
        if target is not None and named is not None and named["id"] != target["id"]:
            plan.bad(row.line, "name", f"another client (number {named['number'] or 'none'}) has this name")
            continue
        values = {
            "name": fields.name,
            "name_key": key,
            "number": number,
            "email": fields.email,
            "phone": fields.phone,
            "billing_address": fields.billing_address,
            "active": fields.active,
            "search_key": client_search_key(fields.name, number),
            "vat_id": fields.vat_id,
            "country": fields.country,
        }
        _upsert(plan, target, plan.given(values), stamp)


def _client_finder(conn: Connection) -> Callable[[str], dict | None]:
    """The client a site or contact row names: by number first, then by name."""
    existing = _existing(conn, Client)
    by_number = {r["number"]: r for r in existing if r["number"]}
    by_key = {r["name_key"]: r for r in existing}
    return lambda typed: by_number.get(typed) or by_key.get(fold(typed))


def _plan_sites(conn: Connection, rows: list[_Row], plan: _Plan, actor: str, at: datetime) -> None:
    client_of = _client_finder(conn)
    existing = {(r["client_id"], r["name_key"]): r for r in _existing(conn, Site)}
    seen: dict[tuple[int, str], int] = {}
    stamp = {"updated_by": actor, "updated_at": at}
    for row in rows:
        _required(row, "sites", plan)
        fields = SiteFields(
            _cell(row, "name"), _cell(row, "address"), _cell(row, "access_notes"), _active(row, plan)
        )
        _checked(row, site_problems(fields), plan)
        client = client_of(_cell(row, "client"))
        if client is None:
            if _cell(row, "client"):
                plan.bad(row.line, "client", f"no client named or numbered “{_cell(row, 'client')[:60]}”")
            continue
        key = (client["id"], fold(fields.name))
        if key in seen:
            plan.bad(row.line, "name", f"{client['name']}’s “{fields.name}” is on line {seen[key]} already")
            continue
        seen[key] = row.line
        values = {
            "client_id": client["id"],
            "name": fields.name,
            "name_key": key[1],
            "address": fields.address,
            "access_notes": fields.access_notes,
            "active": fields.active,
            "search_key": fold(fields.name)[:300],
        }
        _upsert(plan, existing.get(key), values, stamp)


def _plan_contacts(conn: Connection, rows: list[_Row], plan: _Plan, actor: str, at: datetime) -> None:
    client_of = _client_finder(conn)
    sites = {(r["client_id"], r["name_key"]): r for r in _existing(conn, Site)}
    existing = {(r["client_id"], r["site_id"], r["name_key"]): r for r in _existing(conn, Contact)}
    seen: dict[tuple[int, int | None, str], int] = {}
    stamp = {"updated_by": actor, "updated_at": at}
    for row in rows:
        _required(row, "contacts", plan)
        fields = ContactFields(
            _cell(row, "name"), None, _cell(row, "phone"), _cell(row, "email"), _active(row, plan)
        )
        _checked(row, contact_problems(fields), plan)
        client = client_of(_cell(row, "client"))
        if client is None:
            if _cell(row, "client"):
                plan.bad(row.line, "client", f"no client named or numbered “{_cell(row, 'client')[:60]}”")
            continue
        site_id = None
        if _cell(row, "site"):
            site = sites.get((client["id"], fold(_cell(row, "site"))))
            if site is None:
                plan.bad(row.line, "site", f"{client['name']} has no site “{_cell(row, 'site')[:60]}”")
                continue
            site_id = site["id"]
        key = (client["id"], site_id, fold(fields.name))
        if key in seen:
            plan.bad(row.line, "name", f"“{fields.name}” is on line {seen[key]} already")
            continue
        seen[key] = row.line
        values = {
            "client_id": client["id"],
            "site_id": site_id,
            "name": fields.name,
            "name_key": key[2],
            "phone": fields.phone,
            "email": fields.email,
            "active": fields.active,
        }
        _upsert(plan, existing.get(key), values, stamp)


def _link_orders(conn: Connection) -> None:
    """Orders whose client was typed rather than picked, and whose name is now a client's, are
    linked to it (their text stays as typed)."""
    names = {key: cid for cid, key in conn.execute(select(Client.id, Client.name_key))}
    typed = conn.execute(select(Order.id, Order.client).where(Order.client_id.is_(None))).all()  # type: ignore[union-attr]
    links = [{"b_id": oid, "b_client": names[fold(c)]} for oid, c in typed if fold(c) in names]
    if links:
        stmt = update(Order.__table__).where(Order.__table__.c.id == bindparam("b_id"))  # type: ignore[attr-defined]
        conn.execute(stmt.values(client_id=bindparam("b_client")), links)


# ------------------------------------------------------------------------------------ export


def export_csv(engine: Engine, kind: str, out: TextIO) -> int:
    """Write every record of kind (active or not) to out in import's columns; the rows written."""
    writer = csv.writer(out)
    out.write(BOM)
    writer.writerow(COLUMNS[kind])
    n = 0
    with engine.connect() as conn:
        for row in _export_rows(conn, kind):
            writer.writerow(row)
            n += 1
    return n


def _yes(active: bool) -> str:
    return "true" if active else "false"


def _rate_text(rate: Decimal | None) -> str:
    """21, 10.5, 0; empty for the company's rate."""
    return "" if rate is None else format(Decimal(rate).normalize(), "f")


def _export_rows(conn: Connection, kind: str) -> Iterable[list[str]]:
    if kind == "catalog":
        for r in sorted(_existing(conn, CatalogItem), key=lambda r: r["code"]):
            price = format(Decimal(r["unit_price"]).quantize(Decimal("0.01")), "f")
            yield [
                r["code"],
                r["name"],
                r["kind"],
                r["unit"],
                price,
                _yes(r["active"]),
                _rate_text(r["vat_rate"]),
                r["vat_exemption"],
            ]
        return
    clients = {r["id"]: r for r in _existing(conn, Client)}
    if kind == "clients":
        for r in sorted(clients.values(), key=lambda r: r["name_key"]):
            yield [
                r["name"],
                r["number"] or "",
                r["email"],
                r["phone"],
                r["billing_address"],
                _yes(r["active"]),
                r["vat_id"],
                r["country"],
            ]
        return
    sites = {r["id"]: r for r in _existing(conn, Site)}
    if kind == "sites":
        for r in sorted(sites.values(), key=lambda r: (clients[r["client_id"]]["name_key"], r["name_key"])):
            client = clients[r["client_id"]]["name"]
            yield [client, r["name"], r["address"], r["access_notes"], _yes(r["active"])]
        return

    def contact_order(r: dict) -> tuple:
        site = sites[r["site_id"]]["name_key"] if r["site_id"] else ""
        return (clients[r["client_id"]]["name_key"], site, r["name_key"])

    for r in sorted(_existing(conn, Contact), key=contact_order):
        site = sites[r["site_id"]]["name"] if r["site_id"] else ""
        yield [clients[r["client_id"]]["name"], site, r["name"], r["phone"], r["email"], _yes(r["active"])]
