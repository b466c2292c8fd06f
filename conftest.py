"""Test-wide setup. Tests run on SQLite by default and on PostgreSQL with JINGWU_DATABASE_URL set."""

from __future__ import annotations

import os

os.environ.setdefault("JINGWU_DEV", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingwu.settings")

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """On PostgreSQL, let the test runner's flush TRUNCATE the append-only audit table."""
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"ALTER DATABASE \"{connection.settings_dict['NAME']}\" SET jingwu.test_truncate = 'on'")
                cursor.execute("SET jingwu.test_truncate = 'on'")
    yield


@pytest.fixture
def org(db):  # type: ignore[no-untyped-def]
    from jingwu.testing.factories import build_org_tree

    return build_org_tree()
