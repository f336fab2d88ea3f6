"""Commands as data: every command survives JSON (what the inbox stores) unchanged, and anything
else read back is refused with a message that says what is wrong."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflow import commands as c
from workflow.rules import RULES, Action

LINE = c.LineDraft("material", "Cable Cat6 – 5 m", Decimal("12.50"), "m", Decimal("1.990"), "CAB-6", 7)
CUSTOM = ({"form": "close", "key": "km", "label": "Km", "type": "number", "value": "12.5", "text": "12.5"},)
DRAFT = c.OrderDraft(
    "Acme",
    "Main Street 1",
    "Jo",
    "Router",
    "Replace the edge router",
    date(2025, 3, 4),
    "high",
    (LINE, c.LineDraft("service", "Swap", Decimal("2"), "h", Decimal("45.00"))),
    client_id=1,
    site_id=2,
    contact_id=None,
    custom=({"form": "new_order", "key": "type", "value": "repair", "text": "Repair", "pdf": True},),
)
EVERY_COMMAND = [
    c.Submit(DRAFT),
    c.Submit(c.OrderDraft("A", "", "", "T", "", None, "normal", ())),
    c.Approve(3),
    c.Reject(3, "No budget this month"),
    c.AddFieldWorkers(3, ("U1", "U2")),
    c.Confirm(3, 1, (LINE,), "Longer cable", final=True, custom=CUSTOM),
    c.Confirm(3, 2, ()),
    c.Close(3, "not_performed", "Site closed", CUSTOM),
    c.Cancel(3, "The client withdrew"),
    c.Reinstate(3),
    c.Delete(3, "SO-0003"),
    c.EmailCustomer(3, "marta@clinica.example", "Your order SO-0003", "Hello Marta,\n\nattached."),
    c.CreateBackorder(3),
    c.CreateBackorder(3, (0, 2), "The second router", date(2025, 3, 10), "Bring the long cable"),
    c.CustomerCopy(3),
    c.Note("C0001", "Ev1", "1700000000.000100", "On site", ("F1",), "eyes"),
    c.ReadyForInvoicing(3),
    c.MarkInvoiced(3, "FV-2026-0187"),
    c.MarkInvoiced(3),
    c.Restore(3, "Wrong VAT number"),
    c.Confirm(3, 2, (LINE,), time=(c.Billed(7, 150), c.Billed(8, 0))),
    c.StartWork(3, "Diego Ruiz"),
    c.StopWork(3),
    c.LogTime(3, date(2025, 3, 4), 150, "cabling", "Diego Ruiz", "command"),
    c.CorrectTime(3, 7, date(2025, 3, 4), 90, "was less"),
    c.CorrectTime(3, 7, date(2025, 3, 4), 0, remove=True),
    c.Articles(
        3,
        (c.ArticleDraft("Router AX", Decimal("2"), "pcs"), c.ArticleDraft("", Decimal("1.5"), "", 12)),
        (c.ArticleStatus(5, "to_order", "ordered"),),
        "Diego Ruiz",
    ),
    c.UseArticles(3),
    c.Close(3, "completed", attested=True),
    c.Confirm(3, 2, (LINE,), final=True, attested=True),
    c.SelfCheck(
        3,
        9,
        (
            c.CheckAnswer("i1", "", checked=True),
            c.CheckAnswer("i2", "2026-12-06T08:00:00+00:00", text="2.5"),
            c.CheckAnswer("i3", files=({"id": "F0METER1", "name": "meter.jpg"},)),
        ),
    ),
]


def test_every_kind_of_command_is_in_the_list():
    assert {type(x) for x in EVERY_COMMAND} == set(c.COMMANDS.values())
    assert set(c.COMMANDS) <= {a.value for a in RULES}


@pytest.mark.parametrize("cmd", EVERY_COMMAND, ids=lambda x: type(x).__name__)
def test_a_command_survives_json(cmd):
    d = c.to_dict(cmd)
    assert d["kind"] == cmd.action.value
    text = json.dumps(d)  # JSON-able as it is: no Decimal, no date
    back = c.from_dict(json.loads(text))
    assert back == cmd and type(back) is type(cmd)
    assert isinstance(back.action, Action)


def test_exact_numbers_and_dates_keep_their_form():
    d = c.to_dict(c.Submit(DRAFT))
    assert d["draft"]["lines"][0]["unit_price"] == "1.990"
    assert d["draft"]["planned_date"] == "2025-03-04"
    back = c.from_dict(d)
    assert str(back.draft.lines[0].unit_price) == "1.990"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "bad, says",
    [
        ([], "JSON object"),
        ({}, "unknown command kind"),
        ({"kind": "launch"}, "unknown command kind"),
        ({"kind": "approve"}, "missing field 'order_id'"),
        ({"kind": "approve", "order_id": "3"}, "approve.order_id: expected a whole number"),
        ({"kind": "approve", "order_id": True}, "expected a whole number"),
        ({"kind": "approve", "order_id": 3, "extra": 1}, "unknown field(s) extra"),
        ({"kind": "reject", "order_id": 3, "reason": None}, "reject.reason: expected text"),
        ({"kind": "add_field_workers", "order_id": 3, "user_ids": "U1"}, "expected a list"),
        ({"kind": "close", "order_id": 3, "outcome": "completed", "custom": [1]}, "close.custom[0]"),
        ({"kind": "confirm", "order_id": 3, "base_revision": 1, "lines": [{}]}, "confirm.lines[0]: missing"),
        ({"kind": "confirm", "order_id": 3, "base_revision": 1, "lines": [], "final": "y"}, "true or false"),
    ],
)
def test_anything_malformed_is_refused_clearly(bad, says):
    with pytest.raises(ValueError) as e:
        c.from_dict(bad)
    assert says in str(e.value)


@pytest.mark.parametrize("price", ["NaN", "Infinity", "12,5", "", 12.5])
def test_a_price_must_be_an_exact_finite_number(price):
    d = c.to_dict(c.Confirm(3, 1, (LINE,)))
    d["lines"][0]["unit_price"] = price
    with pytest.raises(ValueError, match=r"confirm\.lines\[0\]\.unit_price"):
        c.from_dict(d)


def test_a_date_must_be_iso():
    d = c.to_dict(c.Submit(DRAFT))
    d["draft"]["planned_date"] = "04/03/2025"
    with pytest.raises(ValueError, match="not an ISO date"):
        c.from_dict(d)


@settings(max_examples=60, deadline=None)
@given(
    reason=st.text(max_size=200),
    users=st.lists(st.text(max_size=12), max_size=4),
    quantity=st.decimals(allow_nan=False, allow_infinity=False, places=3),
)
def test_any_text_and_number_round_trip(reason, users, quantity):
    line = c.LineDraft("service", reason, quantity, "h", quantity)
    for cmd in (c.Reject(1, reason), c.AddFieldWorkers(1, tuple(users)), c.Confirm(1, 0, (line,), reason)):
        assert c.from_dict(json.loads(json.dumps(c.to_dict(cmd)))) == cmd
