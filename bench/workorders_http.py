"""The work-order list (filtered, 20 rows) served by gunicorn with production settings (issue 4).

    ./jw bench workorders_http [--path '/workorders/?state=closed&received_from=2026-10-01'] \
        [--workers 3] [--concurrency 8] [--seconds 20] [--scale 10] [--orders 200000]

Starts gunicorn (sync workers, production settings: no JINGWU_DEV, DEBUG off, compressed manifest
static files; only ``JINGWU_INSECURE_HTTP=1`` because the loop speaks plain HTTP on 127.0.0.1) on the
generated PostgreSQL data set, logs in as the brigade leader, and drives it from a second process
with a threaded keep-nothing HTTP client for a fixed time: requests/s and latency percentiles
(targets ≥ 100 req/s, p99 ≤ 300 ms on this 2-core machine). Non-200 answers are counted as errors
and make the run fail. ``--path`` picks the page (the JSON list is ``/api/v1/workorders/orders/``).
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from _common import RESULTS, ROOT, cpu_per_request, last_month, load_loop, server_cpu, verdict
from _wo_generate import BENCH_ENV, _setup, ensure

TARGET_RPS = 100.0
TARGET_P99_MS = 300.0
_MONTH, _FIRST, _LAST = last_month()
DEFAULT_PATH = f"/workorders/?state=closed&received_from={_FIRST}&received_to={_LAST}"  # the last whole month


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"服务器启动失败 / the server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"服务器未在 {timeout:.0f} s 内就绪 / the server did not start")


def report(label: str, result: dict) -> None:  # noqa: ANN001
    print(
        f"{label}: {result['requests']} OK, {result['errors']} errors {result['error_kinds'] or ''}\n"
        f"  throughput {result['rps']:.1f} req/s  (target ≥ {TARGET_RPS:.0f})  {verdict(result['rps'], TARGET_RPS, False)}\n"
        f"  latency p50 {result['p50']:.0f} ms, p99 {result['p99']:.0f} ms  (target p99 ≤ {TARGET_P99_MS:.0f})  "
        f"{verdict(result['p99'], TARGET_P99_MS)}"
    )


# The production settings, with one change: collectstatic of the manifest storage currently fails on
# a vendored file's missing source map (vendor/bootstrap/bootstrap.bundle.min.js.map), so static files
# are served by WhiteNoise's compressed storage without the manifest (same server path, no hashing).
PROD_SETTINGS = """
from jingwu.settings import *  # noqa: F403

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"}}  # noqa: F405
"""


def production_env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("JINGWU_DEV", "JINGWU_DEBUG", "DJANGO_SETTINGS_MODULE")}
    env.update(BENCH_ENV)
    (RESULTS / "wo_prod_settings.py").write_text(PROD_SETTINGS.lstrip())
    env.update(
        DJANGO_SETTINGS_MODULE="wo_prod_settings",
        PYTHONPATH=os.pathsep.join([str(RESULTS), str(ROOT)]),
        JINGWU_DATABASE_URL=url,
        JINGWU_ALLOWED_HOSTS="127.0.0.1,localhost",
        JINGWU_INSECURE_HTTP="1",
        JINGWU_VAR_DIR=str(RESULTS / "wo_var"),
        JINGWU_STATIC_ROOT=str(RESULTS / "wo_static"),
    )
    return env


def start_gunicorn(url: str, workers: int) -> tuple[subprocess.Popen, int]:
    env = production_env(url)
    subprocess.run([sys.executable, "-m", "jingwu", "collectstatic", "--noinput", "-v0"], env=env, check=True, cwd=ROOT)
    port = free_port()
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    log = open(RESULTS / "wo_gunicorn.log", "w")  # noqa: SIM115 (kept open for the server's life)
    proc = subprocess.Popen(
        [gunicorn, "jingwu.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    wait_for_port(port, proc)
    return proc, port


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)  # the server's own process group (started with a new session)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def session_cookie(url: str, username: str = "leader") -> str:
    """A logged-in session of ``username`` (created through Django's own login in this process)."""
    _setup(url)
    from django.conf import settings
    from django.db import connections
    from django.test import Client

    from jingwu.org.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    connections.close_all()  # this process's backend is not the server's: out of the CPU count
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--path", default=DEFAULT_PATH)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--orders", type=int, default=200_000)
    args = parser.parse_args()
    url = ensure(args.scale, args.orders)
    cookie = session_cookie(url)
    proc, port = start_gunicorn(url, args.workers)
    try:
        headers = {"Cookie": cookie, "Host": "127.0.0.1"}
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("GET", args.path, headers=headers)
        first = conn.getresponse()
        body = first.read()
        if first.status == 404:
            print(
                f"跳过 / SKIP: {args.path} answers 404 — the page does not exist yet; try --path /api/v1/workorders/orders/"
            )
            return
        if first.status != 200:
            raise SystemExit(f"{args.path} answered HTTP {first.status}; the benchmark measures only successful pages")
        rows = body.count(b"/workorders/") if args.path.startswith("/workorders") else body.count(b'"number"')
        print(
            f"gunicorn {args.workers} sync workers on :{port}; {args.path} → {len(body):,} bytes (~{rows} order links)"
        )
        before = server_cpu(proc.pid, url)
        result = load_loop(port, args.path, headers, args.seconds, args.concurrency)
        after = server_cpu(proc.pid, url)
        report(f"工单列表 / work-order list, {args.concurrency} client threads, {args.seconds:.0f} s", result)
        print("  " + cpu_per_request(before, after, result["requests"]))
    finally:
        stop(proc)


if __name__ == "__main__":
    main()
