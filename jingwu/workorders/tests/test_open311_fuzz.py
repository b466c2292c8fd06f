"""Fuzzing of the Open311 GeoReport v2 endpoints from their OpenAPI description
(``/open311/v2/openapi.json``): generated valid and invalid requests, with a real posting key and
real service codes mixed in so that POSTs reach the intake service; no answer may be a server
error, and every refusal must be the specification's error document (a list of ``{code,
description}`` in JSON, ``<errors><error>`` in XML) carrying the HTTP status as its code."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from itertools import count

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, status_code_conformance

pytestmark = pytest.mark.django_db(transaction=False)


def spec_shaped_errors(ctx, response, case):  # type: ignore[no-untyped-def]
    """A 4xx answer is the GeoReport v2 error document, its first code the HTTP status."""
    if response.status_code < 400:
        return None
    body = response.content
    ctype = next((v for k, v in response.headers.items() if k.lower() == "content-type"), "")
    ctype = ctype[0] if isinstance(ctype, list) else ctype
    if ctype.startswith("application/json"):
        errors = json.loads(body)
        assert isinstance(errors, list) and errors, body
        assert all(set(e) == {"code", "description"} and e["description"] for e in errors), body
        assert errors[0]["code"] == response.status_code, body
    else:
        root = ET.fromstring(body)
        assert root.tag == "errors", body
        assert root.findtext("error/code") == str(response.status_code), body
    return None


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, spec_shaped_errors]


@pytest.fixture
def key(org, keep_test_connection):  # type: ignore[no-untyped-def]
    from jingwu.workorders.open311.keys import api_key_create

    from .helpers import make_order

    make_order(org.brigade)
    _, raw = api_key_create(actor=None, name="随手拍", unit=org.brigade, organisation="市民服务中心")
    return raw


def _load_schema():  # type: ignore[no-untyped-def]
    from jingwu.wsgi import application

    config = schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": False}}})
    return schemathesis.openapi.from_wsgi("/open311/v2/openapi.json", application, config=config)


schema = _load_schema()
_turn = count()


@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("JINGWU_FUZZ_EXAMPLES", "30")),  # more locally, e.g. 200
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_open311_answers_in_the_specification_format_without_server_errors(case, key):  # type: ignore[no-untyped-def]
    turn = next(_turn)
    if case.method == "POST" and isinstance(case.body, dict):
        # Mostly a real key and a real service, so the generated fields reach the intake service.
        if turn % 4:
            case.body["api_key"] = key
        if turn % 2:
            case.body["service_code"] = "help"
    elif case.method == "GET" and isinstance(case.query, dict) and turn % 2:
        case.query["api_key"] = key
    case.call_and_validate(checks=CHECKS)


def test_the_openapi_description_is_served_and_named_in_discovery(client):
    document = client.get("/open311/v2/openapi.json").json()
    assert document["openapi"].startswith("3.") and "/open311/v2/requests.{format}" in document["paths"]
    discovery = client.get("/open311/v2/discovery.json").json()
    assert discovery["openapi"].endswith("/open311/v2/openapi.json")


def test_the_changeset_follows_the_last_change_to_the_services(client, org):
    from jingwu.workorders.models import Category
    from jingwu.workorders.services import category_save

    before = client.get("/open311/v2/discovery.json").json()["changeset"]
    assert before == "2026-11-29T00:00:00+08:00"  # nothing changed since the endpoint's own changeset
    category_save(actor=org.leader, category=Category.objects.get(code="help"), name="求助(改)")
    after = client.get("/open311/v2/discovery.json").json()
    assert after["changeset"] > before and after["endpoints"][0]["changeset"] == after["changeset"]
