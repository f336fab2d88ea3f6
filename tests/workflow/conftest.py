"""Fixtures for the workflow tests: one Workflow per test, on SQLite and on PostgreSQL.

The `engine` fixture (SQLite file and PostgreSQL) lives in tests/conftest.py.
"""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from wf_helpers import (
    ADMIN,
    OTHER_WORKER,
    REQUESTER,
    SUPERVISOR,
    SUPERVISOR_2,
    WORKER,
    Clock,
)

from workflow.service import Policy, Workflow


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def policy() -> Policy:
    return Policy()


@pytest.fixture
def wf(engine: Engine, clock: Clock, policy: Policy) -> Workflow:
    """A Workflow with the cast's roles granted: coordinator, two supervisors, an admin, workers."""
    w = Workflow(engine, policy, clock=clock)
    for user, role in [
        (REQUESTER, "coordinator"),
        (SUPERVISOR, "supervisor"),
        (SUPERVISOR_2, "supervisor"),
        (ADMIN, "admin"),
        (WORKER, "field_worker"),
        (OTHER_WORKER, "field_worker"),
    ]:
        w.grant("test", user, role, check=False)
    return w
