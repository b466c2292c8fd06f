"""Keeping the people figures (:class:`~jingwu.cases.models.PeopleFigureMonth` and ``…Day``) current.

强制措施人数, 移送起诉人数 and 移送起诉案件数 count distinct people (or cases) over a period, so they
cannot be summed from per-month counts. What can be summed: for every occurrence (a measure's
start, a transfer of a person, a transfer of a case), the date of the same person's previous
occurrence *under the same filter*. The distinct people of ``[from, to]`` are exactly the
occurrences in ``[from, to]`` whose previous one is before ``from`` (or missing): each person is
counted at their first occurrence in the period.

A filter is a unit with its subtree, a case kind ("" for all) and a tag (0 for all), and an
occurrence belongs to every filter it matches: each ancestor of its case's unit (and the unit) ×
{all, its kind} × {all, each tag of its 案由}. So a person with measures in two squadrons is one
person for their brigade, and two first occurrences, one per squadron.

A person's contribution depends only on that person's own occurrences, so the services that add or
move one (a measure's start, a transfer, a changed 案由) call :func:`keeping_people` around the
change: it locks the person's party rows (and the case), computes their contribution, lets the
change happen, and writes the difference in the same transaction. :func:`rebuild` recomputes both
tables (``jingwu rebuild_case_figures``); the statistics use them only after a rebuild, while the
案由 → tag links are those of the rebuild and no counted unit has moved in the tree since.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from itertools import groupby
from operator import itemgetter
from typing import Any

from django.db import connection, transaction
from django.db.models import F

from jingwu.core.calendar import TZ
from jingwu.org.models import Unit

from ..models import (
    Case,
    CaseCategory,
    CoerciveMeasure,
    Party,
    PeopleFigureDay,
    PeopleFigureMonth,
    PeopleFigureUnit,
    ProsecutionTransfer,
)
from ..models.figures import NO_PREVIOUS

COERCIVE, PROSECUTION_PEOPLE, PROSECUTION_CASES = "coercive", "pros_people", "pros_cases"
FIGURES = (COERCIVE, PROSECUTION_PEOPLE, PROSECUTION_CASES)
FIGURE_OF_BASE = {
    "cases.coercive_people": COERCIVE,
    "cases.prosecution_people": PROSECUTION_PEOPLE,
    "cases.prosecution_cases": PROSECUTION_CASES,
}

Occurrence = tuple[datetime, int, int, str, int]  # when, row id (ties), unit id, case kind, 案由 id
Key = tuple[int, str, int, str, date, date]  # unit, kind, tag, figure, day/month, previous day/month

_TRANSFER_PARTIES = ProsecutionTransfer.parties.through


def tag_links() -> dict[int, tuple[int, ...]]:
    """{案由 id: its tag ids} as they stand."""
    links: dict[int, list[int]] = {}
    for category_id, tag_id in CaseCategory.tags.through.objects.values_list("casecategory_id", "casetag_id"):
        links.setdefault(category_id, []).append(tag_id)
    return {k: tuple(sorted(v)) for k, v in links.items()}


def tag_signature(links: dict[int, tuple[int, ...]] | None = None) -> str:
    links = tag_links() if links is None else links
    text = ";".join(f"{c}:{','.join(map(str, t))}" for c, t in sorted(links.items()))
    return hashlib.sha256(text.encode()).hexdigest()


def unit_chains(unit_ids: Iterable[int]) -> dict[int, tuple[tuple[int, ...], str]]:
    """{unit id: (its ancestors' ids and its own, root first; its path)}."""
    paths = dict(Unit.objects.filter(pk__in=set(unit_ids)).values_list("pk", "path"))
    step = Unit.steplen
    prefixes = {path[:i] for path in paths.values() for i in range(step, len(path) + 1, step)}
    ids = dict(Unit.objects.filter(path__in=prefixes).values_list("path", "pk"))
    return {
        pk: (tuple(ids[path[:i]] for i in range(step, len(path) + 1, step) if path[:i] in ids), path)
        for pk, path in paths.items()
    }


class Dimensions:
    """What an occurrence's filters are made of: unit chains (loaded as units appear) and tags."""

    def __init__(self, tags: dict[int, tuple[int, ...]] | None = None) -> None:
        self.tags = tag_links() if tags is None else tags
        self.chains: dict[int, tuple[int, ...]] = {}
        self.paths: dict[int, str] = {}

    def load(self, unit_ids: Iterable[int]) -> None:
        missing = {u for u in unit_ids if u not in self.chains}
        if missing:
            for pk, (chain, path) in unit_chains(missing).items():
                self.chains[pk], self.paths[pk] = chain, path


def local_date(moment: datetime) -> date:
    return moment.astimezone(TZ).date()


def contributions(
    figure: str, occurrences: Iterable[Occurrence], dims: Dimensions, months: Counter[Key], days: Counter[Key]
) -> None:
    """Add what one person's (or case's) occurrences contribute to ``months`` and ``days``."""
    by_filter: dict[tuple[int, str, int], list[tuple[datetime, int]]] = {}
    for at, row, unit_id, kind, category_id in occurrences:
        tags = (0, *dims.tags.get(category_id, ()))
        for unit in dims.chains[unit_id]:
            for k in ("", kind):
                for tag in tags:
                    by_filter.setdefault((unit, k, tag), []).append((at, row))
    for (unit, kind, tag), moments in by_filter.items():
        moments.sort()
        previous = NO_PREVIOUS
        for at, _row in moments:
            day = local_date(at)
            months[(unit, kind, tag, figure, day.replace(day=1), previous.replace(day=1))] += 1
            days[(unit, kind, tag, figure, day, previous)] += 1
            previous = day


# --- the occurrences of people and cases -----------------------------------------------------------


def _measures(person_keys: Iterable[str] | None) -> Any:
    qs = CoerciveMeasure.objects.filter(started_at__isnull=False)
    if person_keys is not None:
        qs = qs.filter(party__person_key__in=list(person_keys))
    return qs.values_list(
        "party__person_key", "started_at", "id", "case__unit_id", "case__kind", "case__category_id"
    ).order_by("party__person_key")


def _transferred_people(person_keys: Iterable[str] | None) -> Any:
    qs = _TRANSFER_PARTIES.objects.all()
    if person_keys is not None:
        qs = qs.filter(party__person_key__in=list(person_keys))
    return qs.values_list(
        "party__person_key",
        "prosecutiontransfer__transferred_at",
        "prosecutiontransfer_id",
        "prosecutiontransfer__case__unit_id",
        "prosecutiontransfer__case__kind",
        "prosecutiontransfer__case__category_id",
    ).order_by("party__person_key")


def _transferred_cases(case_ids: Iterable[int] | None) -> Any:
    qs = ProsecutionTransfer.objects.all()
    if case_ids is not None:
        qs = qs.filter(case_id__in=list(case_ids))
    return qs.values_list(
        "case_id", "transferred_at", "id", "case__unit_id", "case__kind", "case__category_id"
    ).order_by("case_id")


def _add_rows(
    figure: str, rows: Iterable[tuple[Any, ...]], dims: Dimensions, months: Counter[Key], days: Counter[Key]
) -> None:
    """``rows``: (person or case, when, row id, unit, kind, 案由), ordered by person or case."""
    for _who, group in groupby(rows, key=itemgetter(0)):
        occurrences = [row[1:] for row in group]
        dims.load(o[2] for o in occurrences)
        contributions(figure, occurrences, dims, months, days)


def of(
    person_keys: Iterable[str], case_ids: Iterable[int], dims: Dimensions | None = None
) -> tuple[Counter[Key], Counter[Key]]:
    """The contribution of these people and these cases as they stand."""
    dims = dims or Dimensions()
    months: Counter[Key] = Counter()
    days: Counter[Key] = Counter()
    keys, cases = list(person_keys), list(case_ids)
    if keys:
        _add_rows(COERCIVE, _measures(keys), dims, months, days)
        _add_rows(PROSECUTION_PEOPLE, _transferred_people(keys), dims, months, days)
    if cases:
        _add_rows(PROSECUTION_CASES, _transferred_cases(cases), dims, months, days)
    return months, days


def computed(dims: Dimensions | None = None) -> tuple[Counter[Key], Counter[Key]]:
    """Both tables computed from every measure and transfer."""
    dims = dims or Dimensions()
    months: Counter[Key] = Counter()
    days: Counter[Key] = Counter()
    _add_rows(COERCIVE, _measures(None).iterator(chunk_size=20000), dims, months, days)
    _add_rows(PROSECUTION_PEOPLE, _transferred_people(None).iterator(chunk_size=20000), dims, months, days)
    _add_rows(PROSECUTION_CASES, _transferred_cases(None).iterator(chunk_size=20000), dims, months, days)
    return months, days


def stored() -> tuple[Counter[Key], Counter[Key]]:
    """Both tables as they stand, without their zero rows."""
    fields = ("unit_id", "kind", "tag", "figure")
    months = Counter(
        {
            (*row[:4], row[4], row[5]): row[6]
            for row in PeopleFigureMonth.objects.exclude(n=0).values_list(*fields, "month", "prev_month", "n")
        }
    )
    days = Counter(
        {
            (*row[:4], row[4], row[5]): row[6]
            for row in PeopleFigureDay.objects.exclude(n=0).values_list(*fields, "day", "prev_day", "n")
        }
    )
    return months, days


# --- keeping them current --------------------------------------------------------------------------

_UPSERT = (
    "INSERT INTO {table} (unit_id, kind, tag, figure, {when}, {prev}, n) VALUES (%s, %s, %s, %s, %s, %s, %s) "
    "ON CONFLICT (unit_id, kind, tag, figure, {when}, {prev}) DO UPDATE SET n = {table}.n + excluded.n"
)


def _write_delta(before: Counter[Key], after: Counter[Key], table: str, when: str, prev: str) -> None:
    rows = []
    adapt = connection.ops.adapt_datefield_value
    for key in before.keys() | after.keys():
        change = after.get(key, 0) - before.get(key, 0)
        if change:
            unit, kind, tag, figure, at, previous = key
            rows.append((unit, kind, tag, figure, adapt(at), adapt(previous), change))
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(_UPSERT.format(table=table, when=when, prev=prev), rows)


def _register_units(dims: Dimensions) -> None:
    """Note the chain of each unit counted for the first time (kept as it is otherwise: a unit whose
    chain changed makes the statistics read the rows until the next rebuild)."""
    known = set(PeopleFigureUnit.objects.filter(pk__in=list(dims.chains)).values_list("pk", flat=True))
    new = [
        PeopleFigureUnit(unit_id=pk, path=dims.paths[pk], chain="/".join(map(str, chain)))
        for pk, chain in dims.chains.items()
        if pk not in known
    ]
    if new:
        PeopleFigureUnit.objects.bulk_create(new, ignore_conflicts=True)


@contextmanager
def keeping_people(*, person_keys: Iterable[str] = (), case_ids: Iterable[int] = ()) -> Iterator[None]:
    """Run a change that adds or moves occurrences of these people (by ``person_key``) and cases,
    and move the people figures with it, in one transaction. Cases are locked first, then the
    people's party rows, so two changes of the same person wait for each other."""
    keys = sorted({k for k in person_keys if k})
    cases = sorted(set(case_ids))
    with transaction.atomic():
        if cases:
            list(Case.objects.select_for_update().filter(pk__in=cases).order_by("pk").values_list("pk", flat=True))
        if keys:
            list(
                Party.objects.select_for_update()
                .filter(person_key__in=keys)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
        dims = Dimensions()
        months_before, days_before = of(keys, cases, dims)
        yield
        months_after, days_after = of(keys, cases, dims)
        _write_delta(months_before, months_after, PeopleFigureMonth._meta.db_table, "month", "prev_month")
        _write_delta(days_before, days_after, PeopleFigureDay._meta.db_table, "day", "prev_day")
        _register_units(dims)


# --- rebuild ---------------------------------------------------------------------------------------


def _insert(model: Any, rows: Counter[Key], when: str, prev: str) -> None:
    columns = ("unit_id", "kind", "tag", "figure", when, prev, "n")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            raw = cursor.cursor
            with raw.copy(f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN") as copy:
                for key, n in rows.items():
                    if n:
                        copy.write_row((*key, n))
        return
    model.objects.bulk_create(
        (
            model(unit_id=u, kind=k, tag=t, figure=f, **{when: a, prev: p}, n=n)
            for (u, k, t, f, a, p), n in rows.items()
            if n
        ),
        batch_size=2000,
    )


def rebuild() -> tuple[int, str]:
    """Recompute both tables and the unit register (inside the caller's transaction, which holds
    the writers off); returns the rows written and the tag signature they were built with."""
    dims = Dimensions()
    months, days = computed(dims)
    PeopleFigureMonth.objects.all().delete()
    PeopleFigureDay.objects.all().delete()
    PeopleFigureUnit.objects.all().delete()
    _insert(PeopleFigureMonth, months, "month", "prev_month")
    _insert(PeopleFigureDay, days, "day", "prev_day")
    _register_units(dims)
    return len(months) + len(days), tag_signature(dims.tags)


def serves(tag_signature_built: str) -> bool:
    """Whether the tables still answer: the 案由 → tag links are those of the rebuild and every
    counted unit still has the chain of ancestors it was counted under (a path that changed
    because a sibling was inserted keeps its chain)."""
    if tag_signature_built != tag_signature():
        return False
    moved = list(PeopleFigureUnit.objects.exclude(path=F("unit__path")).values_list("unit_id", "chain"))
    if not moved:
        return True
    chains = unit_chains(pk for pk, _ in moved)
    return all(pk in chains and "/".join(map(str, chains[pk][0])) == chain for pk, chain in moved)
