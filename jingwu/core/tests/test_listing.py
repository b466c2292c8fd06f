"""``querystring`` and ``sort_headers`` of the list pages: the same query strings as Django's
``QueryDict`` gives, escaped header cells."""

from __future__ import annotations

from django.test import RequestFactory

from jingwu.core.listing import querystring, sort_headers


def _request(query: str):  # noqa: ANN202
    return RequestFactory().get("/list/?" + query)


def _django(query: str, **changes: str | None) -> str:
    params = _request(query).GET.copy()
    for key, value in changes.items():
        params.pop(key, None)
        if value:
            params[key] = value
    return params.urlencode()


def test_querystring_matches_querydict():
    query = "q=%E8%B7%AF%E7%81%AF+a%26b&state=closed&page=3&tag=x&tag=y&o=-due"
    for changes in ({"page": None}, {"page": "2"}, {"o": "unit", "page": None}, {}, {"tag": None, "q": "新"}):
        assert querystring(_request(query), **changes) == _django(query, **changes)
    assert querystring(_request(query), page=None) == "q=%E8%B7%AF%E7%81%AF+a%26b&state=closed&tag=x&tag=y&o=-due"


def test_sort_headers_link_to_the_other_direction_and_escape():
    labels = {"due": "办结<时限>", "number": "工单编号"}
    headers = sort_headers(_request("o=due&page=4&q=a%22b"), labels, {"due": "d-none"})
    due, number = headers["due"], headers["number"]
    assert due["state"] == "asc" and due["url"] == "?q=a%22b&o=-due"
    assert number["state"] == "" and number["url"] == "?q=a%22b&o=number"
    assert 'class="d-none"' in due["html"] and 'aria-sort="ascending"' in due["html"]
    assert "办结&lt;时限&gt;" in due["html"] and "<时限>" not in due["html"]
    assert 'href="?q=a%22b&amp;o=-due"' in due["html"]
    assert sort_headers(_request(""), labels)["due"]["url"] == "?o=due"
