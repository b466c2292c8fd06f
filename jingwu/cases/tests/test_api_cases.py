"""Cases API: scope rules, masking, incident intake through the service, query budgets, figures."""

from __future__ import annotations

import datetime as dt
import json
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jingwu.cases import services
from jingwu.cases.models import Incident
from jingwu.core import metrics
from jingwu.testing.factories import make_id_number
from jingwu.testing.scope_suite import WriteCheck, assert_scope_rules

from .conftest import World, approve, new_case, suspect

pytestmark = pytest.mark.django_db


def test_case_detail_api_scope_and_masked_parties(client: Any, world: World) -> None:
    own = new_case(world)
    other = new_case(
        world,
        unit=world.org.squadron_b,
        actor=world.org.lead_b,
        lead_officer=world.org.person_b,
        handling_officers=[world.org.person_b, world.officer_b.person],
    )
    number = make_id_number()
    suspect(world, own, id_number=number)
    assert_scope_rules(
        client,
        url_for_own=f"/api/v1/cases/cases/{own.pk}/",
        url_for_other_unit=f"/api/v1/cases/cases/{other.pk}/",
        permitted_user=world.org.lead_a,
        no_permission_user=world.org.nobody,
        other_unit_user=world.org.lead_b,
    )
    client.force_login(world.org.lead_a)
    body = client.get(f"/api/v1/cases/cases/{own.pk}/").json()
    assert body["number"] == own.number and len(body["handling_officers"]) == 2
    assert body["parties"][0]["id_number"] != number and "*" in body["parties"][0]["id_number"]
    assert number not in json.dumps(body)
    listed = client.get("/api/v1/cases/cases/").json()
    assert [c["number"] for c in listed["results"]] == [own.number]


def test_incident_api_create_scope_and_errors(client: Any, world: World) -> None:
    received = (timezone.now() - timedelta(hours=1)).isoformat()
    payload = {
        "unit": world.org.squadron_a.code,
        "number": "J2024200001",
        "received_at": received,
        "category": world.incident_category.code,
        "caller_phone": "13800138000",
    }
    assert_scope_rules(
        client,
        url_for_own="/api/v1/cases/incidents/",
        other_unit_user=None,
        url_for_other_unit="/api/v1/cases/incidents/999999/",
        permitted_user=world.org.lead_a,
        no_permission_user=world.org.nobody,
        write=WriteCheck("post", "/api/v1/cases/incidents/", payload, lambda: Incident.objects.count()),
    )
    client.force_login(world.org.lead_b)
    refused = client.post("/api/v1/cases/incidents/", payload, content_type="application/json")
    assert refused.status_code == 400 and "unit" in refused.json()["fields"]
    assert not Incident.objects.exists()
    client.force_login(world.org.lead_a)
    bad = client.post(
        "/api/v1/cases/incidents/", {**payload, "number": "x", "caller_phone": "1"}, content_type="application/json"
    )
    assert bad.status_code == 400 and {"number", "caller_phone"} <= set(bad.json()["fields"])
    created = client.post("/api/v1/cases/incidents/", payload, content_type="application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["caller_phone"] == "138****8000" and body["source"] == "api"
    incident = Incident.objects.get(number="J2024200001")
    assert client.get(f"/api/v1/cases/incidents/{incident.pk}/").status_code == 200
    client.force_login(world.org.lead_b)
    assert client.get(f"/api/v1/cases/incidents/{incident.pk}/").status_code == 404


def test_case_list_api_query_budget(client: Any, world: World) -> None:
    client.force_login(world.org.lead_a)
    for _ in range(5):
        new_case(world)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/api/v1/cases/cases/").status_code == 200
    for _ in range(20):
        new_case(world)
    with CaptureQueriesContext(connection) as many:
        body = client.get("/api/v1/cases/cases/?page_size=25").json()
    assert len(body["results"]) == 25
    assert len(many) <= len(few)


def test_figures_endpoint_equals_metrics(client: Any, world: World) -> None:
    case = new_case(world, amount_involved="123456.78")
    approve(world, case, "file")
    services.case_file(actor=world.org.lead_a, case=case)
    client.force_login(world.leader)
    today = timezone.localdate()
    start = today - dt.timedelta(days=30)
    body = client.get(
        "/api/v1/cases/figures/", {"unit": world.org.brigade.code, "start": start, "end": today, "kind": "criminal"}
    ).json()
    expected = metrics.compute("cases.filed.criminal", world.org.brigade, start, today, user=world.leader)
    assert body["figures"]["cases.filed"]["value"] == expected.value == 1
    assert body["figures"]["cases.amount"]["value"] == pytest.approx(123456.78)
    assert "立刑事案件1起" in body["summary"]
    assert body["figures"]["cases.filed"]["drill_down"].startswith("/core/metrics/cases.filed.criminal/")
    client.force_login(world.org.lead_b)
    assert client.get("/api/v1/cases/figures/", {"unit": world.org.brigade.code}).status_code == 404
    client.force_login(world.org.nobody)
    assert client.get("/api/v1/cases/figures/").status_code == 403
    client.force_login(world.leader)
    bad = client.get("/api/v1/cases/figures/", {"start": "2024-05-01", "end": "2024-01-01"})
    assert bad.status_code == 400 and "end" in bad.json()["fields"]
