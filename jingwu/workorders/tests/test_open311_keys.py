"""Open311 API keys: only a hash is stored, the clear key is printed once, disabling works at once,
and a key's account has no rights beyond its key."""

from __future__ import annotations

import hashlib
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from jingwu.core.models import AuditLog
from jingwu.org.roles import Cap
from jingwu.workorders.models import ApiKey, WorkOrder
from jingwu.workorders.open311.keys import api_key_create, principal

from .helpers import make_order

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("open311key", *args, stdout=out)
    return out.getvalue()


def test_command_creates_lists_and_disables_keys(client, org):
    output = run("create", "--name", "随手拍", "--unit", org.brigade.code, "--organisation", "市民服务中心")
    [raw] = re.findall(r"jw311_[A-Za-z0-9_-]{43}", output)
    key = ApiKey.objects.get()
    assert key.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {key.key_hash, key.prefix, key.name} and raw.startswith("jw311_" + key.prefix)
    assert (key.unit, key.may_post, key.enabled, key.organisation) == (org.brigade, True, True, "市民服务中心")
    create_log = AuditLog.objects.get(event="workorders.open311_key_create")
    assert create_log.origin == "command" and raw not in str(create_log.changes)

    assert client.get("/open311/v2/requests.json", {"api_key": raw}).status_code == 200
    key.refresh_from_db()
    assert key.last_used_at is not None

    listing = run("list")
    assert key.prefix in listing and "随手拍" in listing and "可提交" in listing and raw not in listing

    run("disable", key.prefix)
    key.refresh_from_db()
    assert not key.enabled and not key.account.is_active
    assert AuditLog.objects.filter(event="workorders.open311_key_disable").count() == 1
    assert client.get("/open311/v2/requests.json", {"api_key": raw}).status_code == 403
    assert "已停用" in run("list")


def test_command_refuses_bad_input(org):
    with pytest.raises(CommandError):
        run("create", "--name", "x", "--unit", "000000000000")
    with pytest.raises(CommandError):
        run("create", "--name", "  ", "--unit", org.brigade.code)
    with pytest.raises(CommandError):
        run("disable", "nosuchkey")
    assert not ApiKey.objects.exists()
    read_only = run("create", "--name", "看板", "--unit", org.squadron_a.code, "--read-only")
    assert "看板" in read_only and not ApiKey.objects.get().may_post


def test_the_key_account_has_only_its_keys_rights(client, org):
    key, raw = api_key_create(actor=None, name="甲中队看板", unit=org.squadron_a, may_post=False)
    account = principal(key)
    assert account.has_cap(Cap.VIEW_WORKORDER) and not account.has_cap(Cap.WORKORDER_INTAKE)
    assert not account.has_cap(Cap.WORKORDER_DISPATCH) and account.role_codes() == set()
    mine, theirs = make_order(org.squadron_a), make_order(org.squadron_b)
    assert set(WorkOrder.objects.visible_to(account, Cap.VIEW_WORKORDER)) == {mine}
    assert not WorkOrder.objects.visible_to(account, Cap.WORKORDER_HANDLE).exists()
    # It cannot sign in: no usable password.
    client.post("/login/", {"username": account.username, "password": "x"})
    assert "_auth_user_id" not in client.session
    assert not account.has_usable_password() and account.is_system and account.person is None
    assert theirs.pk


def test_key_prefixes_never_read_as_command_line_options(org, monkeypatch):
    from jingwu.workorders.open311 import keys

    drawn = iter(["-" + "a" * 42, "b" * 43])  # the first draw would give the prefix "-aaaaaaa"
    monkeypatch.setattr(keys.secrets, "token_urlsafe", lambda n: next(drawn))
    output = run("create", "--name", "随手拍", "--unit", org.brigade.code)
    key = ApiKey.objects.get()
    assert key.prefix == "b" * 8 and "jw311_" + "b" * 43 in output
    run("disable", key.prefix)
    key.refresh_from_db()
    assert not key.enabled
