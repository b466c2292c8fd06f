"""Monthly sums behind 立案数, 破案数 and 涉案金额 (and their trend and 案由 breakdown), so the case
statistics of a city bureau with a million cases read a few thousand rows instead of every case.

Maintained by the case services in the same transaction as the change that moves a figure (立案,
破案, a changed amount or 案由); ``jingwu rebuild_case_figures`` recomputes the whole table from
the cases and records the rebuild. The statistics read the table only after such a rebuild (a
database whose cases were written around the services, such as a test fixture, keeps computing
from the cases) and only for users who see the whole unit subtree asked for; the drill-down always
lists the cases themselves.
"""

from __future__ import annotations

from datetime import date

from django.db import models

from jingwu.core.scope import ScopedQuerySet

NO_PREVIOUS = date(1900, 1, 1)  # "no previous occurrence": before every period


class CaseMonthlyFigure(models.Model):
    """Cases of one unit, 案由 and kind whose 立案 (``filed``, ``amount_filed_cents``) or 破案
    (``solved``) fell in one calendar month (Asia/Shanghai).

    Seen only through the case figures (same data scope as the cases: the unit); written only by
    the case services and the rebuild command, never edited by hand. Amounts are kept in fen
    (integer cents) so sums stay exact on every database engine.
    """

    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey("cases.CaseCategory", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)
    month = models.DateField()  # the first day of the month
    filed = models.IntegerField(default=0)
    solved = models.IntegerField(default=0)
    amount_filed_cents = models.BigIntegerField(default=0)

    scope_unit_field = "unit"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "案件月度汇总"
        verbose_name_plural = "案件月度汇总"
        constraints = [
            models.UniqueConstraint(fields=["unit", "category", "kind", "month"], name="case_monthly_figure_key")
        ]
        indexes = [models.Index(fields=["month", "unit"], name="case_monthly_month_unit")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.kind} 立案{self.filed} 破案{self.solved}"


class CaseFigureBuild(models.Model):
    """One rebuild of :class:`CaseMonthlyFigure` from the cases. Its existence tells the statistics
    that the table is complete (kept current by the services since). Written by the rebuild only."""

    built_at = models.DateTimeField()
    cases = models.PositiveIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
    # the people figures (None: built before they existed) and the 案由 → tag links they were built with
    people_rows = models.PositiveIntegerField(null=True, blank=True)
    tag_signature = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = "案件月度汇总重建记录"
        verbose_name_plural = "案件月度汇总重建记录"
        ordering = ["-built_at"]

    def __str__(self) -> str:
        return f"{self.built_at:%Y-%m-%d %H:%M} ({self.cases})"


class PeopleFigureMonth(models.Model):
    """The distinct counts (强制措施人数, 移送起诉人数, 移送起诉案件数) by month, answered as sums.

    For one figure and one filter — a unit with its whole subtree (``unit``), a case kind (``kind``,
    "" for all) and a tag (``tag``: the tag's id, 0 for all) — every occurrence (a measure's start,
    a person's or a case's transfer) is counted under the month it happened in (``month``) and the
    month of the same person's (or case's) previous occurrence under the same filter
    (``prev_month``; :data:`NO_PREVIOUS` when there is none). The people of whole months ``M1..M2``
    are then ``sum(n)`` over ``month`` in ``M1..M2`` with ``prev_month`` before ``M1``.

    Same scope and writers as :class:`CaseMonthlyFigure` (the measure and transfer services, the
    rebuild), read only by the statistics for users who see the whole subtree.
    """

    figure = models.CharField(max_length=12)
    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+", db_constraint=False)
    kind = models.CharField(max_length=20, blank=True)
    tag = models.IntegerField(default=0)
    month = models.DateField()
    prev_month = models.DateField()
    n = models.IntegerField(default=0)

    scope_unit_field = "unit"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "人数月度汇总"
        verbose_name_plural = "人数月度汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "kind", "tag", "figure", "month", "prev_month"], name="people_month_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.figure} {self.month:%Y-%m} ← {self.prev_month:%Y-%m}: {self.n}"


class PeopleFigureDay(models.Model):
    """:class:`PeopleFigureMonth` by day, for the parts of a period that are not whole months: the
    occurrences of a partial month, and those whose previous occurrence falls in the first month
    before the period's first day (``prev_day`` is exact; :data:`NO_PREVIOUS` when none)."""

    figure = models.CharField(max_length=12)
    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+", db_constraint=False)
    kind = models.CharField(max_length=20, blank=True)
    tag = models.IntegerField(default=0)
    day = models.DateField()
    prev_day = models.DateField()
    n = models.IntegerField(default=0)

    scope_unit_field = "unit"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "人数每日汇总"
        verbose_name_plural = "人数每日汇总"
        constraints = [
            models.UniqueConstraint(fields=["unit", "kind", "tag", "figure", "day", "prev_day"], name="people_day_key")
        ]
        # "previous occurrence within the first partial month" reads by prev_day
        indexes = [
            models.Index(
                fields=["unit", "kind", "tag", "prev_day"], include=["figure", "day", "n"], name="people_day_prev"
            )
        ]

    def __str__(self) -> str:
        return f"{self.figure} {self.day} ← {self.prev_day}: {self.n}"


class PeopleFigureUnit(models.Model):
    """A unit that holds counted occurrences, with the chain of unit ids (itself and its ancestors)
    it was counted under. The people figures are used only while every such unit still has that
    chain (a moved unit, or one whose path changed, sends the statistics back to the rows until the
    next rebuild). Written by the services (a unit's first occurrence) and the rebuild."""

    unit = models.OneToOneField(
        "org.Unit", on_delete=models.CASCADE, primary_key=True, related_name="+", db_constraint=False
    )
    path = models.CharField(max_length=255)
    chain = models.CharField(max_length=255)

    class Meta:
        verbose_name = "人数汇总单位"
        verbose_name_plural = "人数汇总单位"

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.chain}"
