"""Rendered pieces of a page kept per process, for pieces that are a pure function of a key.

A list page's filter form is the same HTML for the same query string, language and pickers: paging
through a filtered list, or the many people of one unit opening its default list, render it again
and again (a dozen widgets and a template: ~2 ms of a work-order list request). ``FragmentCache``
keeps the newest ``size`` pieces.

What goes into the key decides what may be shared: the caller puts there everything the piece
shows. Objects that stand in the key by identity (``id(choices)``: the pickers a ``ChoiceCache``
keeps) are passed as ``keep`` and held with the piece, so their ids cannot be reused by other
objects while the piece is kept; when the choice cache builds new choices, the key changes.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Any

_all: list[FragmentCache] = []


class FragmentCache:
    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._pieces: OrderedDict[Hashable, tuple[str, Sequence[Any]]] = OrderedDict()
        _all.append(self)

    def get(self, key: Hashable, render: Callable[[], str], *, keep: Sequence[Any] = ()) -> str:
        hit = self._pieces.get(key)
        if hit is not None:
            self._pieces.move_to_end(key)
            return hit[0]
        html = render()
        self._pieces[key] = (html, tuple(keep))
        while len(self._pieces) > self.size:
            self._pieces.popitem(last=False)
        return html

    def clear(self) -> None:
        self._pieces.clear()

    def __len__(self) -> int:
        return len(self._pieces)


def clear_all() -> None:
    for cache in _all:
        cache.clear()
