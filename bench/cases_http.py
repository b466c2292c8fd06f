"""The case list (filtered, 20 rows) served by gunicorn with production settings (issue 5 "Performance").

    ./jw bench cases_http [--path '/cases/?kind=criminal&tag=env_food_drug&start=2025-01-01&end=2025-12-31'] \
        [--workers 3] [--concurrency 8] [--seconds 20] [--cases 1000000] [--db jingwu_bench_cases]
    ./jw bench cases_http --cases 20000 --db jw_casebench --seconds 10          # a small proof run

Target: ≥ 100 requests/s on this machine (p99 printed beside it).

Starts gunicorn (sync workers; production settings: no JINGWU_DEV, DEBUG off, JINGWU_SECRET_KEY and the
field keys set, WhiteNoise static files; ``JINGWU_INSECURE_HTTP=1`` only because the loop speaks plain
HTTP, ``JINGWU_ALLOWED_HOSTS=127.0.0.1``) on the generated data set, logs in as a city-wide leader
(``leadership`` over the bureau's subtree, no TOTP) with a session created through Django in this
process, and drives the server from a second process with client threads for a fixed time:
requests/s and latency percentiles. Non-200 answers count as errors and fail the run. When the case
list page does not exist (404) it measures the JSON list ``/api/v1/cases/cases/`` with an API token
instead, and says so.
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

from _cases_generate import BENCH_ENV, BUREAU_CODE, DEFAULT_DB, bench_user, ensure, setup
from _common import RESULTS, ROOT, cpu_per_request, load_loop, server_cpu, verdict

TARGET_RPS = 100.0
DEFAULT_PATH = "/cases/?kind=criminal&tag=env_food_drug&start=2025-01-01&end=2025-12-31"
API_PATH = "/api/v1/cases/cases/?kind=criminal"
# Used only when collectstatic of the manifest storage fails on this tree (it has, on a vendored
# file's missing source map): same WhiteNoise server, compressed files without hashed names.
FALLBACK_SETTINGS = """
from jingwu.settings import *  # noqa: F403

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"}}  # noqa: F405
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def production_env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("JINGWU_DEV", "JINGWU_DEBUG", "DJANGO_SETTINGS_MODULE")}
    env.update(BENCH_ENV)
    env.update(
        JINGWU_DATABASE_URL=url,
        JINGWU_ALLOWED_HOSTS="127.0.0.1",
        JINGWU_INSECURE_HTTP="1",
        JINGWU_VAR_DIR=str(RESULTS / "cases_var"),
        JINGWU_STATIC_ROOT=str(RESULTS / "cases_static"),
        DJANGO_SETTINGS_MODULE="jingwu.settings",
    )
    return env


def collectstatic(env: dict[str, str]) -> str:
    """Collect static files for production; returns a note on the storage used."""
    command = [sys.executable, "-m", "jingwu", "collectstatic", "--noinput", "-v0"]
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode == 0:
        return "manifest static files"
    (RESULTS / "cases_prod_settings.py").write_text(FALLBACK_SETTINGS.lstrip())
    env.update(DJANGO_SETTINGS_MODULE="cases_prod_settings", PYTHONPATH=os.pathsep.join([str(RESULTS), str(ROOT)]))
    subprocess.run(command, env=env, cwd=ROOT, check=True, capture_output=True)
    reason = (done.stderr.strip().splitlines() or ["?"])[-1][:160]
    return f"compressed static files without manifest (manifest collectstatic failed: {reason})"


def start_gunicorn(env: dict[str, str], workers: int) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    log = open(RESULTS / "cases_gunicorn.log", "w")  # noqa: SIM115 (kept open for the server's life)
    proc = subprocess.Popen(
        [gunicorn, "jingwu.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"服务器启动失败 / gunicorn exited with {proc.returncode}; see {log.name}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, port
        except OSError:
            time.sleep(0.3)
    stop(proc)
    raise SystemExit("服务器未就绪 / gunicorn did not start in 90 s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)  # the server's own process group (started with a new session)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def credentials() -> tuple[str, str]:
    """(session cookie, API token) of a city-wide leader, created through Django in this process."""
    from django.conf import settings
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from jingwu.org.models import Unit

    user = bench_user(Unit.objects.get(code=BUREAU_CODE))
    client = Client()
    client.force_login(user)
    token, _ = Token.objects.get_or_create(user=user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}", token.key


def get(port: int, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--path", default=DEFAULT_PATH, help="page to measure (default: a filtered case list)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--cases", type=int, default=1_000_000, help="generated cases wanted (generated if fewer)")
    parser.add_argument("--db", default=DEFAULT_DB)
    parser.add_argument("--scale", type=int, default=1, help="jingwu demo --scale when the database is created")
    args = parser.parse_args()
    url = ensure(args.db, args.cases, scale=args.scale)
    setup(url)
    cookie, token = credentials()
    env = production_env(url)
    static_note = collectstatic(env)
    proc, port = start_gunicorn(env, args.workers)
    try:
        path = args.path
        headers = {"Cookie": cookie, "Host": "127.0.0.1"}
        status, body = get(port, path, headers)
        if status == 404 and path.startswith("/cases/"):
            print(f"{path} answers 404 (no case list page yet): measuring the API list {API_PATH} instead")
            path = API_PATH
            headers = {"Authorization": f"Token {token}", "Host": "127.0.0.1"}
            status, body = get(port, path, headers)
        if status != 200:
            raise SystemExit(f"{path} answered HTTP {status}; the benchmark measures only successful answers")
        api = path.startswith("/api/")
        rows = body.count(b'"number"') if api else body.count(b'href="/cases/') - body.count(b'href="/cases/?')
        measured = "API JSON list" if api else "case list page"
        print(
            f"gunicorn {args.workers} sync workers on 127.0.0.1:{port} ({static_note})\n"
            f"measured: {measured} {path} → {len(body):,} bytes (~{rows} case links)"
        )
        for _ in range(args.workers * 2):  # every worker connected and warm
            get(port, path, headers)
        before = server_cpu(proc.pid, url)
        result = load_loop(port, path, headers, args.seconds, args.concurrency)
        after = server_cpu(proc.pid, url)
        print(
            f"{args.concurrency} client threads, {args.seconds:.0f} s: {result['requests']} OK, {result['errors']} errors "
            f"{result['error_kinds'] or ''}\n"
            f"  throughput {result['rps']:.1f} req/s  (target ≥ {TARGET_RPS:.0f})  {verdict(result['rps'], TARGET_RPS, False)}\n"
            f"  latency p50 {result['p50']:.0f} ms, p99 {result['p99']:.0f} ms\n"
            f"  {cpu_per_request(before, after, result['requests'])}"
        )
        if result["errors"]:
            raise SystemExit("errors during the run: the figures above are not valid")
    finally:
        stop(proc)


if __name__ == "__main__":
    main()
