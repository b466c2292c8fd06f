"""Fuzzing of the 接诉即办 API with a caller who may use it (the suite-wide fuzz test calls every
operation as 政工, who has no 接诉即办 role, so it only ever sees 403 here). Every operation under
/api/v1/workorders/ gets generated valid and invalid requests as 大队领导 (view, intake, dispatch,
callback) with orders in place; no answer may be a server error or differ from the schema."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .test_dashboard_data import build_dataset

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def token(org, keep_test_connection):  # type: ignore[no-untyped-def]
    from rest_framework.authtoken.models import Token

    build_dataset(org)
    return Token.objects.create(user=org.leader).key


def _load_schema():  # type: ignore[no-untyped-def]
    from jingwu.wsgi import application

    config = schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": False}}})
    loaded = schemathesis.openapi.from_wsgi("/api/schema/", application, config=config)
    return loaded.include(path_regex=r"^/api/v1/workorders/")


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
def test_workorders_api_answers_without_server_errors(case, token):  # type: ignore[no-untyped-def]
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)
