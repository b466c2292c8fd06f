"""Mandatory TOTP for the admin roles and discipline, optional for everyone else; demo codes; createadmin."""

from __future__ import annotations

import io
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from jingwu.core.models import AuditLog
from jingwu.core.security import base32_secret, current_code, demo_totp_key
from jingwu.org.models import User
from jingwu.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def otp_enforced(settings):
    settings.OTP_REQUIRED = True


def _login(client: Client, username: str, password: str = PASSWORD):
    return client.post("/login/", {"username": username, "password": password})


def _device(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="手机", confirmed=True)


def _path(response) -> str:
    return urlparse(response["Location"]).path


def _unthrottle(device: TOTPDevice) -> None:
    """Let the throttle's back-off pass (as a few seconds of waiting would)."""
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=timezone.now() - timedelta(minutes=5))


def test_an_admin_without_a_device_is_sent_to_setup_and_kept_there(client, org):
    response = _login(client, "auditadmin")
    assert response.status_code == 302 and _path(response) == "/login/otp/setup/"

    for url in ("/", "/core/audit/", "/org/people/"):
        blocked = client.get(url)
        assert blocked.status_code == 302 and _path(blocked) == "/login/otp/setup/", url
    assert parse_qs(urlparse(client.get("/core/audit/")["Location"]).query)["next"] == ["/core/audit/"]
    assert client.get("/api/v1/org/me/").status_code == 403
    # Logout stays open.
    assert client.post("/logout/").status_code == 302
    assert not client.session.get("_auth_user_id")


def test_setup_shows_the_secret_and_confirms_with_a_code(client, org):
    _login(client, "secadmin")
    page = client.get("/login/otp/setup/")
    device = TOTPDevice.objects.get(user=org.secadmin)
    assert device.confirmed is False
    html = page.content.decode()
    assert base32_secret(device) in html
    assert "otpauth://totp/" in html
    assert 'src="data:image/svg+xml' in html  # QR code, as an image (no inline script)

    wrong = client.post("/login/otp/setup/", {"token": "000000" if current_code(device) != "000000" else "111111"})
    assert wrong.status_code == 400
    device.refresh_from_db()
    assert device.confirmed is False
    _unthrottle(device)

    done = client.post("/login/otp/setup/", {"token": current_code(device), "next": "/core/audit/"})
    assert done.status_code == 302 and done["Location"] == "/core/audit/"
    device.refresh_from_db()
    assert device.confirmed is True
    assert client.get("/").status_code == 200
    assert list(AuditLog.objects.filter(event="auth.otp_setup").values_list("success", flat=True).order_by("id")) == [
        False,
        True,
    ]


def test_an_admin_with_a_device_must_enter_a_correct_code(client, org):
    device = _device(org.auditadmin)
    response = _login(client, "auditadmin")
    assert _path(response) == "/login/otp/"
    assert _path(client.get("/core/audit/")) == "/login/otp/"

    wrong_code = "000000" if current_code(device) != "000000" else "111111"
    refused = client.post("/login/otp/", {"token": wrong_code, "next": "/core/audit/"})
    assert refused.status_code == 400
    assert "动态口令不正确" in refused.content.decode()
    failed = AuditLog.objects.get(event="auth.otp_verify")
    assert (failed.actor_username, failed.success) == ("auditadmin", False)
    assert _path(client.get("/core/audit/")) == "/login/otp/"

    # Straight after a wrong code even the right one waits out the throttle.
    throttled = client.post("/login/otp/", {"token": current_code(device)})
    assert throttled.status_code == 400 and "错误次数过多" in throttled.content.decode()

    _unthrottle(device)
    accepted = client.post("/login/otp/", {"token": current_code(device), "next": "/core/audit/"})
    assert accepted.status_code == 302 and accepted["Location"] == "/core/audit/"
    assert client.get("/core/audit/").status_code == 200
    assert AuditLog.objects.filter(event="auth.otp_verify", success=True).count() == 1


def test_next_never_leads_off_site(client, org):
    device = _device(org.auditadmin)
    _login(client, "auditadmin")
    response = client.post("/login/otp/", {"token": current_code(device), "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_a_password_alone_cannot_replace_a_bound_device(client, org):
    device = _device(org.sysadmin)
    _login(client, "sysadmin")
    response = client.get("/login/otp/setup/")
    assert _path(response) == "/login/otp/"
    assert list(TOTPDevice.objects.filter(user=org.sysadmin)) == [device]


def test_discipline_requires_totp_and_an_officer_does_not(client, org):
    from jingwu.testing.factories import make_user

    make_user("inspector", "discipline", org.brigade)
    assert _path(_login(client, "inspector")) == "/login/otp/setup/"
    officer = Client()
    response = _login(officer, "officer_a")
    assert response["Location"] == "/"
    assert officer.get("/").status_code == 200


def test_optional_two_step_verification_for_everyone_else(client, org):
    _login(client, "officer_a")
    page = client.get("/account/two-step/").content.decode()
    assert "未启用" in page
    client.get("/login/otp/setup/")
    device = TOTPDevice.objects.get(user=org.officer_a)
    client.post("/login/otp/setup/", {"token": current_code(device)})
    assert "已启用" in client.get("/account/two-step/").content.decode()

    # From now on this officer's logins ask for a code too.
    other = Client()
    assert _path(_login(other, "officer_a")) == "/login/otp/"

    # ... until they switch it off again (their role does not require it).
    client.post("/account/two-step/", {"action": "disable"})
    assert not TOTPDevice.objects.filter(user=org.officer_a).exists()
    assert AuditLog.objects.filter(event="auth.otp_disable", actor_username="officer_a").exists()
    assert _login(Client(), "officer_a")["Location"] == "/"


def test_a_role_that_requires_totp_cannot_switch_it_off(client, org):
    device = _device(org.secadmin)
    _login(client, "secadmin")
    client.post("/login/otp/", {"token": current_code(device)})
    client.post("/account/two-step/", {"action": "disable"})
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


# --- Demo codes ----------------------------------------------------------------------------------


def test_otpcode_prints_the_current_code_in_development_only(org, settings):
    device = TOTPDevice.objects.create(
        user=org.auditadmin, name="demo", key=demo_totp_key("auditadmin"), confirmed=True
    )
    out = io.StringIO()
    settings.DEV = True
    call_command("otpcode", "auditadmin", stdout=out)
    code = out.getvalue().strip()
    assert len(code) == 6 and code.isdigit()
    assert device.verify_token(code)

    settings.DEV, settings.DEBUG = False, False
    with pytest.raises(CommandError, match="JINGWU_DEV"):
        call_command("otpcode", "auditadmin", stdout=io.StringIO())


def test_the_demo_gives_otp_roles_a_fixed_device_and_says_how_to_log_in(db):
    from jingwu.org import demo

    out = io.StringIO()
    demo.load(stdout=out)
    needing = {u for u, role, *_ in demo.DEMO_USERS if role in {"sysadmin", "secadmin", "auditadmin", "discipline"}}
    with_device = set(TOTPDevice.objects.filter(confirmed=True).values_list("user__username", flat=True))
    assert with_device == needing
    for device in TOTPDevice.objects.select_related("user"):
        assert device.key == demo_totp_key(device.user.username)
    assert "jingwu otpcode" in out.getvalue()
    demo.load(stdout=io.StringIO())  # loading twice adds nothing
    assert TOTPDevice.objects.count() == len(needing)


# --- createadmin ---------------------------------------------------------------------------------


def test_createadmin_makes_a_system_account_whose_first_login_binds_totp(tmp_path, client, db):
    secret = tmp_path / "pw"
    secret.write_text("Jingwu-Admin-2026!\n", encoding="utf-8")
    out = io.StringIO()
    call_command("createadmin", "sec1", "--role", "secadmin", "--password-file", str(secret), stdout=out)

    user = User.objects.get(username="sec1")
    assert user.is_system and user.role_codes() == {"secadmin"}
    created = AuditLog.objects.get(event="org.user.create")
    assert created.origin == "command" and created.changes["role"] == "secadmin"
    assert AuditLog.objects.filter(event="org.role.assign", origin="command").exists()

    response = _login(client, "sec1", "Jingwu-Admin-2026!")
    assert _path(response) == "/login/otp/setup/"


def test_createadmin_refuses_a_weak_password_and_a_taken_name(tmp_path, org):
    weak = tmp_path / "weak"
    weak.write_text("alllowercase1", encoding="utf-8")
    with pytest.raises(CommandError, match="至少三类"):
        call_command("createadmin", "aud2", "--role", "auditadmin", "--password-file", str(weak))
    assert not User.objects.filter(username="aud2").exists()

    strong = tmp_path / "strong"
    strong.write_text("Jingwu-Admin-2026!", encoding="utf-8")
    with pytest.raises(CommandError, match="已存在"):
        call_command("createadmin", "auditadmin", "--role", "auditadmin", "--password-file", str(strong))
    with pytest.raises(CommandError):
        call_command("createadmin", "x", "--role", "officer", "--password-file", str(strong))
