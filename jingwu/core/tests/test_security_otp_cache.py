"""The OTP gate keeps its "has a confirmed device" answer in the session for a short while only."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from jingwu.core import security
from jingwu.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def otp_enforced(settings):
    settings.OTP_REQUIRED = True


def test_a_device_confirmed_elsewhere_gates_an_open_session_after_the_recheck(client, org, monkeypatch):
    assert client.post("/login/", {"username": "officer_a", "password": PASSWORD})["Location"] == "/"
    assert client.get("/").status_code == 200  # no device: the session is answered from here on

    TOTPDevice.objects.create(user=org.officer_a, name="手机", confirmed=True)  # set up in another session
    assert client.get("/").status_code == 200  # within the recheck interval the session still trusts its answer

    clock = security.time.time() + security.OTP_DEVICE_RECHECK + 1
    monkeypatch.setattr(security.time, "time", lambda: clock)
    blocked = client.get("/workorders/")
    assert blocked.status_code == 302 and urlparse(blocked["Location"]).path == "/login/otp/"


def test_the_session_answer_belongs_to_its_user(client, org):
    """A cached answer of another user (a session reused after logout/login) is never used."""
    assert client.post("/login/", {"username": "lead_a", "password": PASSWORD})["Location"] == "/"
    session = client.session
    session["_otp_device"] = [org.officer_a.pk, True, int(security.time.time())]  # "has a device": not lead_a's
    session.save()
    assert client.get("/").status_code == 200
    assert client.session["_otp_device"][:2] == [org.lead_a.pk, False]
