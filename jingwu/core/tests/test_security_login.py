"""Login security (等保三级): passwords, lockout, login audit, sessions, tokens, headers, deploy check."""

from __future__ import annotations

import os
import re
import secrets
import string
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token

import jingwu.settings as production_settings
from jingwu.core.models import AuditLog, UserSession
from jingwu.core.security import SessionStore
from jingwu.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db
REPO = Path(__file__).resolve().parents[3]


def _login(client: Client, username: str, password: str = PASSWORD):
    return client.post("/login/", {"username": username, "password": password})


# --- Passwords ---------------------------------------------------------------------------------


def test_a_password_mixing_too_few_kinds_of_character_is_refused_in_chinese():
    with pytest.raises(ValidationError) as refused:
        validate_password("lowercaseonly2")
    assert "密码须包含大写字母、小写字母、数字、符号中的至少三类" in " ".join(refused.value.messages)


def test_a_common_password_is_refused_even_when_complex_enough():
    with pytest.raises(ValidationError) as refused:
        validate_password("Password123")
    assert "password_too_common" in [e.code for e in refused.value.error_list]


def test_a_strong_password_passes():
    validate_password("Jingwu-Strong-2026")


def test_production_hashes_passwords_with_argon2():
    with override_settings(PASSWORD_HASHERS=production_settings.PASSWORD_HASHERS):
        assert make_password("Jingwu-Strong-2026").startswith("argon2$argon2id$")


# --- Login, logout, failures, lockout ------------------------------------------------------------


def test_login_and_logout_are_audited_with_the_client_address(client, org):
    response = _login(client, "lead_a")
    assert response.status_code == 302 and response["Location"] == "/"
    row = AuditLog.objects.get(event="auth.login")
    assert (row.actor_username, row.ip, row.origin, row.success) == ("lead_a", "127.0.0.1", "web", True)

    client.post("/logout/")
    assert AuditLog.objects.filter(event="auth.logout", actor_username="lead_a").count() == 1


def test_a_failed_login_is_audited_with_the_username_attempted(client, org):
    response = _login(client, "lead_a", "wrong-password")
    assert response.status_code == 200
    row = AuditLog.objects.get(event="auth.login_failed")
    assert row.success is False
    assert row.changes == {"username": "lead_a"}
    assert "wrong-password" not in str(row.changes) + row.message
    _login(client, "no-such-user", "whatever")
    ghost = AuditLog.objects.filter(event="auth.login_failed").order_by("-id").first()
    assert ghost.object_repr == "no-such-user"


def test_five_failures_lock_the_account_for_thirty_minutes(client, org):
    for _ in range(4):
        assert _login(client, "lead_a", "wrong-password").status_code == 200
    locked = _login(client, "lead_a", "wrong-password")
    assert locked.status_code == 429
    html = locked.content.decode()
    assert "账号已锁定" in html and "30 分钟" in html

    # Even the right password is refused while locked, and the lock is audited once.
    assert _login(client, "lead_a").status_code == 429
    assert _login(client, "lead_a").status_code == 429
    assert not AuditLog.objects.filter(event="auth.login").exists()
    lockouts = AuditLog.objects.filter(event="auth.lockout")
    assert lockouts.count() == 1
    assert lockouts.get().changes["username"] == "lead_a"
    assert AuditLog.objects.filter(event="auth.login_failed").count() == 7

    # Another account is not affected.
    assert _login(Client(), "lead_b").status_code == 302

    # Thirty minutes later the account opens again.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=31))
    assert _login(client, "lead_a").status_code == 302


# --- Sessions ------------------------------------------------------------------------------------


def test_login_rotates_the_session_key_and_the_cookie_dies_with_the_browser(client, org):
    before = SessionStore()
    before["probe"] = "pre-login"
    before.create()
    client.cookies[django_settings.SESSION_COOKIE_NAME] = before.session_key

    response = _login(client, "lead_a")
    cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert cookie.value and cookie.value != before.session_key
    assert not UserSession.objects.filter(session_key=before.session_key).exists()
    assert UserSession.objects.get(session_key=cookie.value).user_id == org.lead_a.pk
    assert cookie["expires"] == "" and cookie["max-age"] == ""  # a browser-session cookie


def _set_session(client: Client, **values: int) -> None:
    session = client.session
    for key, value in values.items():
        session[key] = value
    session.save()


def test_thirty_idle_minutes_end_the_session(client, org, settings):
    client.force_login(org.lead_a)
    assert client.get("/").status_code == 200
    _set_session(client, _last_seen=int(time.time()) - settings.SESSION_IDLE_TIMEOUT + 60)
    assert client.get("/").status_code == 200  # 29 minutes: still in

    _set_session(client, _last_seen=int(time.time()) - settings.SESSION_IDLE_TIMEOUT - 60)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert AuditLog.objects.filter(event="auth.session_timeout", actor_username="lead_a").exists()
    assert client.get("/").status_code == 302


def test_activity_is_written_at_most_once_a_minute_and_still_keeps_the_session_alive(client, org, settings):
    client.force_login(org.lead_a)
    client.get("/")
    recent = int(time.time()) - 10
    _set_session(client, _last_seen=recent)
    assert client.get("/").status_code == 200
    assert client.session["_last_seen"] == recent  # within the minute: no session write
    _set_session(client, _last_seen=int(time.time()) - 120)
    assert client.get("/").status_code == 200
    assert client.session["_last_seen"] >= int(time.time()) - 5  # a minute later: recorded again


def test_a_session_ends_after_its_absolute_lifetime_even_when_active(client, org, settings):
    client.force_login(org.lead_a)
    client.get("/")
    _set_session(client, _auth_at=int(time.time()) - settings.SESSION_COOKIE_AGE - 1, _last_seen=int(time.time()))
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert AuditLog.objects.filter(event="auth.session_expired", actor_username="lead_a").exists()


def test_disabling_an_account_ends_all_its_sessions_at_once(org):
    from jingwu.org.services import end_sessions_of, user_set_active

    browsers = [Client(), Client()]
    for browser in browsers:
        browser.force_login(org.lead_a)
        assert browser.get("/").status_code == 200
    colleague = Client()
    colleague.force_login(org.lead_b)

    user_set_active(actor=org.sysadmin, user=org.lead_a, active=False)

    assert not UserSession.objects.filter(user_id=org.lead_a.pk).exists()
    for browser in browsers:
        assert browser.get("/").status_code == 302
    assert colleague.get("/").status_code == 200
    # Enabling the account again does not bring the old sessions back.
    user_set_active(actor=org.sysadmin, user=org.lead_a, active=True)
    assert browsers[0].get("/").status_code == 302

    # One indexed delete, however many sessions the table holds.
    for _ in range(3):
        Client().force_login(org.lead_b)
    with CaptureQueriesContext(connection) as queries:
        assert end_sessions_of(org.lead_b) == 4
    assert len(queries) == 1


def test_a_disabled_accounts_api_token_stops_working(client, org):
    from jingwu.org.services import user_set_active

    token = Token.objects.create(user=org.lead_a)
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    assert client.get("/api/v1/org/me/", **auth).status_code == 200
    user_set_active(actor=org.sysadmin, user=org.lead_a, active=False)
    assert client.get("/api/v1/org/me/", **auth).status_code == 401


# --- Headers and deployment checks ---------------------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


def test_pages_carry_csp_and_frame_denial_and_use_no_inline_code(client, org):
    response = client.get("/login/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"

    client.force_login(org.auditadmin)
    for url in ("/login/", "/account/two-step/", "/login/otp/setup/", "/core/audit/"):
        html = client.get(url).content.decode()
        assert not INLINE_SCRIPT.search(html), url
        assert ' style="' not in html, url


def test_the_production_settings_pass_the_deploy_check(tmp_path):
    """``jingwu check --deploy`` on the defaults (no JINGWU_DEV) with a real secret and host."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JINGWU_", "DJANGO_"))}
    alphabet = string.ascii_letters + string.digits
    env.update(
        JINGWU_SECRET_KEY="".join(secrets.choice(alphabet) for _ in range(50)),
        JINGWU_ALLOWED_HOSTS="example.org",
        JINGWU_VAR_DIR=str(tmp_path),
        PYTHONPATH=str(REPO),
    )
    result = subprocess.run(
        [sys.executable, "-m", "jingwu", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
