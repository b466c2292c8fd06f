"""The data-scope rules every page and API endpoint must obey, as one reusable assertion.

DESIGN.md, convention 4: every view/API test suite covers anonymous, no-permission, other-unit
(expects 404) and permitted callers, and shows that a refused write has no side effect. A module's
tests call :func:`assert_scope_rules` once per endpoint instead of re-writing those checks::

    from jingwu.testing.scope_suite import WriteCheck, assert_scope_rules

    def test_person_detail_scope(client, org):
        assert_scope_rules(
            client,
            url_for_own=f"/api/v1/org/people/{org.person_a.pk}/",
            url_for_other_unit=f"/api/v1/org/people/{org.person_b.pk}/",
            permitted_user=org.lead_a,
            no_permission_user=org.nobody,
            other_unit_user=org.lead_b,
            write=WriteCheck("patch", f"/api/v1/org/people/{org.person_a.pk}/", {"name": "改名"},
                             lambda: Person.objects.values().get(pk=org.person_a.pk)),
        )

API URLs (``/api/``) expect 401 for anonymous callers and JSON error bodies; pages expect a
redirect to the login page. A plain 4-tuple ``(method, url, payload, state)`` works for ``write``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from django.conf import settings
from django.shortcuts import resolve_url


class WriteCheck(NamedTuple):
    """A write the denied callers attempt; ``state()`` snapshots what the write would change."""

    method: str
    url: str
    payload: Any
    state: Callable[[], Any]


def _is_api(url: str) -> bool:
    return urlsplit(url).path.startswith("/api/")


def _login(client: Any, user: Any) -> None:
    client.logout()
    if user is not None:
        client.force_login(user)


def _request(client: Any, method: str, url: str, payload: Any = None, *, api: bool) -> Any:
    call = getattr(client, method.lower())
    if method.lower() == "get":
        return call(url)
    if api:
        return call(url, data=json.dumps(payload if payload is not None else {}), content_type="application/json")
    return call(url, data=payload or {})


def _expect(response: Any, statuses: Iterable[int], who: str, method: str, url: str, *, api: bool) -> None:
    statuses = tuple(statuses)
    body = response.content[:300].decode("utf-8", "replace")
    assert response.status_code in statuses, (
        f"{who}: {method.upper()} {url} answered {response.status_code}, expected {statuses}: {body}"
    )
    if api and response.status_code >= 400:
        data = response.json()
        assert "error" in data and "detail" in data, f"{who}: {method.upper()} {url}: not our error format: {body}"


def _expect_login_redirect(response: Any, who: str, method: str, url: str) -> None:
    login = resolve_url(settings.LOGIN_URL)
    assert response.status_code in (301, 302, 303), (
        f"{who}: {method.upper()} {url} answered {response.status_code}, expected a redirect to {login}"
    )
    assert urlsplit(response["Location"]).path == login, f"{who}: redirected to {response['Location']}, not {login}"


def assert_scope_rules(
    client: Any,
    *,
    url_for_own: str,
    url_for_other_unit: str | None = None,
    permitted_user: Any,
    no_permission_user: Any,
    other_unit_user: Any = None,
    write: WriteCheck | tuple[str, str, Any, Callable[[], Any]] | None = None,
    api: bool | None = None,
    ok_status: int = 200,
) -> None:
    """Assert the four scope rules for one endpoint (and, with ``write``, that refusals change nothing).

    - anonymous → 401 (API, with ``WWW-Authenticate``) or a redirect to the login page (pages);
    - ``no_permission_user`` (lacks the capability) → 403;
    - ``permitted_user`` on ``url_for_other_unit`` → 404, and ``other_unit_user`` on ``url_for_own``
      → 404 (an object outside the caller's scope does not exist for them);
    - ``permitted_user`` on ``url_for_own`` → ``ok_status`` (200);
    - ``write``: anonymous, ``no_permission_user`` and ``other_unit_user`` each attempt it and are
      refused (401/redirect, 403, 404), and ``write.state()`` is equal before and after.

    The client ends logged out.
    """
    assert url_for_other_unit is not None or other_unit_user is not None, "give url_for_other_unit or other_unit_user"
    api = _is_api(url_for_own) if api is None else api

    # Anonymous.
    _login(client, None)
    response = client.get(url_for_own)
    if api:
        _expect(response, [401], "anonymous", "get", url_for_own, api=True)
        assert response.has_header("WWW-Authenticate"), "anonymous API call: 401 without WWW-Authenticate"
    else:
        _expect_login_redirect(response, "anonymous", "get", url_for_own)

    # No permission.
    _login(client, no_permission_user)
    _expect(client.get(url_for_own), [403], "no-permission user", "get", url_for_own, api=api)

    # Other unit.
    if url_for_other_unit is not None:
        _login(client, permitted_user)
        _expect(client.get(url_for_other_unit), [404], "permitted user, other unit", "get", url_for_other_unit, api=api)
    if other_unit_user is not None:
        _login(client, other_unit_user)
        _expect(client.get(url_for_own), [404], "other-unit user", "get", url_for_own, api=api)

    # Permitted.
    _login(client, permitted_user)
    _expect(client.get(url_for_own), [ok_status], "permitted user", "get", url_for_own, api=api)

    if write is not None:
        method, url, payload, state = WriteCheck(*write)
        before = state()
        attempts: list[tuple[str, Any, tuple[int, ...]]] = [
            ("anonymous", None, (401,) if api else (302, 303)),
            ("no-permission user", no_permission_user, (403,)),
        ]
        if other_unit_user is not None:
            attempts.append(("other-unit user", other_unit_user, (404,)))
        for who, user, statuses in attempts:
            _login(client, user)
            response = _request(client, method, url, payload, api=api)
            if who == "anonymous" and not api and response.status_code in (302, 303):
                _expect_login_redirect(response, who, method, url)
            else:
                _expect(response, statuses, who, method, url, api=api)
            after = state()
            assert after == before, f"{who}: refused {method.upper()} {url} changed the data: {before!r} → {after!r}"
    _login(client, None)
