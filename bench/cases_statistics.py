"""Case statistics for the city bureau on a generated PostgreSQL data set (issue 5 "Performance").

    ./jw bench cases_statistics [--cases 1000000] [--db jingwu_bench_cases] [--repeat 20] [--explain]
    ./jw bench cases_statistics --cases 20000 --db jw_casebench                  # a small proof run

Target: the statistics page for any period and category, median ≤ 100 ms on PostgreSQL.

For each period (since 2022, one year, one month) and category (all cases; 刑事·涉环食药; 涉交通) this
measures, as a city-wide leader (``leadership`` over the bureau's subtree, created if missing):
- "figures": what the statistics page computes — ``selectors.case_statistics``: 立案数, 破案数 and
  涉案金额 with their monthly trend and 案由 breakdown from the monthly summary (whole months) plus the
  cases of the partial months, 强制措施人数 and 移送起诉 (cases, people) from the people figures — and the
  sentence; each combination is first checked equal to ``metrics.compute`` over the cases;
- "page": the whole page ``/cases/statistics/?…`` in-process through Django's test client (skipped
  when the page does not exist), answer checked to be HTTP 200;
- and, for information, the bureau's sub-units ranked by 立案数 (``metrics.rank``).
Prints the figures, the data size and OK/MISS; for a miss (or with ``--explain``) the slowest SQL
statements of the figures with ``EXPLAIN (ANALYZE, BUFFERS)`` of the slowest one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from collections.abc import Callable
from typing import Any

from _cases_generate import BUREAU_CODE, DEFAULT_DB, bench_user, ensure, scalar, setup
from _common import verdict

TARGET_MS = 100.0
CATEGORIES: list[tuple[str, str | None, str | None]] = [  # (label, kind, tag)
    ("全部案件", None, None),
    ("刑事·涉环食药", "criminal", "env_food_drug"),
    ("涉交通", None, "traffic"),
]


def periods(today: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    return [
        ("2022年以来", dt.date(2022, 1, 1), today),
        ("2025年", dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
        ("2026年10月", dt.date(2026, 10, 1), dt.date(2026, 10, 31)),
    ]


def samples_ms(fn: Callable[[], object], repeat: int, warmup: int = 2) -> tuple[float, float]:
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
    parser.add_argument("--cases", type=int, default=1_000_000, help="generated cases wanted (generated if fewer)")
    parser.add_argument("--db", default=DEFAULT_DB)
    parser.add_argument("--scale", type=int, default=1, help="jingwu demo --scale when the database is created")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the slowest statements anyway")
    args = parser.parse_args()
    url = ensure(args.db, args.cases, scale=args.scale)
    setup(url)

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse
    from django.utils import timezone

    from jingwu.cases import selectors
    from jingwu.cases.metrics import case_metric
    from jingwu.core import metrics
    from jingwu.org.models import Unit

    bureau = Unit.objects.get(code=BUREAU_CODE)
    user = bench_user(bureau)
    today = timezone.localdate()
    size = {
        "cases": scalar(url, "SELECT COUNT(*) FROM cases_case"),
        "parties": scalar(url, "SELECT COUNT(*) FROM cases_party"),
        "measures": scalar(url, "SELECT COUNT(*) FROM cases_coercivemeasure"),
        "transfers": scalar(url, "SELECT COUNT(*) FROM cases_prosecutiontransfer"),
    }
    span = scalar(
        url,
        "SELECT to_char(min(accepted_at), 'YYYY-MM-DD') || ' … ' || to_char(max(accepted_at), 'YYYY-MM-DD') FROM cases_case",
    )
    print(
        f"数据 / data: {size['cases']:,} 案件 cases ({span}), {size['parties']:,} 当事人 parties, "
        f"{size['measures']:,} 强制措施 measures, {size['transfers']:,} 移送起诉 transfers — {bureau.name}, {args.db}"
    )
    try:
        page_path: str | None = reverse("cases:case-statistics")
    except NoReverseMatch:
        page_path = None
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)

    def figures(start: dt.date, end: dt.date, kind: str | None, tag: str | None) -> Any:
        """What the statistics view computes (jingwu/cases/views/statistics.py), without the template:
        ``selectors.case_statistics`` (the six figures, the 立案/破案 trend and the 案由 breakdown; the
        additive ones from the monthly summary when it is built) and the sentence."""
        stats = selectors.case_statistics(bureau, start, end, user=user, kind=kind, tag=tag)
        summary = selectors.case_summary(bureau, start, end, user=user, tag=tag, kind=kind, figures=stats.figures)
        return summary, stats.by_category

    def by_definition(start: dt.date, end: dt.date, kind: str | None, tag: str | None) -> dict[str, Any]:
        """The six figures through ``metrics.compute`` over the cases: checks the summary path."""
        return {
            base: metrics.compute(case_metric(base, kind=kind, tag=tag), bureau, start, end, user=user).value
            for base in selectors.FIGURE_BASES
        }

    results: list[tuple[str, float, float, float | None]] = []
    slowest: list[tuple[float, str, str]] = []
    for period_label, start, end in periods(today):
        for category_label, kind, tag in CATEGORIES:
            label = f"{period_label} · {category_label}"
            summary, breakdown = figures(start, end, kind, tag)
            print(f"  {label}: {summary.text}  ({len(breakdown)} 案由)")
            computed = by_definition(start, end, kind, tag)
            shown = {base: f.value for base, f in summary.figures.items()}
            if shown != computed:
                raise SystemExit(
                    f"汇总与逐行计算不一致 / the figures differ from the definitions: {shown} != {computed}"
                )
            median, p95 = samples_ms(lambda s=start, e=end, k=kind, t=tag: figures(s, e, k, t), args.repeat)
            results.append((f"figures  {label}", median, p95, TARGET_MS))
            if page_path:
                query = {"unit": bureau.code, "start": start.isoformat(), "end": end.isoformat()}
                query.update({k: v for k, v in (("kind", kind), ("tag", tag)) if v})
                response = client.get(page_path, query)
                if response.status_code != 200:
                    raise SystemExit(f"{page_path} answered HTTP {response.status_code} for {query}")
                median, p95 = samples_ms(lambda q=query: client.get(page_path, q), args.repeat)
                results.append((f"page     {label}", median, p95, TARGET_MS))
            with CaptureQueriesContext(connection) as ctx:
                figures(start, end, kind, tag)
            for q in ctx.captured_queries:
                slowest.append((float(q["time"]) * 1000, label, q["sql"]))
    if not page_path:
        print("  (no /cases/statistics/ page yet: only the figures were measured)")

    children = len(metrics.rank("cases.filed", bureau, "2025-01-01", "2025-12-31", user))
    median, p95 = samples_ms(lambda: metrics.rank("cases.filed", bureau, "2025-01-01", "2025-12-31", user), args.repeat)
    results.append((f"rank     {children} sub-units by 立案数, 2025", median, p95, None))

    print(f"\n{'measure':<44} {'median':>9} {'p95':>9} {'target':>8}")
    missed = False
    for label, median, p95, target in results:
        if target is None:
            print(f"{label:<44} {median:8.1f}ms {p95:8.1f}ms {'—':>8}    (info)")
            continue
        mark = verdict(median, target)
        missed = missed or mark == "MISS"
        print(f"{label:<44} {median:8.1f}ms {p95:8.1f}ms {target:6.0f}ms  {mark}")
    print(f"target: median ≤ {TARGET_MS:.0f} ms (figures and page, {args.repeat} runs each)")

    if missed or args.explain:
        slowest.sort(reverse=True)
        print("\n最慢的语句 / slowest statements of the figures:")
        for ms, label, sql in slowest[:5]:
            print(f"  {ms:7.1f} ms  [{label}]  {sql[:300]}{'…' if len(sql) > 300 else ''}")
        ms, label, sql = slowest[0]
        print(f"\nEXPLAIN (ANALYZE, BUFFERS) of the slowest [{label}]:")
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            for (line,) in cursor.fetchall():
                print("  " + line)


if __name__ == "__main__":
    main()
