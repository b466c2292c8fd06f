"""执法公开: query codes and the public progress page (only allowed stages, no oracle, rate limit, audit)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from jingwu.cases import services
from jingwu.cases.models import QueryCode
from jingwu.cases.services import disclosure as svc
from jingwu.core.models import AuditLog
from jingwu.testing.factories import make_id_number
from jingwu.testing.scope_suite import WriteCheck, assert_scope_rules

from .conftest import approve, new_case

pytestmark = pytest.mark.django_db
URL = "/disclosure/"
ID_NUMBER = make_id_number()


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def filed(world):
    """A filed criminal case with a suspect (ID number), an amount and a code issued for the suspect."""
    case = new_case(world, amount_involved="1234567.89", summary="倾倒危险废物于某河道")
    party, row, code = svc.party_add_with_code(
        actor=world.org.officer_a, case=case, role="suspect", name="钱多多", id_number=ID_NUMBER
    )
    approve(world, case, "file")
    services.case_file(actor=world.org.officer_a, case=case)
    case.refresh_from_db()
    return case, party, row, code


def _ask(client, number, code, ip="10.0.0.1"):
    return client.post(URL, {"number": number, "code": code}, REMOTE_ADDR=ip)


def test_public_page_shows_only_the_allowed_stages(client, world, filed):
    case, party, row, code = filed
    response = _ask(client, case.number, code)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="jw-disclosure-result"' in html
    assert case.number in html and "刑事" in html
    assert "受案" in html and "立案" in html
    # Nothing else leaves: no party, ID number, amount, officers, title or summary.
    for secret in ("钱多多", ID_NUMBER, ID_NUMBER[-4:] + "<", "1234567", "1,234,567", case.title, "倾倒危险废物"):
        assert secret not in html, secret
    for officer in (world.org.person_a.name, world.partner_a.name):
        assert officer not in html
    assert "移送审查起诉" not in html and "结案" not in html  # stages not reached are not listed


def test_code_typed_loosely_still_matches(client, filed):
    case, _, _, code = filed
    response = _ask(client, f" {case.number.lower()} ", code.replace("-", " ").lower())
    assert 'id="jw-disclosure-result"' in response.content.decode()


def test_wrong_number_wrong_code_and_revoked_code_answer_the_same(client, world, filed):
    case, party, row, code = filed
    other = new_case(world, title="另一案件")
    _, other_code = svc.query_code_issue(actor=world.org.officer_a, case=other)
    answers = [
        _ask(client, case.number, "ABCDE-FGHJK"),  # wrong code
        _ask(client, "X" + case.number[1:], code),  # wrong number
        _ask(client, case.number, other_code),  # another case's code
    ]
    svc.query_code_revoke(actor=world.org.officer_a, code=row)
    answers.append(_ask(client, case.number, code))  # revoked
    bodies = []
    for response in answers:
        assert response.status_code == 200
        html = response.content.decode()
        assert 'id="jw-disclosure-none"' in html and 'id="jw-disclosure-result"' not in html
        bodies.append(html.split('id="jw-disclosure-none"')[1].split("</div>")[0])
    assert len(set(bodies)) == 1


def test_reissue_revokes_the_previous_code_and_only_a_hash_is_stored(client, world, filed):
    case, party, row, code = filed
    new_row, new_code = svc.query_code_issue(actor=world.org.officer_a, case=case, party=party)
    row.refresh_from_db()
    assert row.revoked_at is not None and new_row.active
    assert new_code.replace("-", "") not in new_row.code_hash
    assert 'id="jw-disclosure-none"' in _ask(client, case.number, code).content.decode()
    assert 'id="jw-disclosure-result"' in _ask(client, case.number, new_code).content.decode()


def test_rate_limit_per_ip_and_per_case_number(client, filed):
    case, _, _, code = filed
    for _ in range(svc.RATE_LIMIT):
        assert _ask(client, case.number, "WRONG-CODE1", ip="10.0.0.9").status_code == 200
    limited = _ask(client, case.number, code, ip="10.0.0.9")  # even the right code now waits
    assert limited.status_code == 429
    assert "查询过于频繁" in limited.content.decode()
    # Another address is limited too for this case number (a distributed guesser gains nothing) ...
    assert _ask(client, case.number, code, ip="10.0.0.10").status_code == 429
    # ... but may still look up another number.
    assert _ask(client, "NO-SUCH-NUMBER", "X", ip="10.0.0.10").status_code == 200


def test_every_query_is_audited_with_ip_and_without_the_code(client, filed):
    case, _, _, code = filed
    before = AuditLog.objects.filter(event="cases.disclosure.query").count()
    _ask(client, case.number, "WRONG-CODE1", ip="192.0.2.7")
    _ask(client, case.number, code, ip="192.0.2.7")
    rows = list(AuditLog.objects.filter(event="cases.disclosure.query").order_by("id"))[before:]
    assert [r.success for r in rows] == [False, True]
    for r in rows:
        assert r.ip == "192.0.2.7" and r.changes["ip"] == "192.0.2.7"
        assert r.changes["number"] == case.number
        text = str(r.changes) + r.message
        assert code not in text and code.replace("-", "") not in text and "WRONG" not in text


def test_form_is_csrf_protected(filed):
    case, _, _, code = filed
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(URL, {"number": case.number, "code": code}).status_code == 403
    page = strict.get(URL)
    assert page.status_code == 200 and "csrfmiddlewaretoken" in page.content.decode()


def test_stages_of_a_closed_administrative_case(world):
    from jingwu.cases.models import Case

    case = new_case(world, kind=Case.Kind.ADMINISTRATIVE, title="某非法排污行政案")
    approve(world, case, "file")
    services.case_file(actor=world.org.officer_a, case=case)
    services.case_investigate(actor=world.org.officer_a, case=case)
    approve(world, case, "penalty")
    services.case_decide_penalty(actor=world.org.officer_a, case=case)
    services.case_close(actor=world.org.officer_a, case=case)
    case.refresh_from_db()
    labels = [s.label for s in svc.disclosed_stages(case)]
    assert labels == ["受案", "立案", "行政处罚决定", "结案"]

    refused = new_case(world, title="不予立案的案件")
    services.case_refuse_filing(actor=world.org.officer_a, case=refused, reason="不构成违法")
    refused.refresh_from_db()
    assert [s.label for s in svc.disclosed_stages(refused)] == ["受案", "不予立案"]


def test_code_pages_obey_the_scope_rules(client, world, filed):
    case, party, row, code = filed
    other = new_case(
        world,
        unit=world.org.squadron_b,
        lead_officer=world.org.person_b,
        handling_officers=[world.org.person_b, world.officer_b.person],
        actor=world.org.lead_b,
    )
    assert_scope_rules(
        client,
        url_for_own=f"/disclosure/codes/case/{case.pk}/",
        url_for_other_unit=f"/disclosure/codes/case/{other.pk}/",
        permitted_user=world.org.lead_a,
        no_permission_user=world.org.nobody,
        other_unit_user=world.org.lead_b,
        write=WriteCheck(
            "post",
            f"/disclosure/codes/{row.pk}/revoke/",
            {},
            lambda: QueryCode.objects.filter(revoked_at__isnull=True).count(),
        ),
    )


def test_handler_issues_a_code_shown_once(client, world, filed):
    case, party, row, code = filed
    client.force_login(world.org.lead_a)
    response = client.post(f"/disclosure/codes/case/{case.pk}/", {"party": party.pk})
    html = response.content.decode()
    assert response.status_code == 200 and 'id="jw-code-value"' in html
    shown = html.split('id="jw-code-value">')[1].split("<")[0]
    assert len(shown.replace("-", "")) == svc.CODE_LENGTH
    again = client.get(f"/disclosure/codes/case/{case.pk}/").content.decode()
    assert shown not in again  # never displayed again
    assert AuditLog.objects.filter(event="cases.disclosure.code_issue", actor_id=world.org.lead_a.pk).exists()
    client.logout()
    assert 'id="jw-disclosure-result"' in _ask(client, case.number, shown).content.decode()
