"""Column types on both backends: exact Decimals, UTC timestamps, JSON, constraints, SQLite tuning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlmodel import Session, select

from storage.db import make_engine, transaction
from storage.models import Effect, Line, Order, Revision

AT = datetime(2025, 3, 3, 9, 30, 15, 123456, tzinfo=UTC)


def new_order(seq: int = 1, **kw) -> Order:  # type: ignore[no-untyped-def]
    fields = dict(
        seq=seq,
        number=f"SO-{seq:04d}",
        status="pending_approval",
        client="Acme",
        site="Main Street 1",
        title="Router",
        requester_id="U1",
        created_at=AT,
        updated_at=AT,
    )
    fields.update(kw)
    return Order(**fields)


def store_order_with_line(engine, quantity: Decimal, price: Decimal, total: Decimal) -> int:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        order = new_order()
        s.add(order)
        s.flush()
        rev = Revision(
            order_id=order.id,
            number=0,
            kind="submitted",
            author_id="U1",
            status="pending_approval",
            total=total,
            created_at=AT,
        )
        s.add(rev)
        s.flush()
        s.add(
            Line(
                revision_id=rev.id,
                position=1,
                kind="material",
                description="Cable",
                quantity=quantity,
                unit="m",
                unit_price=price,
            )
        )
        return rev.id


@pytest.mark.parametrize(
    ("quantity", "price", "total"),
    [
        ("12345678.125", "0.01", "123456.78"),
        ("0.001", "0.01", "0.00"),
        ("2", "45.00", "90.00"),
        ("999999999999999.999", "9999999999999999.99", "9999999999999999.99"),  # the columns' limits
    ],
)
def test_decimals_round_trip_exactly(engine, quantity, price, total):
    rev_id = store_order_with_line(engine, Decimal(quantity), Decimal(price), Decimal(total))
    with Session(engine) as s:
        stored = s.exec(select(Line).where(Line.revision_id == rev_id)).one()
        rev = s.get(Revision, rev_id)
        assert rev is not None
        for value, expected in [(stored.quantity, quantity), (stored.unit_price, price), (rev.total, total)]:
            assert isinstance(value, Decimal)
            assert value == Decimal(expected)
            assert value.normalize() == Decimal(expected).normalize()


def test_timestamps_come_back_timezone_aware_utc(engine):
    lisbon_summer = timezone(timedelta(hours=1))
    decided = datetime(2025, 7, 1, 10, 0, tzinfo=lisbon_summer)  # 09:00 UTC
    with transaction(engine) as s:
        s.add(new_order(decided_at=decided))
    with Session(engine) as s:
        order = s.exec(select(Order)).one()
        assert order.created_at == AT
        assert order.created_at.utcoffset() == timedelta(0)
        assert order.created_at.microsecond == 123456
        assert order.decided_at == decided
        assert order.decided_at is not None and order.decided_at.tzinfo is not None
        assert order.decided_at.utcoffset() == timedelta(0)
        assert order.decided_at.hour == 9
        assert order.closed_at is None


def test_naive_datetime_is_refused(engine):
    with pytest.raises((ValueError, StatementError), match="naive datetime"):
        with transaction(engine) as s:
            s.add(new_order(created_at=datetime(2025, 3, 3, 9, 0)))
    with Session(engine) as s:
        assert s.exec(select(Order)).all() == []  # nothing was written


def test_json_columns_round_trip(engine):
    with transaction(engine) as s:
        order = new_order()
        s.add(order)
        s.flush()
        s.add(
            Effect(
                key="invite:SO-0001:submit",
                order_id=order.id,
                kind="invite",
                payload={"users": ["U1", "U2"], "private": True, "name": "so-0001-clínica"},
            )
        )
    with Session(engine) as s:
        effect = s.exec(select(Effect)).one()
        assert effect.payload == {"users": ["U1", "U2"], "private": True, "name": "so-0001-clínica"}
        assert (effect.status, effect.attempts, effect.not_before) == ("pending", 0, None)


def test_foreign_keys_are_enforced(engine):
    with pytest.raises(IntegrityError):
        with transaction(engine) as s:
            s.add(
                Revision(
                    order_id=999,
                    number=0,
                    kind="submitted",
                    author_id="U1",
                    status="pending_approval",
                    total=Decimal("0.00"),
                )
            )


def test_order_numbers_and_effect_keys_are_unique(engine):
    with transaction(engine) as s:
        s.add(new_order(1))
    with pytest.raises(IntegrityError):
        with transaction(engine) as s:
            s.add(new_order(2, number="SO-0001"))
    with transaction(engine) as s:
        s.add(Effect(key="k", kind="dm"))
    with pytest.raises(IntegrityError):
        with transaction(engine) as s:
            s.add(Effect(key="k", kind="dm"))


def test_transaction_writes_all_or_nothing(engine):
    with pytest.raises(RuntimeError):
        with transaction(engine) as s:
            s.add(new_order(1))
            s.flush()
            raise RuntimeError("boom")
    with Session(engine) as s:
        assert s.exec(select(Order)).all() == []


def test_sqlite_engine_uses_wal_foreign_keys_and_a_busy_timeout(tmp_path):
    engine = make_engine("sqlite:///" + str(tmp_path / "tuned.db"))
    try:
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar_one().lower() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
            assert conn.execute(text("PRAGMA busy_timeout")).scalar_one() == 30000
    finally:
        engine.dispose()
    assert (tmp_path / "tuned.db-wal").exists() or (tmp_path / "tuned.db").exists()


def test_sqlite_in_memory_engine_still_enforces_foreign_keys():
    engine = make_engine("sqlite://")
    try:
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
    finally:
        engine.dispose()
