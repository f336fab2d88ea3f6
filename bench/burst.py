"""Benchmark 4: a burst of submissions against a rate-limited conversations.create.

The real bot and the local Slack fake (bot.demo.local_world, SQLite file). The fake enforces a
Tier-2-shaped limit on conversations.create: at most `calls` per sliding `per` seconds, answering
429 with Retry-After beyond that. N orders are submitted as fast as possible through
workflow.submit (what the new-order listener runs; the HTTP path is benchmark 1), waking the
dispatcher after each as the listener does; the clock runs from the first submission until every
order has its channel and its card.

The minimum the limit allows: N creates in batches of `calls`, one batch per window, so the last
batch can start (ceil(N / calls) - 1) * per seconds after the first.
"""

from __future__ import annotations

import math
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

import forms  # noqa: F401  (the form types the draft comes from)
from bench.common import Table, Target
from bot.demo import LAYLA, OGECHI, local_world
from forms.types import LineDraft, OrderDraft


@dataclass
class Shape:
    orders: int
    calls: int
    per: float

    @property
    def minimum(self) -> float:
        return (math.ceil(self.orders / self.calls) - 1) * self.per

    @classmethod
    def of(cls, smoke: bool) -> Shape:
        return cls(10, 5, 1.0) if smoke else cls(200, 20, 4.0)


@dataclass
class Result:
    shape: Shape
    elapsed: float
    submit_seconds: float
    creates: int  # conversations.create calls the fake received
    limited: int  # of which answered 429
    inside_retry_after: int
    failed: int
    missing: int  # orders without channel or card at the end (0 unless it timed out)

    @property
    def ratio(self) -> float:
        return self.elapsed / self.shape.minimum if self.shape.minimum else float("inf")


def draft(i: int) -> OrderDraft:
    return OrderDraft(
        client="Clínica Dental Norte",
        site="Calle de Alcalá 120, Madrid",
        contact="Marta Ruiz, +34 600 123 456",
        title=f"Repair office network {i}",
        description="The office network drops every few minutes.",
        planned_date=None,
        priority="normal",
        lines=[LineDraft("labour", "Network diagnosis on site", 2, "h", 85)],  # type: ignore[arg-type]
    )


def run(smoke: bool, log=print) -> Result:  # type: ignore[no-untyped-def]
    shape = Shape.of(smoke)
    with tempfile.TemporaryDirectory(prefix="bench-burst-") as tmp:
        with local_world(f"sqlite:///{Path(tmp) / 'burst.db'}") as world:
            wf, fake, dispatcher = world.runtime.workflow, world.fake, world.runtime.dispatcher
            wf.grant("bench", LAYLA, "coordinator", check=False)
            wf.grant("bench", OGECHI, "supervisor", check=False)
            fake.rate_limit("conversations.create", shape.calls, shape.per)
            drafts = [draft(i) for i in range(shape.orders)]
            log(
                f"  {shape.orders} submissions, conversations.create limited to {shape.calls} per "
                f"{shape.per:g} s (minimum {shape.minimum:.1f} s)..."
            )
            t0 = time.perf_counter()
            for d in drafts:
                wf.submit(LAYLA, d)
                dispatcher.wake()
            submit_seconds = time.perf_counter() - t0
            query = text("select count(*) from orders where channel_id is not null and card_ts is not null")
            deadline = t0 + shape.minimum * 3 + 60
            done = 0
            while time.perf_counter() < deadline:
                with wf.engine.connect() as conn:
                    done = conn.execute(query).scalar_one()
                if done >= shape.orders:
                    break
                time.sleep(0.02)
            elapsed = time.perf_counter() - t0
            world.settle(120)
            creates = fake.calls_to("conversations.create")
            result = Result(
                shape,
                elapsed,
                submit_seconds,
                len(creates),
                sum(1 for c in creates if c.status == 429),
                len(fake.calls_inside_retry_after("conversations.create")),
                len(wf.effects("failed")),
                shape.orders - done,
            )
    log(f"  every channel and card after {result.elapsed:.1f} s ({result.ratio:.2f}× the minimum)")
    return result


def tables(r: Result) -> list[Table]:
    s = r.shape
    return [
        Table(
            "4. Burst of submissions, conversations.create rate-limited",
            [
                "orders",
                "limit",
                "minimum s",
                "elapsed s",
                "ratio",
                "submitting s",
                "create calls",
                "429s",
                "calls inside Retry-After",
                "failed effects",
                "orders missing",
            ],
            [
                [
                    str(s.orders),
                    f"{s.calls} per {s.per:g} s",
                    f"{s.minimum:.1f}",
                    f"{r.elapsed:.1f}",
                    f"{r.ratio:.2f}",
                    f"{r.submit_seconds:.1f}",
                    str(r.creates),
                    str(r.limited),
                    str(r.inside_retry_after),
                    str(r.failed),
                    str(r.missing),
                ]
            ],
            [
                "Slack's Tier 2 (20 per minute) scaled to a shorter window with the same 20-call burst "
                "(20 per 4 s) so that 200 orders take ~36 s instead of 9.5 minutes"
                if s.orders == 200
                else "Smoke shape: a small burst against a short window, to keep the script working.",
                "minimum = (ceil(orders / calls) - 1) × window: the last batch of creates cannot start "
                "earlier; the cards' own calls (not limited) are not counted in it.",
                "Submissions go through workflow.submit directly (as the new-order listener does, waking "
                "the dispatcher after each); elapsed runs from the first submission until every order "
                "has a channel and a card (polled every 20 ms).",
                "The fake answers 429 with Retry-After in whole seconds (max(1, ceil(wait))), as Slack does.",
            ],
        )
    ]


def targets(r: Result) -> list[Target]:
    met = r.ratio <= 1.1 and r.inside_retry_after == 0 and r.failed == 0 and r.missing == 0
    return [
        Target(
            "4. burst within 1.1× of the rate limit's minimum, no call inside Retry-After, no failure",
            met,
            f"{r.elapsed:.1f} s against a minimum of {r.shape.minimum:.1f} s = {r.ratio:.2f}× (limit 1.1×); "
            f"{r.inside_retry_after} calls inside a Retry-After window; {r.failed} failed effects; "
            f"{r.missing} orders without channel or card",
        )
    ]
