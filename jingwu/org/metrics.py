"""Metric definitions of the org module: how many people a unit has (队伍 figures).

People are a stock, not a flow: there is no period field, so a figure is "as of the period's end":
people in post (status 在岗) who had joined by the end of the period (or whose joining date is
unknown). Status has no history yet, so someone who left after the period still drops out of it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from jingwu.core.metrics import Column, Metric, Period, register

from .models import Person
from .roles import Cap

PARTY_STATUSES = (Person.PoliticalStatus.CPC, Person.PoliticalStatus.PROBATIONARY)


def in_post(qs: QuerySet[Any], period: Period) -> QuerySet[Any]:
    """People in post at the end of ``period``."""
    return qs.filter(status=Person.Status.ACTIVE).filter(Q(joined_on__lte=period.end) | Q(joined_on__isnull=True))


def police(qs: QuerySet[Any], period: Period) -> QuerySet[Any]:
    return in_post(qs, period).filter(kind=Person.Kind.POLICE)


def auxiliaries(qs: QuerySet[Any], period: Period) -> QuerySet[Any]:
    return in_post(qs, period).filter(kind=Person.Kind.AUXILIARY)


def party_members(qs: QuerySet[Any], period: Period) -> QuerySet[Any]:
    return in_post(qs, period).filter(political_status__in=PARTY_STATUSES)


def police_party_members(qs: QuerySet[Any], period: Period) -> QuerySet[Any]:
    return police(qs, period).filter(political_status__in=PARTY_STATUSES)


PERSON_COLUMNS = (
    Column("警号", "police_number"),
    Column("姓名", "name"),
    Column("身份", "get_kind_display"),
    Column("单位", "unit.name"),
    Column("职务", "position"),
    Column("政治面貌", "get_political_status_display"),
    Column("入职日期", "joined_on"),
)

_common: dict[str, Any] = {
    "model": "org.Person",
    "unit_field": "unit",
    "capability": Cap.VIEW_PERSON,
    "suffix": "人",
    "row_columns": PERSON_COLUMNS,
    "select_related": ("unit",),
    "ordering": ("unit__path", "kind", "police_number"),
}

register(
    Metric(
        name="org.police_count",
        label="在岗民警人数",
        kind="count",
        numerator=police,
        numerator_label="在岗民警",
        description="期末在岗的民警人数(状态为在岗,入职日期不晚于期末或未填)。",
        **_common,
    )
)
register(
    Metric(
        name="org.auxiliary_count",
        label="在岗辅警人数",
        kind="count",
        numerator=auxiliaries,
        numerator_label="在岗辅警",
        description="期末在岗的辅警人数(状态为在岗,入职日期不晚于期末或未填)。",
        **_common,
    )
)
register(
    Metric(
        name="org.people_count",
        label="民辅警总数",
        kind="count",
        numerator=in_post,
        numerator_label="在岗民辅警",
        description="期末在岗的民警与辅警合计。",
        **_common,
    )
)
register(
    Metric(
        name="org.party_member_count",
        label="党员人数",
        kind="count",
        numerator=party_members,
        numerator_label="在岗党员(民警与辅警)",
        description="期末在岗民辅警中的中共党员(含预备党员)人数。",
        **_common,
    )
)
register(
    Metric(
        name="org.party_member_rate",
        label="党员占比",
        kind="rate",
        numerator=police_party_members,
        denominator=police,
        numerator_label="党员民警",
        denominator_label="在岗民警",
        description="在岗民警中中共党员(含预备党员)所占比例:党员民警 ÷ 在岗民警;无民警时显示“—”。",
        **_common,
    )
)
