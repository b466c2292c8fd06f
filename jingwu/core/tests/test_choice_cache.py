"""``ChoiceCache`` keeps picker choices per process: rebuilt when the version changes, after the TTL,
or when cleared; ``grants_key`` keeps two different scopes apart."""

from __future__ import annotations

import pytest

from jingwu.core import choice_cache
from jingwu.core.choice_cache import ChoiceCache, grants_key
from jingwu.org.roles import Cap


def test_kept_until_version_changes_or_ttl_passes(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(choice_cache.time, "monotonic", lambda: clock[0])
    cache = ChoiceCache(ttl=60)
    built = []

    def build() -> list[str]:
        built.append(1)
        return [f"build {len(built)}"]

    assert cache.get("k", build, version=1) == ["build 1"]
    assert cache.get("k", build, version=1) == ["build 1"] and len(built) == 1
    assert cache.get("k", build, version=2) == ["build 2"]  # the tables changed
    clock[0] += 59
    assert cache.get("k", build, version=2) == ["build 2"]
    clock[0] += 2  # older than the TTL
    assert cache.get("k", build, version=2) == ["build 3"]
    choice_cache.clear_all()
    assert cache.get("k", build, version=2) == ["build 4"]


def test_bounded():
    cache = ChoiceCache(ttl=60, max_entries=3)
    for n in range(5):
        cache.get(n, lambda n=n: n)
    assert len(cache._entries) <= 3


@pytest.mark.django_db
def test_grants_key_tells_scopes_apart(org):
    assert grants_key(org.leader, Cap.VIEW_WORKORDER) != grants_key(org.lead_a, Cap.VIEW_WORKORDER)
    assert grants_key(org.lead_a, Cap.VIEW_WORKORDER) != grants_key(org.lead_b, Cap.VIEW_WORKORDER)
    assert grants_key(org.lead_a, Cap.VIEW_WORKORDER) == grants_key(org.lead_a, Cap.VIEW_WORKORDER)
