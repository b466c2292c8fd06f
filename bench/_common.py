"""Shared helpers for the benchmarks: databases per engine, timing, printing."""

from __future__ import annotations

import http.client
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
RESULTS.mkdir(parents=True, exist_ok=True)  # a fresh checkout has no results folder yet
PG_BASE = os.environ.get("JINGWU_BENCH_PG", "postgres://postgres:postgres@127.0.0.1:5432")


def database_url(engine: str, name: str) -> str:
    if engine == "sqlite":
        RESULTS.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{RESULTS / (name + '.sqlite3')}"
    return f"{PG_BASE}/{name}"


def reset_database(engine: str, name: str) -> None:
    if engine == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            path = RESULTS / f"{name}.sqlite3{suffix}"
            if path.exists():
                path.unlink()
        return
    import psycopg

    with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def people_loaded(engine: str, name: str) -> int:
    """How many people a benchmark database holds (0 when it is missing or empty)."""
    query = "SELECT COUNT(*) FROM org_person"
    try:
        if engine == "sqlite":
            import sqlite3

            path = RESULTS / f"{name}.sqlite3"
            if not path.exists():
                return 0
            with sqlite3.connect(path) as conn:
                return conn.execute(query).fetchone()[0]
        import psycopg

        with psycopg.connect(f"{PG_BASE}/{name}") as conn:
            return conn.execute(query).fetchone()[0]
    except Exception:
        return 0


def jingwu(args: list[str], url: str) -> float:
    """Run a jingwu command against ``url``; returns wall seconds."""
    env = {**os.environ, "JINGWU_DATABASE_URL": url, "JINGWU_DEV": "1"}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "jingwu", *args], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def setup_django(url: str) -> None:
    os.environ["JINGWU_DATABASE_URL"] = url
    os.environ.setdefault("JINGWU_DEV", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingwu.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def measure(fn: Callable[[], object], repeat: int, warmup: int = 3) -> dict[str, float]:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {
        "median_ms": statistics.median(samples),
        "p95_ms": samples[max(0, int(len(samples) * 0.95) - 1)],
        "min_ms": samples[0],
        "n": len(samples),
    }


def verdict(value: float, target: float, smaller_is_better: bool = True) -> str:
    ok = value <= target if smaller_is_better else value >= target
    return "OK " if ok else "MISS"


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far; 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child_pids(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == parent:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


def server_cpu(server: int, url: str) -> dict[str, dict[int, float]]:
    """CPU used so far by a server process and its children ("app") and by the database's backends
    ("db"): on a shared machine the CPU per request says more than the wall-clock rate."""
    import psycopg

    with psycopg.connect(url) as conn:
        backends = [
            row[0]
            for row in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ]
    return {
        "app": {pid: process_cpu(pid) for pid in [server, *child_pids(server)]},
        "db": {pid: process_cpu(pid) for pid in backends},
    }


def cpu_per_request(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]], requests: int) -> str:
    """'x ms gunicorn + y ms PostgreSQL → ≈ N req/s if the machine's cores served only this'."""
    used = {
        side: sum(max(0.0, after[side][pid] - before[side].get(pid, 0.0)) for pid in after[side] if after[side][pid])
        for side in after
    }
    per = {side: 1000 * used[side] / max(1, requests) for side in used}
    cores = os.cpu_count() or 1
    # A backend that ended during the run (the server's connections are closed after CONN_MAX_AGE)
    # took its CPU with it: the database side cannot be measured then.
    ended = [pid for pid in before["db"] if not after["db"].get(pid)]
    if ended:
        return (
            f"CPU per request: {per['app']:.1f} ms gunicorn; PostgreSQL not measured ({len(ended)} backends ended "
            f"during the run: connections are renewed after CONN_MAX_AGE; run ≤ 50 s to measure it)"
        )
    capacity = cores * 1000 / max(0.001, per["app"] + per["db"])
    return (
        f"CPU per request: {per['app']:.1f} ms gunicorn + {per['db']:.1f} ms PostgreSQL → ≈ {capacity:.0f} req/s "
        f"if this machine's {cores} cores served only this (load average now {os.getloadavg()[0]:.1f})"
    )


# --- HTTP load from a second process (the *_http benchmarks) ---------------------------------------


def _client_loop(port: int, path: str, headers: dict[str, str], seconds: float, concurrency: int, out: Any) -> None:
    """Runs in the second process: ``concurrency`` threads request ``path`` until the time is up
    (after a warm-up round in which every server worker has loaded the application)."""
    warm = [threading.Thread(target=_get, args=(port, path, headers)) for _ in range(concurrency * 2)]
    for t in warm:
        t.start()
    for t in warm:
        t.join()
    stop = time.monotonic() + seconds
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def run() -> None:
        mine: list[float] = []
        bad: list[str] = []
        while time.monotonic() < stop:
            started = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                conn.close()
                if response.status != 200:
                    bad.append(f"HTTP {response.status}")
                    continue
            except OSError as exc:
                bad.append(type(exc).__name__)
                continue
            mine.append((time.perf_counter() - started) * 1000)
        with lock:
            latencies.extend(mine)
            errors.extend(bad)

    threads = [threading.Thread(target=run) for _ in range(concurrency)]
    begun = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put((latencies, errors, time.perf_counter() - begun))


def _get(port: int, path: str, headers: dict[str, str]) -> None:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("GET", path, headers=headers)
        conn.getresponse().read()
        conn.close()
    except OSError:
        pass


def load_loop(port: int, path: str, headers: dict[str, str], seconds: float, concurrency: int) -> dict[str, Any]:
    """Drive ``path`` from a second process (so the client does not share the server's GIL):
    requests, errors, error kinds, rps, p50 and p99 in ms."""
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    proc = ctx.Process(target=_client_loop, args=(port, path, headers, seconds, concurrency, out))
    proc.start()
    latencies, errors, wall = out.get()
    proc.join()
    latencies.sort()
    n = len(latencies)
    return {
        "requests": n,
        "errors": len(errors),
        "error_kinds": sorted(set(errors))[:5],
        "rps": n / wall if wall else 0.0,
        "p50": latencies[n // 2] if n else float("nan"),
        "p99": latencies[max(0, int(n * 0.99) - 1)] if n else float("nan"),
    }


def last_month() -> tuple[str, str, str]:
    """The last whole month before today ("YYYY-MM", first day, last day): the generated orders end on
    the first day of the month they were generated in."""
    import datetime as dt

    first = dt.date.today().replace(day=1) - dt.timedelta(days=1)
    return f"{first:%Y-%m}", f"{first:%Y-%m}-01", first.isoformat()
