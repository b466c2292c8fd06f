"""Helpers for pytest fixtures shared by the apps' tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def rolled_back(django_db_blocker: Any) -> Iterator[None]:
    """Database access for a module-scoped fixture (a demo loaded once for the module's tests) inside
    one transaction that is rolled back at the end, leaving the test database as it was."""
    from django.db import connection, transaction

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            connection.close()
