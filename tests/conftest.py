"""Shared fixtures: a local Slack with the real bot serving HTTP against it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.demo import DIEGO, LAYLA, OGECHI, PEOPLE, World, local_world

PEDRO = "U0PEDRO01"  # in the workspace, with no role
ADMIN = "U0ADMIN01"
EVERYONE = {**PEOPLE, PEDRO: "Pedro Sánchez", ADMIN: "Ana Admin"}


@pytest.fixture
def world(tmp_path) -> Iterator[World]:
    """Layla coordinator, Ogechi supervisor, Diego field worker, Pedro nobody, Ana admin."""
    with local_world(f"sqlite:///{tmp_path / 'so.db'}", people=EVERYONE, admins=(ADMIN,)) as w:
        wf = w.runtime.workflow
        wf.grant("test", LAYLA, "coordinator", check=False)
        wf.grant("test", OGECHI, "supervisor", check=False)
        wf.grant("test", DIEGO, "field_worker", check=False)
        yield w
