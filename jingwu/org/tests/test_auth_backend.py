"""The signed-in user arrives with their person and unit loaded: reading them costs no query."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def test_the_signed_in_user_comes_with_person_and_unit(client, org):
    client.force_login(org.lead_a)
    request = client.get("/").wsgi_request
    request.user = None  # let get_user load it again as every request does
    user = get_user(request)
    assert user.pk == org.lead_a.pk
    with CaptureQueriesContext(connection) as queries:
        assert user.person.unit == org.lead_a.person.unit
    assert len(queries) == 0


def test_a_deactivated_user_is_signed_out(client, org):
    client.force_login(org.lead_a)
    org.lead_a.is_active = False
    org.lead_a.save(update_fields=["is_active"])
    assert client.get("/").status_code == 302
