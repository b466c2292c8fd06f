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


@pytest.fixture(autouse=True)
def _otp_not_enforced(settings):  # type: ignore[no-untyped-def]
    """Tests log in with force_login; mandatory TOTP is off unless a test sets OTP_REQUIRED = True
    (jingwu/core/tests/test_security_otp.py does, and so does every test of that behaviour)."""
    settings.OTP_REQUIRED = False


@pytest.fixture(autouse=True)
def _fresh_working_calendar():  # type: ignore[no-untyped-def]
    """The working calendar caches overrides per process; a rolled-back test must not leak them."""
    from jingwu.core import choice_cache, fragments
    from jingwu.core.calendar import clear_cache

    clear_cache()
    choice_cache.clear_all()  # the same for the cached pickers (units, categories, tags): ids die with the test's rows
    fragments.clear_all()
    yield
    clear_cache()
    choice_cache.clear_all()
    fragments.clear_all()
