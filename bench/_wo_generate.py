"""The 接诉即办 benchmarks' data set: ``jingwu demo --scale S --orders N --years Y`` on PostgreSQL.

    ./jw bench _wo_generate [--scale 10] [--orders 200000] [--years 5] [--reset]
    ./jw bench _wo_generate --scale 1000 --orders 10000000        # the issue's province-scale set

Builds (or reuses) the PostgreSQL database ``jingwu_bench_wo_<scale>`` on ``JINGWU_BENCH_PG`` with the
product's own command: ``jingwu demo --scale S --orders N --years Y --no-serve`` — the demo units and
people of ``--scale`` brigades, the demo brigade's year of every module, and N work orders generated
by ``jingwu.workorders.bulk`` (orders with their dispatch legs, timeline, contacts, completions,
callbacks, returns, appeals and urge notices, written with COPY; see that module). Later runs reuse
the database: the command migrates it and appends only the orders missing. The other workorders
benchmarks call :func:`ensure`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from _common import PG_BASE, ROOT, reset_database

# Fixed keys so the generator, the in-process benchmarks and the production server (gunicorn)
# all decrypt the same ciphertexts and read the same sessions. Bench-only values.
BENCH_ENV = {
    "JINGWU_SECRET_KEY": "jingwu-benchmark-secret-key-not-for-production-0123456789abcdef",
    "JINGWU_FIELD_KEY": "00112233445566778899aabbccddeeff",
    "JINGWU_INDEX_KEY": "ffeeddccbbaa99887766554433221100",
}


def db_name(scale: int) -> str:
    return f"jingwu_bench_wo_{scale}"


def db_url(scale: int) -> str:
    return f"{PG_BASE}/{db_name(scale)}"


def bench_env(url: str, **extra: str) -> dict[str, str]:
    return {**os.environ, **BENCH_ENV, "JINGWU_DATABASE_URL": url, **extra}


def _psql(url: str, query: str) -> int | None:
    import psycopg

    try:
        with psycopg.connect(url) as conn:
            row = conn.execute(query).fetchone()
            return None if row is None else row[0]
    except Exception:
        return None


def ensure(scale: int, orders: int, *, reset: bool = False, years: int = 5) -> str:
    """The benchmark database with the demo units of ``scale`` and ``orders`` generated orders."""
    url = db_url(scale)
    if reset or _psql(url, "SELECT 1") is None:
        print(f"[gen] 新建数据库 / creating {db_name(scale)}", flush=True)
        reset_database("postgres", db_name(scale))
    command = [sys.executable, "-m", "jingwu", "demo", "--no-serve", "--scale", str(scale)]
    command += ["--orders", str(orders), "--years", str(years)]
    print(f"[gen] {' '.join(command[2:])}", flush=True)
    started = time.perf_counter()
    var = ROOT / "bench" / "results" / f"{db_name(scale)}_var"
    env = bench_env(url, JINGWU_DEV="1", JINGWU_VAR_DIR=str(var))
    tail: list[str] = []
    with subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:  # the load's progress as it comes (a province takes a while)
            tail = [*tail[-40:], line]
            if line.startswith(("[bulk]", "[org]", "示范数据")):
                print(f"[gen] {line.rstrip()}", flush=True)
    if process.returncode:
        print("".join(tail))
        raise SystemExit(f"[gen] jingwu demo 失败 / failed ({process.returncode})")
    print(f"[gen] 数据就绪 / data set ready in {time.perf_counter() - started:.0f} s", flush=True)
    return url


def _setup(url: str) -> None:
    os.environ.update(BENCH_ENV)
    os.environ["JINGWU_DATABASE_URL"] = url
    os.environ.setdefault("JINGWU_DEV", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingwu.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=10, help="jingwu demo --scale (brigades)")
    parser.add_argument("--orders", type=int, default=200_000, help="generated orders wanted in total")
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--reset", action="store_true", help="drop and rebuild the database first")
    args = parser.parse_args()
    url = ensure(args.scale, args.orders, reset=args.reset, years=args.years)
    print(f"[gen] {url}: {_psql(url, 'SELECT COUNT(*) FROM workorders_workorder'):,} 工单 / orders")


if __name__ == "__main__":
    main()
