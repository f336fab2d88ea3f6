"""Articles to be ordered: what the field needs bought for an order, followed from *to order* to
*ordered* to *delivered*, and then *used*: moved into the order's lines, as material lines of a new
revision, at the price kept from the catalog when the article was added.

Until used, an article is in no revision's lines: it is never invoiced, and Ready for invoicing
refuses while any is still to order or delivered but not used (workflow.invoice_gate). A status
change is no revision (the lines stay as they are); each revision keeps a snapshot of the articles
not used yet, which its PDF prints (workflow.changes.Tx.add_revision).

When articles are added, the company's purchasing address (the company file's articles.email) is
sent "Articles to order on SO-0042" through the outbox (an effect of no order: a mail server that
is down holds up no card update).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage.models import Article, CatalogItem, Effect, Order
from workflow import commands as c
from workflow import effects as fx
from workflow import queries as q
from workflow.changes import Tx
from workflow.errors import Refused
from workflow.money import exact_price, exact_quantity, quantity_text
from workflow.policy import Policy
from workflow.rules import Action
from workflow.snapshots import ARTICLE_STATUS_TEXT

TO_ORDER, ORDERED, DELIVERED, USED = "to_order", "ordered", "delivered", "used"
SETTABLE = (TO_ORDER, ORDERED, DELIVERED)  # what a person picks; USED only comes from Use
DESCRIPTION_MAX = 500
UNIT_MAX = 20
QUANTITY_MAX = Decimal("1e12")
OPEN_MAX = 40  # articles not used yet, per order: the Articles modal lists each (Slack: 100 blocks)


def article_text(description: str, quantity: Decimal, unit: str, status: str = "") -> str:
    """'2 pcs Router AX (to order)': an article in words (plain text: escape it to show it)."""
    text = f"{quantity_text(quantity)} {unit} {description}".replace("  ", " ").strip()
    return f"{text} ({ARTICLE_STATUS_TEXT.get(status, status)})" if status else text


def _rows(s: Session, order_id: int, statuses: Sequence[str] | None = None) -> list[Article]:
    query = select(Article).where(Article.order_id == order_id)
    if statuses is not None:
        query = query.where(col(Article.status).in_(list(statuses)))
    return list(s.exec(query.order_by(col(Article.position), col(Article.id))).all())


def open_rows(s: Session, order_id: int) -> list[Article]:
    """The order's articles not in the lines yet."""
    return _rows(s, order_id, SETTABLE)


# ------------------------------------------------------------------------------------ checks
# The checks of workflow.checks for the article commands: (session, policy, actor, cmd, lock) → order.


def _draft(s: Session, d: c.ArticleDraft) -> None:
    if d.catalog_item_id is not None:
        item = s.get(CatalogItem, d.catalog_item_id)
        if item is None or not item.active:
            raise Refused("invalid", "That catalog item is no longer in the catalog.", field="catalog")
    elif not d.description.strip():
        raise Refused("invalid", "Describe the article, or pick it from the catalog.", field="description")
    if len(d.description.strip()) > DESCRIPTION_MAX:
        raise Refused(
            "invalid", f"A description has at most {DESCRIPTION_MAX} characters.", field="description"
        )
    if not (0 < d.quantity < QUANTITY_MAX) or d.quantity != exact_quantity(d.quantity):
        raise Refused(
            "invalid", "Give a quantity above 0, with at most 3 decimals, e.g. 2 or 1.5.", field="quantity"
        )
    if len(d.unit.strip()) > UNIT_MAX:
        raise Refused("invalid", f"A unit has at most {UNIT_MAX} characters.", field="unit")


def check_articles(s: Session, policy: Policy, actor: str, cmd: c.Articles, lock: bool, open_order) -> Order:  # type: ignore[no-untyped-def]
    if not cmd.added and not cmd.statuses:
        raise Refused("invalid", "Nothing to save: add an article or change a status.", field="description")
    for d in cmd.added:
        _draft(s, d)
    order = open_order(s, policy, cmd.order_id, actor, Action.ARTICLES, lock)
    rows = {a.id: a for a in _rows(s, order.id)}
    for change in cmd.statuses:
        article = rows.get(change.article_id)
        if article is None:
            raise Refused("not_found", "That article is not on this order. Open Articles again.")
        if change.status not in SETTABLE:
            raise Refused("invalid", f"Unknown status '{change.status}'.", field="statuses")
        if article.status != change.was:
            now = ARTICLE_STATUS_TEXT.get(article.status, article.status)
            raise Refused(
                "stale",
                f"'{article.description}' changed since you opened Articles (it is {now} now). "
                "Close the form and open Articles again.",
                field="statuses",
            )
    if cmd.added and sum(1 for a in rows.values() if a.status != USED) + len(cmd.added) > OPEN_MAX:
        raise Refused(
            "invalid",
            f"An order has at most {OPEN_MAX} articles to be ordered at a time: "
            "use the delivered ones first.",
            field="description",
        )
    return order


def check_use(s: Session, policy: Policy, actor: str, cmd: c.UseArticles, lock: bool, open_order) -> Order:  # type: ignore[no-untyped-def]
    order = open_order(s, policy, cmd.order_id, actor, Action.USE_ARTICLES, lock)
    if not _rows(s, order.id, (DELIVERED,)):
        raise Refused(
            "duplicate",
            f"{order.number} has no delivered articles to move into the lines (already moved, or none "
            "delivered yet). Nothing was changed.",
        )
    return order


# ------------------------------------------------------------------------------------ changes


def change_articles(tx: Tx, actor: str, cmd: c.Articles) -> None:
    """Add the articles (to order) and apply the status changes; the purchasing address is emailed
    the articles added."""
    s, order = tx.session, tx.order
    added: list[str] = []
    last = s.exec(select(func.max(Article.position)).where(Article.order_id == order.id)).one() or 0
    for n, d in enumerate(cmd.added, start=1):
        item = s.get(CatalogItem, d.catalog_item_id) if d.catalog_item_id is not None else None
        description = d.description.strip() or (item.name if item else "")
        unit = d.unit.strip() or (item.unit if item else "") or "pcs"
        article = Article(
            order_id=order.id,  # type: ignore[arg-type]
            position=last + n,
            description=description[:DESCRIPTION_MAX],
            quantity=exact_quantity(d.quantity),
            unit=unit[:UNIT_MAX],
            code=item.code if item else "",
            catalog_item_id=item.id if item else None,
            unit_price=exact_price(item.unit_price) if item else Decimal(0),
            status=TO_ORDER,
            added_by=actor,
            created_at=tx.now,
            updated_at=tx.now,
            updated_by=actor,
        )
        s.add(article)
        added.append(article_text(article.description, article.quantity, article.unit))
    changed: list[str] = []
    for change in cmd.statuses:
        article = s.get(Article, change.article_id)
        assert article is not None and article.order_id == order.id  # checked, in this transaction
        if article.status == change.status:
            continue
        article.status, article.updated_at, article.updated_by = change.status, tx.now, actor
        s.add(article)
        changed.append(f"{article.description}: {ARTICLE_STATUS_TEXT[change.status]}")
    s.flush()
    if not added and not changed:
        tx.flush()  # statuses as they were: nothing to tell
        return
    act = tx.log(actor, "articles", "; ".join(added + changed)[:4000], {"added": added, "changed": changed})
    tx.announce(act, fx.ARTICLES_CHANGED, actor, added=added, changed=changed)
    if added and tx.policy.articles_email:
        _queue_email(tx, act.id, actor, cmd.user_name, added)  # type: ignore[arg-type]
    tx.move(Action.ARTICLES)
    tx.touch()


def email_subject(number: str) -> str:
    return f"Articles to order on {number}"


def _queue_email(tx: Tx, activity_id: int, actor: str, user_name: str, added: list[str]) -> None:
    order = tx.order
    who = user_name.strip() or actor
    text = "\n".join(
        [
            f"Articles to order on {order.number} ({order.client} · {order.title}), added by {who}:",
            "",
            *[f"- {a}" for a in added],
            "",
            "Mark them ordered and delivered in the order's Articles window in Slack.",
        ]
    )
    payload = {
        "to": tx.policy.articles_email,
        "subject": email_subject(order.number),
        "text": text,
        "order": order.number,
    }
    key = f"email:articles:{order.number}:{activity_id}"
    # no order: a mail server that is down holds up none of the order's own effects
    tx.session.add(Effect(key=key, order_id=None, kind=fx.EMAIL, payload=payload, created_at=tx.now))


def use_articles(tx: Tx, actor: str, cmd: c.UseArticles) -> None:
    """A new revision (a confirmation) whose lines are the current ones and the delivered articles as
    material lines at their kept price; the articles are used. The order's row is locked (checked in
    this transaction): a second click finds nothing delivered and changes nothing."""
    s, order = tx.session, tx.order
    delivered = _rows(s, order.id, (DELIVERED,))  # type: ignore[arg-type]
    for a in delivered:
        a.status, a.updated_at, a.updated_by = USED, tx.now, actor
        s.add(a)
    s.flush()  # used before the revision's snapshot of the articles still open
    lines = [
        *q.lines_of(s, order.id, order.current_revision),  # type: ignore[arg-type]
        *(
            c.LineDraft(
                "material", a.description, a.quantity, a.unit, a.unit_price, a.code, a.catalog_item_id
            )
            for a in delivered
        ),
    ]
    number = order.current_revision + 1
    used = [article_text(a.description, a.quantity, a.unit) for a in delivered]
    note = "Delivered articles used: " + "; ".join(used)
    tx.move(Action.USE_ARTICLES)
    tx.add_revision(number, "confirmation", actor, lines, note=note[:3000])
    act = tx.log(actor, "articles_used", note[:4000], {"revision": number, "articles": used})
    tx.announce(act, fx.ARTICLES_USED, actor, revision=number, articles=used)
    tx.queue(fx.UPLOAD_PDF, f"pdf:{order.number}:r{number}", {"revision": number})
    tx.touch()
