"""``FragmentCache``: a piece rendered once per key, the newest ``size`` kept, the key's objects held."""

from __future__ import annotations

import gc
import weakref

from jingwu.core.fragments import FragmentCache


class Choices(list):  # a list that can be weakly referenced
    pass


def test_renders_once_per_key_and_keeps_the_newest():
    cache = FragmentCache(size=2)
    calls = []

    def render(text: str):  # noqa: ANN202
        def go() -> str:
            calls.append(text)
            return f"<p>{text}</p>"

        return go

    assert cache.get("a", render("a")) == "<p>a</p>"
    assert cache.get("a", render("again")) == "<p>a</p>" and calls == ["a"]
    cache.get("b", render("b"))
    cache.get("a", render("a2"))  # a is the newest now
    cache.get("c", render("c"))  # b, the oldest, goes
    assert len(cache) == 2
    assert cache.get("b", render("b2")) == "<p>b2</p>"
    assert cache.get("c", render("c2")) == "<p>c</p>"


def test_objects_in_the_key_live_as_long_as_the_piece():
    cache = FragmentCache(size=1)
    choices = Choices([(1, "甲中队")])
    ref = weakref.ref(choices)
    cache.get(("units", id(choices)), lambda: "<select></select>", keep=[choices])
    del choices
    gc.collect()
    assert ref() is not None  # its id cannot be taken by another list while the piece is kept
    cache.get("other", lambda: "")
    gc.collect()
    assert ref() is None
