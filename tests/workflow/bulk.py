"""Many orders at once, written with bulk inserts (not through the workflow, which would take
minutes for ten thousand): for the search, paging and export tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Engine

from storage.models import Counter, Line, Member, Order, Revision

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
STATUSES = ("pending_approval", "in_progress", "closed", "rejected", "cancelled")
CHUNK = 1000


def insert_orders(
    engine: Engine,
    count: int,
    *,
    requester: str = "U_COORD",
    lines_per_order: int = 2,
    status: Callable[[int], str] = lambda i: STATUSES[i % len(STATUSES)],
    client: Callable[[int], str] = lambda i: f"Client {i % 7}",
    title: Callable[[int], str] = lambda i: f"Order {i}",
    planned: Callable[[int], date | None] = lambda i: date(2026, 1, 1) + timedelta(days=i % 60),
    channel: Callable[[int], str | None] = lambda i: f"C{i:09d}",
) -> list[int]:
    """Insert count orders after the last one, each with one revision of lines_per_order lines and
    its requester as member; the order counter follows. Their seqs, in order."""
    with engine.begin() as conn:
        first = int(conn.execute(select(func.coalesce(func.max(Order.seq), 0))).scalar_one()) + 1
        seqs = list(range(first, first + count))
        for start in range(0, count, CHUNK):
            chunk = seqs[start : start + CHUNK]
            conn.execute(
                insert(Order),
                [
                    dict(
                        seq=i,
                        number=f"SO-{i:04d}",
                        status=status(i),
                        version=1,
                        client=client(i),
                        site=f"Site {i}",
                        contact="",
                        title=title(i),
                        description=f"Work number {i}",
                        planned_date=planned(i),
                        priority="normal",
                        requester_id=requester,
                        channel_id=channel(i),
                        channel_name=f"so-{i:04d}",
                        current_revision=0,
                        reject_reason="",
                        outcome="completed" if status(i) == "closed" else "",
                        outcome_reason="",
                        created_at=T0 + timedelta(minutes=i),
                        updated_at=T0 + timedelta(minutes=i),
                    )
                    for i in chunk
                ],
            )
            ids = dict(
                conn.execute(
                    select(Order.seq, Order.id).where(Order.seq >= chunk[0], Order.seq <= chunk[-1])
                ).all()
            )
            conn.execute(
                insert(Member),
                [
                    dict(
                        order_id=ids[i], user_id=requester, role="requester", added_by=requester, added_at=T0
                    )
                    for i in chunk
                ],
            )
            conn.execute(
                insert(Revision),
                [
                    dict(
                        order_id=ids[i],
                        number=0,
                        kind="submitted",
                        author_id=requester,
                        note="",
                        final=False,
                        status=status(i),
                        outcome="",
                        field_workers=[],
                        last_activity_id=0,
                        total=Decimal("12.50") * lines_per_order,
                        created_at=T0,
                    )
                    for i in chunk
                ],
            )
            if lines_per_order:
                revisions = dict(
                    conn.execute(
                        select(Revision.order_id, Revision.id).where(
                            Revision.order_id.in_([ids[i] for i in chunk])  # type: ignore[attr-defined]
                        )
                    ).all()
                )
                conn.execute(
                    insert(Line),
                    [
                        dict(
                            revision_id=revisions[ids[i]],
                            position=p,
                            kind="material",
                            description=f"Part {p} of order {i}",
                            quantity=Decimal("2.5"),
                            unit="pcs",
                            unit_price=Decimal("5.00"),
                        )
                        for i in chunk
                        for p in range(1, lines_per_order + 1)
                    ],
                )
        last = seqs[-1] if seqs else first - 1
        if conn.execute(update(Counter).where(Counter.name == "order").values(value=last)).rowcount == 0:
            conn.execute(insert(Counter).values(name="order", value=last))
    return seqs
