"""Property-based fuzzing of the whole REST API from its own OpenAPI schema (schemathesis 4).

Every operation gets generated valid and invalid requests, sent with the token of a permitted user
(政工 at the brigade; 系统管理员 for the unit writes only it may make). No answer may be a server
error, and every answer must match the schema: documented status code, content type and body.
Runs on SQLite and on PostgreSQL (JINGWU_DATABASE_URL), where NUL bytes and out-of-range integers
used to turn into 500s.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.management import call_command
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def tokens(org, keep_test_connection):  # type: ignore[no-untyped-def]
    from rest_framework.authtoken.models import Token

    from jingwu.testing.factories import make_id_number, make_person

    # a few more rows so lists, filters and detail lookups have something to find
    for n in range(3):
        make_person(
            org.squadron_a if n % 2 else org.squadron_b, f"模糊{n}号", id_number=make_id_number(division="110101")
        )
    return {
        "political": Token.objects.create(user=org.political).key,
        "sysadmin": Token.objects.create(user=org.sysadmin).key,
    }


def _load_schema():  # type: ignore[no-untyped-def]
    # Loaded at collection time (the schema view touches no database): one test per operation.
    # (schemathesis' lazy ``from_fixture`` loader does not work with pytest 9 yet.)
    # The deterministic "coverage" phase (boundary values of every field, unexpected methods) sends
    # ~1,600 requests and takes over a minute; it runs with JINGWU_FUZZ_DEEP=1, e.g. before a release.
    from jingwu.wsgi import application

    deep = os.environ.get("JINGWU_FUZZ_DEEP") == "1"
    config = schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": deep}}})
    return schemathesis.openapi.from_wsgi("/api/schema/", application, config=config)


schema = _load_schema()


@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("JINGWU_FUZZ_EXAMPLES", "25")),  # more locally, e.g. 200
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_without_server_errors_and_as_documented(case, tokens):  # type: ignore[no-untyped-def]
    unit_write = case.path.startswith("/api/v1/org/units") and case.method.upper() != "GET"
    token = tokens["sysadmin" if unit_write else "political"]
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)


def test_schema_generates_without_warnings(tmp_path):  # type: ignore[no-untyped-def]
    # --fail-on-warn turns any drf-spectacular warning (an unannotated view, a type it cannot
    # infer, an enum name clash) into an error; --validate checks the result against OpenAPI 3.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    text = (tmp_path / "schema.yaml").read_text(encoding="utf-8")
    for path in ("/api/v1/org/units/", "/api/v1/org/people/{id}/reveal/", "/api/v1/org/me/"):
        assert path in text
