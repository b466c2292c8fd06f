"""接诉即办 figures on a generated PostgreSQL data set (issue 4 "Performance").

    ./jw bench workorders_figures [--scale 10] [--orders 200000] [--month 2026-10] [--repeat 30]
    ./jw bench workorders_figures --scale 1000 --orders 10000000        # the issue's size

Targets: one unit's 三率 (响应率, 解决率, 满意率) for one month, median ≤ 20 ms; all units ranked by
综合得分 for one month, median ≤ 300 ms. Both go through the metrics registry exactly as the
dashboard does (``jingwu.core.metrics.compute_many`` — the three rates together — and ``rank``), as a
brigade leader and as the system.
"""

from __future__ import annotations

import argparse
import statistics
import time

from _common import last_month, verdict
from _wo_generate import _psql, _setup, ensure

TARGET_UNIT_MS = 20.0
TARGET_RANK_MS = 300.0
RATES = ("workorders.response_rate", "workorders.resolution_rate", "workorders.satisfaction_rate")


def _median_ms(fn, repeat: int, warmup: int = 3) -> tuple[float, float]:  # noqa: ANN001
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--orders", type=int, default=200_000)
    parser.add_argument("--month", default=last_month()[0], help="YYYY-MM (default: the last whole month)")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--reset", action="store_true")
    args = parser.parse_args()
    url = ensure(args.scale, args.orders, reset=args.reset)
    _setup(url)

    import calendar
    import datetime as dt

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jingwu.core.metrics import compute_many, rank
    from jingwu.core.metrics.compute import SYSTEM
    from jingwu.org.demo import BRIGADE_CODE, DETACHMENT_CODE
    from jingwu.org.models import Unit, User

    year, month = map(int, args.month.split("-"))
    start, end = dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])
    brigade = Unit.objects.get(code=BRIGADE_CODE)
    squadron = Unit.objects.filter(code=BRIGADE_CODE[:10] + "03").first() or brigade
    detachment = Unit.objects.get(code=DETACHMENT_CODE)
    leader = User.objects.get(username="leader")
    total = _psql(url, "SELECT COUNT(*) FROM workorders_workorder")
    units = Unit.objects.count()
    month_rows = _psql(
        url,
        f"SELECT COUNT(*) FROM workorders_workorder WHERE dispatched_at >= '{start}' AND dispatched_at < '{end}'::date + 1",
    )
    print(f"数据 / data: {total:,} 工单 orders, {units:,} 单位 units, {month_rows:,} 派单 in {args.month} ({url})")

    def three(unit, user):  # noqa: ANN001, ANN202
        # as the dashboard and the summary sentence ask for them: together (metrics.compute_many)
        figures = compute_many(RATES, unit, start, end, user=user)
        return [figures[name] for name in RATES]

    def ranked(user):  # noqa: ANN001, ANN202
        return rank("workorders.composite", detachment, start, end, user)

    results = []
    for label, unit in (("大队 brigade", brigade), ("中队 squadron", squadron)):
        for who, user in (("leader", leader), ("system", SYSTEM)):
            figures = three(unit, user)
            shown = ", ".join(f"{f.label} {f.display} ({f.numerator}/{f.denominator})" for f in figures)
            median, p95 = _median_ms(lambda unit=unit, user=user: three(unit, user), args.repeat)
            results.append((f"三率 one unit: {label} as {who}", median, p95, TARGET_UNIT_MS))
            print(f"  {label} as {who}: {shown}")
    rows = ranked(SYSTEM)
    print(
        f"  排名 ranking of {len(rows)} 大队 under {detachment.name}: top {[(r.unit.name, r.figure.display) for r in rows[:3]]}"
    )
    median, p95 = _median_ms(lambda: ranked(SYSTEM), max(5, args.repeat // 3))
    results.append((f"综合得分 all {len(rows)} brigades ranked (system)", median, p95, TARGET_RANK_MS))
    # every squadron and office of the detachment, ranked inside each brigade (what a 支队 table shows)
    brigades = list(Unit.objects.filter(depth=detachment.depth + 1, path__startswith=detachment.path, kind="brigade"))

    def all_units() -> int:
        return sum(len(rank("workorders.composite", b, start, end, SYSTEM)) for b in brigades)

    count = all_units()
    median, p95 = _median_ms(all_units, max(3, args.repeat // 10), warmup=1)
    results.append((f"综合得分 {count} squadrons/offices, ranked per brigade", median, p95, None))
    with CaptureQueriesContext(connection) as ctx:
        three(brigade, leader)
    statements = [q["sql"] for q in ctx.captured_queries]

    def raw_sql() -> None:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()

    median, p95 = _median_ms(raw_sql, args.repeat)
    results.append((f"  of which SQL alone ({len(statements)} statements)", median, p95, None))
    print(f"\n{'measure':<52} {'median':>9} {'p95':>9} {'target':>9}")
    for label, median, p95, target in results:
        if target is None:
            print(f"{label:<52} {median:8.1f}ms {p95:8.1f}ms {'—':>9}    (info)")
        else:
            print(f"{label:<52} {median:8.1f}ms {p95:8.1f}ms {target:8.0f}ms  {verdict(median, target)}")
    with connection.cursor() as cursor:
        from jingwu.core.metrics import rows as metric_rows

        sql, params = metric_rows(
            "workorders.response_rate", brigade, start, end, user=SYSTEM, which="denominator"
        ).query.sql_with_params()
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql.replace("ORDER BY", "-- ORDER BY", 1), params)
        plan = [row[0] for row in cursor.fetchall()]
    print("\n-- plan of one side (brigade, denominator rows) --")
    print("\n".join(plan[:14]))


if __name__ == "__main__":
    main()
