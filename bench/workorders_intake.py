"""Intake through the service layer with concurrent writers on PostgreSQL (issue 4 "Performance").

    ./jw bench workorders_intake [--writers 8] [--orders-each 60] [--scale 10] [--orders 200000]

Each writer is its own process (as gunicorn workers are) calling ``services.work_order_intake``:
validation, the order row, its source number, the ``intake`` transition event and its hash-chained
audit row in one transaction, then the repeat search. Writers start together on a barrier; the
figure is orders committed ÷ wall time from the first start to the last finish (target ≥ 300/s with
8 writers). The audit chain has ``AUDIT_LANES`` lanes; a writer keeps its lane and takes a free one
(``SKIP LOCKED``) when another transaction holds it, so writers do not queue behind one chain head;
the script prints the lane each writer ended on and verifies every chain afterwards.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import time

from _common import process_cpu, verdict
from _wo_generate import _setup, ensure

TARGET_PER_S = 300.0
CATEGORIES = ["consult", "help", "complaint", "report", "suggestion"]


def writer(url: str, run: int, index: int, count: int, barrier, out) -> None:  # noqa: ANN001
    """One writer process; a failure is reported to the parent (and breaks the start barrier) instead
    of leaving the parent waiting for a result that never comes."""
    try:
        _write(url, run, index, count, barrier, out)
    except BaseException:  # noqa: BLE001 — reported, then the process ends
        import traceback

        barrier.abort()
        out.put(("error", index, traceback.format_exc()))


def _write(url: str, run: int, index: int, count: int, barrier, out) -> None:  # noqa: ANN001
    _setup(url)
    import random

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jingwu.core import context
    from jingwu.core.audit import _lane_for_writer
    from jingwu.org.demo import BRIGADE_CODE
    from jingwu.org.models import Unit, User
    from jingwu.workorders import services
    from jingwu.workorders.models import Category

    leader = User.objects.get(username="leader")
    leader.has_cap("workorders.intake")  # warm the role cache as a logged-in request would
    brigade = Unit.objects.get(code=BRIGADE_CODE)
    categories = {c.code: c for c in Category.objects.filter(code__in=CATEGORIES)}
    rng = random.Random(f"{run}-{index}")  # new numbers and addresses in every run (see main)
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    barrier.wait()
    cpu_before = (process_cpu(os.getpid()), process_cpu(backend))
    started = time.perf_counter()
    latencies = []
    with context.acting(origin="bench"):
        for n in range(count):
            t0 = time.perf_counter()
            phone = rng.choice(["13", "15", "18"]) + str(rng.randrange(10**8, 10**9))
            services.work_order_intake(
                actor=leader,
                category=categories[rng.choice(CATEGORIES)],
                content=f"基准测试诉求:树林召镇平原大街{run}-{index}-{n}号门前车辆乱停放,请求处理",
                citizen_phone=phone,
                citizen_name="王先生",
                address=f"达拉特旗树林召镇平原大街{run}-{index}-{n}号",
                intake_unit=brigade,
            )
            latencies.append((time.perf_counter() - t0) * 1000)
        finished = time.perf_counter()
        cpu = (process_cpu(os.getpid()) - cpu_before[0], process_cpu(backend) - cpu_before[1])
        with CaptureQueriesContext(connection) as queries:  # the statements of one more intake (not timed)
            services.work_order_intake(
                actor=leader,
                category=categories["help"],
                content=f"基准测试诉求:语句计数{run}-{index}",
                citizen_phone="139" + str(rng.randrange(10**7, 10**8)),
                address=f"达拉特旗树林召镇计数{run}-{index}号",
                intake_unit=brigade,
            )
    out.put((index, started, finished, latencies, _lane_for_writer(), cpu, len(queries)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--orders-each", type=int, default=60)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--orders", type=int, default=200_000, help="generated orders already in the table")
    args = parser.parse_args()
    url = ensure(args.scale, args.orders)
    ctx = mp.get_context("spawn")
    barrier, out = ctx.Barrier(args.writers), ctx.Queue()
    # Every run files new demands (numbers and addresses no earlier run used): a run repeating the
    # last one's would find each order's twin and measure the repeat path instead of the usual intake.
    run = time.time_ns() // 1_000_000
    procs = [
        ctx.Process(target=writer, args=(url, run, i, args.orders_each, barrier, out)) for i in range(args.writers)
    ]
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    failed = [r for r in results if r[0] == "error"]
    if failed:
        raise SystemExit(f"writer {failed[0][1]} failed:\n{failed[0][2]}")
    first = min(r[1] for r in results)
    last = max(r[2] for r in results)
    total = sum(len(r[3]) for r in results)
    lat = sorted(x for r in results for x in r[3])
    rate = total / (last - first)
    lanes = sorted(r[4] for r in results)
    print(f"{args.writers} writers × {args.orders_each} = {total} 工单 orders in {last - first:.2f} s")
    app_cpu = sum(r[5][0] for r in results) * 1000 / total
    db_cpu = sum(r[5][1] for r in results) * 1000 / total
    capacity = (os.cpu_count() or 1) * 1000 / max(0.001, app_cpu + db_cpu)
    print(
        f"  CPU per intake: {app_cpu:.1f} ms Python + {db_cpu:.1f} ms PostgreSQL, {results[0][6]} statements "
        f"→ ≈ {capacity:.0f}/s if this machine's {os.cpu_count()} cores served only this "
        f"(load average now {os.getloadavg()[0]:.1f})"
    )
    print(f"  latency per intake: median {lat[len(lat) // 2]:.1f} ms, p99 {lat[int(len(lat) * 0.99) - 1]:.1f} ms")
    print(
        f"  audit lane each writer ended on: {lanes} ({len(set(lanes))} distinct; a writer whose lane is held "
        "by another transaction moves to a free one instead of waiting, so a repeat here is not a wait)"
    )
    print(
        f"intake throughput: {rate:.0f} orders/s   target ≥ {TARGET_PER_S:.0f}/s  {verdict(rate, TARGET_PER_S, False)}"
    )
    # the chain is intact after the concurrent writes
    _setup(url)
    from jingwu.core import audit

    problems = audit.verify()
    print(f"audit chain after the run: {'intact' if not problems else problems[:3]}")


if __name__ == "__main__":
    main()
