"""Keeping the monthly case figures (:class:`~jingwu.cases.models.CaseMonthlyFigure`) current.

A case contributes 1 立案 and its amount to the month of its ``filed_at``, and 1 破案 to the month
of its ``solved_at``, under its unit, 案由 and kind. The services that can move a contribution
(立案, 破案, a changed amount or 案由) call :func:`keeping_figures` around the change: it locks the
case, notes its contribution, lets the change happen and writes the difference, all in the one
transaction. :func:`rebuild` recomputes the table from the cases (``jingwu rebuild_case_figures``,
and at the end of bulk loads such as the demo or the benchmark generator).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from jingwu.core.calendar import TZ

from ..models import Case, CaseFigureBuild, CaseMonthlyFigure, CoerciveMeasure, ProsecutionTransfer
from . import people_figures

Key = tuple[int, int, str, date]  # unit id, category id, kind, first day of the month
Sums = list[int]  # filed, solved, amount in fen


def month_of(moment: datetime) -> date:
    return moment.astimezone(TZ).date().replace(day=1)


def cents(amount: Decimal | int | float | None) -> int:
    return int((Decimal(str(amount or 0)) * 100).to_integral_value())


def contributions(case: Case) -> dict[Key, Sums]:
    """What ``case`` adds to the monthly figures as it stands."""
    out: dict[Key, Sums] = {}
    if case.filed_at is not None:
        sums = out.setdefault((case.unit_id, case.category_id, case.kind, month_of(case.filed_at)), [0, 0, 0])
        sums[0] += 1
        sums[2] += cents(case.amount_involved)
    if case.solved_at is not None:
        sums = out.setdefault((case.unit_id, case.category_id, case.kind, month_of(case.solved_at)), [0, 0, 0])
        sums[1] += 1
    return out


UPSERT = (
    "INSERT INTO cases_casemonthlyfigure (unit_id, category_id, kind, month, filed, solved, amount_filed_cents) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s) "
    "ON CONFLICT (unit_id, category_id, kind, month) DO UPDATE SET "
    "filed = cases_casemonthlyfigure.filed + excluded.filed, "
    "solved = cases_casemonthlyfigure.solved + excluded.solved, "
    "amount_filed_cents = cases_casemonthlyfigure.amount_filed_cents + excluded.amount_filed_cents"
)
assert CaseMonthlyFigure._meta.db_table == "cases_casemonthlyfigure"


def _add(rows: dict[Key, Sums]) -> None:
    """Add the sums to their rows (created when missing) in one statement per row: an upsert, so
    two transactions touching the same month cannot both insert it."""
    sql = UPSERT
    with connection.cursor() as cursor:
        for (unit_id, category_id, kind, month), (filed, solved, amount) in rows.items():
            if filed or solved or amount:
                cursor.execute(
                    sql,
                    [unit_id, category_id, kind, connection.ops.adapt_datefield_value(month), filed, solved, amount],
                )


def apply_change(before: dict[Key, Sums], after: dict[Key, Sums]) -> None:
    delta: dict[Key, Sums] = {}
    for key in before.keys() | after.keys():
        old, new = before.get(key, [0, 0, 0]), after.get(key, [0, 0, 0])
        delta[key] = [n - o for o, n in zip(old, new, strict=True)]
    _add(delta)


@contextmanager
def keeping_figures(case: Case) -> Iterator[None]:
    """Run a change of ``case`` and move its monthly figures with it, in one transaction."""
    with transaction.atomic():
        before = contributions(Case.objects.select_for_update().get(pk=case.pk))
        yield
        apply_change(before, contributions(Case.objects.get(pk=case.pk)))


def _local_month(value: Any) -> date:
    if isinstance(value, datetime):
        return value.astimezone(TZ).date() if value.tzinfo else value.date()
    return value  # type: ignore[no-any-return]


def computed() -> dict[Key, Sums]:
    """The monthly figures computed from the cases (two grouped queries)."""
    out: dict[Key, Sums] = {}
    filed = (
        Case.objects.filter(filed_at__isnull=False)
        .order_by()
        .annotate(m=TruncMonth("filed_at", tzinfo=TZ))
        .values("unit_id", "category_id", "kind", "m")
        .annotate(n=Count("pk"), amount=Sum("amount_involved"))
    )
    for row in filed:
        key = (row["unit_id"], row["category_id"], row["kind"], _local_month(row["m"]).replace(day=1))
        sums = out.setdefault(key, [0, 0, 0])
        sums[0] += row["n"]
        sums[2] += cents(row["amount"])
    solved = (
        Case.objects.filter(solved_at__isnull=False)
        .order_by()
        .annotate(m=TruncMonth("solved_at", tzinfo=TZ))
        .values("unit_id", "category_id", "kind", "m")
        .annotate(n=Count("pk"))
    )
    for srow in solved:
        key = (srow["unit_id"], srow["category_id"], srow["kind"], _local_month(srow["m"]).replace(day=1))
        out.setdefault(key, [0, 0, 0])[1] += srow["n"]
    return out


def stored() -> dict[Key, Sums]:
    """The table as it stands, without its all-zero rows."""
    return {
        (r.unit_id, r.category_id, r.kind, r.month): [r.filed, r.solved, r.amount_filed_cents]
        for r in CaseMonthlyFigure.objects.all()
        if r.filed or r.solved or r.amount_filed_cents
    }


def rebuild() -> CaseFigureBuild:
    """Recompute the whole table from the cases, and the people figures
    (:mod:`~jingwu.cases.services.people_figures`) from the measures and transfers, and record the
    rebuild (one transaction)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":  # writers of cases wait instead of moving figures meanwhile
            with connection.cursor() as cursor:
                for model in (Case, CoerciveMeasure, ProsecutionTransfer, ProsecutionTransfer.parties.through):
                    cursor.execute(f"LOCK TABLE {model._meta.db_table} IN SHARE MODE")
        rows = computed()
        CaseMonthlyFigure.objects.all().delete()
        CaseMonthlyFigure.objects.bulk_create(
            [
                CaseMonthlyFigure(
                    unit_id=unit_id,
                    category_id=category_id,
                    kind=kind,
                    month=month,
                    filed=filed,
                    solved=solved,
                    amount_filed_cents=amount,
                )
                for (unit_id, category_id, kind, month), (filed, solved, amount) in rows.items()
            ],
            batch_size=2000,
        )
        people_rows, signature = people_figures.rebuild()
        return CaseFigureBuild.objects.create(
            built_at=timezone.now(),
            cases=Case.objects.count(),
            rows=len(rows),
            people_rows=people_rows,
            tag_signature=signature,
        )
