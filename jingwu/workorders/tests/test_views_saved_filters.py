"""Saved filters on the work-order list: save the current query, apply it, delete it; personal."""

from __future__ import annotations

import pytest

from jingwu.core.models import SavedFilter

pytestmark = pytest.mark.django_db


def test_saved_filter_is_personal(client, org):
    client.force_login(org.lead_a)
    page = client.get("/workorders/?state=dispatched&page=2").content.decode()
    assert 'name="querystring" value="state=dispatched"' in page
    r = client.post(
        "/core/saved-filters/",
        {
            "list_key": "workorders.list",
            "name": "待签收",
            "querystring": "state=dispatched&page=2",
            "next": "/workorders/",
        },
    )
    assert r.status_code == 302 and r["Location"] == "/workorders/?state=dispatched"
    saved = SavedFilter.objects.get()
    assert saved.user == org.lead_a and saved.querystring == "state=dispatched"
    assert "待签收</a>" in client.get("/workorders/").content.decode()
    # the same name twice is refused with a message, nothing added
    client.post("/core/saved-filters/", {"list_key": "workorders.list", "name": "待签收", "querystring": "q=x"})
    assert SavedFilter.objects.count() == 1

    client.force_login(org.leader)  # a leader sees the whole brigade, but not another's saved filter
    assert "待签收</a>" not in client.get("/workorders/").content.decode()
    assert client.post(f"/core/saved-filters/{saved.pk}/delete/").status_code == 404
    assert SavedFilter.objects.filter(pk=saved.pk).exists()

    client.logout()
    assert client.post(f"/core/saved-filters/{saved.pk}/delete/").status_code == 302
    assert SavedFilter.objects.filter(pk=saved.pk).exists()

    client.force_login(org.lead_a)
    r = client.post(f"/core/saved-filters/{saved.pk}/delete/", {"next": "https://evil.example/"})
    assert r.status_code == 302 and r["Location"] == "/"
    assert not SavedFilter.objects.exists()
