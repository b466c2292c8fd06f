"""Test-wide setup. Tests run on SQLite by default and on PostgreSQL with JINGWU_DATABASE_URL set."""

from __future__ import annotations

import os

os.environ.setdefault("JINGWU_DEV", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingwu.settings")

import pytest  # noqa: E402


def pytest_configure(config):  # type: ignore[no-untyped-def]
    """JINGWU_TEST_NOW=2026-12-24T10:00+08:00 moves this process's clock there for the whole session
    (time-machine, ticking), to check that no test depends on today's date: the working calendar
    covers only the years chinese_calendar publishes, so a test whose deadline is computed from the
    real "now" fails once "now + limit" reaches an unpublished year. Subprocesses and the database
    server's own now() keep the real clock."""
    when = os.environ.get("JINGWU_TEST_NOW")
    if when:
        from datetime import datetime

        import time_machine

        time_machine.travel(datetime.fromisoformat(when), tick=True).start()


FIXED_NOW = "2026-06-10T10:00:00+08:00"  # a Wednesday morning, an ordinary working day of a published year


@pytest.fixture
def fixed_now():  # type: ignore[no-untyped-def]
    """Run the test at FIXED_NOW (the clock ticks on from there) and give that datetime.

    For a test whose deadlines are computed from "now" by the server (a view, an API call, a service
    step without ``at=``): the working calendar only covers the years chinese_calendar publishes, so
    such a test would fail on the real date once "now + limit" reaches an unpublished year."""
    from datetime import datetime

    import time_machine

    when = datetime.fromisoformat(FIXED_NOW)
    with time_machine.travel(when, tick=True):
        yield when


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


@pytest.fixture
def keep_test_connection():  # type: ignore[no-untyped-def]
    """Schemathesis calls the WSGI app in-process: Django's request signals would close the test's
    database connection (and its transaction) after every generated request."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
