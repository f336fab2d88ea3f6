"""The Articles form: Block Kit within Slack's limits with as many articles as an order may have;
only the statuses a person changed are sent (with the one the form showed); the article added is
read with its quantity; bad input is an error under its field, never an exception."""

from __future__ import annotations

from decimal import Decimal

import pytest
from slack_sdk.models.views import View
from test_forms import fill

from forms import ArticleRow, articles_modal, ids, parse_articles
from forms.articles import parse_quantity

ROWS = [
    ArticleRow(7, "Router AX", Decimal(2), "pcs", "to_order"),
    ArticleRow(9, "PSU <b>12 V</b> " + "x" * 300, Decimal("1.5"), "m", "delivered"),
]


@pytest.mark.parametrize("catalog", [False, True])
def test_the_form_is_valid_block_kit_even_with_forty_articles(catalog: bool) -> None:
    many = [
        ArticleRow(i, f"Article {i} " + "y" * 480, Decimal(999999), "u" * 20, "ordered") for i in range(1, 41)
    ]
    for rows in (ROWS, many, []):
        view = articles_modal(42, "SO-0042", rows, ["2 pcs Old router"] * 200, catalog=catalog)
        View(**view).validate_json()
        assert view["callback_id"] == ids.ARTICLES and len(view["blocks"]) <= 100
    labels = [
        b["label"]["text"] for b in articles_modal(42, "SO-0042", ROWS, [])["blocks"] if b["type"] == "input"
    ]
    assert labels[0] == "2 pcs Router AX" and len(labels[1]) == 150


def test_only_changed_statuses_and_the_article_added_are_sent() -> None:
    view = articles_modal(42, "SO-0042", ROWS, [], catalog=True)
    submitted = fill(
        view,
        {
            ids.article_status_block(7): "ordered",  # changed
            ids.ARTICLE_DESC: "  Patch cable  ",
            ids.ARTICLE_QUANTITY: "3,5",
            ids.ARTICLE_UNIT: "m",
        },
    )
    result = parse_articles(submitted)
    assert result.ok, result.errors
    draft = result.value
    assert draft.order_id == 42 and draft.statuses == ((7, "to_order", "ordered"),)  # 9 unchanged
    [added] = draft.added
    assert (added.description, added.quantity, added.unit, added.catalog_item_id) == (
        "Patch cable",
        Decimal("3.5"),
        "m",
        None,
    )
    # a catalog item picked (an external_select's option) and no quantity: one
    submitted["state"]["values"][ids.ARTICLE_CATALOG] = {
        ids.ARTICLE_CATALOG: {"type": "external_select", "selected_option": {"value": "12"}}
    }
    submitted["state"]["values"][ids.ARTICLE_DESC][ids.ARTICLE_DESC]["value"] = None
    submitted["state"]["values"][ids.ARTICLE_QUANTITY][ids.ARTICLE_QUANTITY]["value"] = None
    [added] = parse_articles(submitted).value.added  # type: ignore[union-attr]
    assert (added.catalog_item_id, added.quantity, added.description) == (12, Decimal(1), "")


@pytest.mark.parametrize(
    ("answers", "block", "words"),
    [
        ({}, ids.ARTICLE_DESC, "Nothing to save"),
        ({ids.ARTICLE_QUANTITY: "2"}, ids.ARTICLE_DESC, "Describe the article"),
        ({ids.ARTICLE_DESC: "Router", ids.ARTICLE_QUANTITY: "two"}, ids.ARTICLE_QUANTITY, "quantity"),
        ({ids.ARTICLE_DESC: "Router", ids.ARTICLE_QUANTITY: "0"}, ids.ARTICLE_QUANTITY, "above 0"),
        ({ids.ARTICLE_DESC: "Router", ids.ARTICLE_QUANTITY: "1.2345"}, ids.ARTICLE_QUANTITY, "3 decimals"),
        ({ids.ARTICLE_DESC: "Router", ids.ARTICLE_QUANTITY: "1e9"}, ids.ARTICLE_QUANTITY, "quantity"),
    ],
)
def test_bad_input_is_an_error_under_its_field(answers: dict, block: str, words: str) -> None:
    result = parse_articles(fill(articles_modal(42, "SO-0042", ROWS, []), answers))
    assert not result.ok and words in result.errors[block]


def test_a_form_without_its_order_is_refused_and_odd_payloads_never_raise() -> None:
    view = fill(articles_modal(42, "SO-0042", ROWS, []), {ids.ARTICLE_DESC: "Router"})
    assert (
        "could not be matched" in parse_articles({**view, "private_metadata": "{}"}).errors[ids.ARTICLE_DESC]
    )
    assert not parse_articles({"state": {"values": {ids.ARTICLE_DESC: "x"}}}).ok
    assert not parse_articles(None).ok


@pytest.mark.parametrize(
    ("typed", "expected"), [("2", "2"), ("1,5", "1.5"), ("0.125", "0.125"), ("10", "10")]
)
def test_quantities_as_people_type_them(typed: str, expected: str) -> None:
    assert parse_quantity(typed) == Decimal(expected)
