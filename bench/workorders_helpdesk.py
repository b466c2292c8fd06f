"""Jingwu's work-order list and intake beside django-helpdesk's, in the same run (issue 4 "Performance").

    ./jw bench workorders_helpdesk [--scale 10] [--orders 200000] [--workers 3] [--concurrency 8] \
        [--seconds 15] [--writers 8] [--creates-each 40]

1. Installs django-helpdesk from PyPI (plus gunicorn and psycopg) into its own virtualenv
   ``bench/results/helpdesk-venv`` (once) and writes a minimal Django project for it under
   ``bench/results/helpdesk_project`` (production-like: DEBUG off, PostgreSQL database
   ``jingwu_bench_helpdesk``, teams mode off, console e-mail).
2. Loads as many tickets as Jingwu's benchmark database holds work orders (each ticket with the
   follow-up helpdesk's own form writes), in one queue, spread over five years — written by
   PostgreSQL itself (INSERT … SELECT over generate_series, ~70,000 tickets/s), then VACUUM ANALYZE.
3. Serves both with gunicorn (same number of sync workers), logged in as a staff user / the brigade
   leader, and measures from a second process for the same time: Jingwu's filtered work-order list
   (20 rows) against helpdesk's ticket list — its page and the datatables request that brings its 20
   rows, filtered to closed tickets. Then creation with ``--writers`` concurrent processes: Jingwu's
   ``services.work_order_intake`` against helpdesk's ``TicketForm.save`` (ticket + follow-up + the
   notification e-mails it sends).
Prints both and the ratios (Jingwu ÷ helpdesk for throughput; helpdesk ÷ Jingwu for latency).
If helpdesk cannot be installed or run, says exactly which step failed and why.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from _common import PG_BASE, RESULTS, ROOT, load_loop, reset_database
from _wo_generate import _psql, ensure
from workorders_http import (
    DEFAULT_PATH,
    free_port,
    report,
    session_cookie,
    start_gunicorn,
    stop,
    wait_for_port,
)

VENV = RESULTS / "helpdesk-venv"
PROJECT = RESULTS / "helpdesk_project"
HD_DB = "jingwu_bench_helpdesk"
HD_URL = f"{PG_BASE}/{HD_DB}"
HD_TIMEOUT_S = 600
SLOW_S = 5.0  # a request slower than this is timed once instead of driven for --seconds

SETTINGS = """
import os
from urllib.parse import urlparse

_db = urlparse(os.environ["HD_DATABASE_URL"])
SECRET_KEY = "helpdesk-benchmark-secret-key-not-for-production-0123456789"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
    "django.contrib.messages", "django.contrib.staticfiles", "django.contrib.sites", "django.contrib.humanize",
    "rest_framework", "helpdesk",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware", "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware", "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware", "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "hdbench.urls"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [], "APP_DIRS": True,
    "OPTIONS": {"context_processors": ["django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth", "django.contrib.messages.context_processors.messages"]}}]
DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": _db.path.lstrip("/"),
    "USER": _db.username or "postgres", "PASSWORD": _db.password or "", "HOST": _db.hostname, "PORT": _db.port or 5432,
    "CONN_MAX_AGE": 60}}
SITE_ID = 1
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"
STATIC_URL = "/static/"
STATIC_ROOT = os.path.join(os.path.dirname(os.path.dirname(__file__)), "static")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGIN_URL = "/login/"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEFAULT_FROM_EMAIL = "helpdesk@localhost"
HELPDESK_TEAMS_MODE_ENABLED = False
"""
URLS = """
from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("helpdesk/", include("helpdesk.urls", namespace="helpdesk")),
]
"""
WSGI = """
import os
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hdbench.settings")
application = get_wsgi_application()
"""
WORKER = r'''
"""Runs inside the helpdesk virtualenv: load | cookie | create <index> <count>."""
import json, os, random, sys, time
from datetime import timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hdbench.settings")
import django

django.setup()
from django.contrib.auth import get_user_model
from django.utils import timezone
from helpdesk.models import FollowUp, Queue, Ticket

User = get_user_model()


def staff():
    user, made = User.objects.get_or_create(username="bench", defaults={"is_staff": True, "is_superuser": True, "email": "bench@localhost"})
    if made:
        user.set_password("bench-Passw0rd")
        user.save()
    return user


def queue():
    return Queue.objects.get_or_create(slug="12345", defaults={"title": "12345 热线", "email_address": "q@localhost"})[0]


def load(target):
    """Tickets written by PostgreSQL itself (INSERT … SELECT over generate_series, a million per
    statement): the rows bulk_create would write (title, description, one of the statuses, created
    over five years, helpdesk's secret key) with the "Ticket Opened" follow-up its form writes; then
    VACUUM ANALYZE, as autovacuum would, so both systems are read with fresh statistics."""
    from django.db import connection

    q, user = queue(), staff()
    have = Ticket.objects.count()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        while have < target:
            n = min(1_000_000, target - have)
            cursor.execute("SELECT COALESCE(MAX(id), 0) FROM helpdesk_ticket")
            last = cursor.fetchone()[0]
            cursor.execute(
                "INSERT INTO helpdesk_ticket (title, created, modified, submitter_email, status, on_hold,"
                " description, priority, queue_id, secret_key)"
                " SELECT '诉求 ' || g || ': 车辆被堵无法驶出,请求协助挪车', t, t, 'citizen@example.com',"
                " (ARRAY[4, 4, 4, 4, 3, 1])[1 + g %% 6], false,"
                " '车辆被他人车辆堵住无法驶出,联系不上车主,请求协助挪车', 3, %s, md5(g::text)::uuid::text"
                " FROM (SELECT g, now() - random() * interval '1825 days' AS t FROM generate_series(%s, %s) g) s",
                [q.pk, have + 1, have + n],
            )
            cursor.execute(
                "INSERT INTO helpdesk_followup (ticket_id, title, date, public, comment, user_id)"
                " SELECT id, 'Ticket Opened', created, true, description, %s FROM helpdesk_ticket WHERE id > %s",
                [user.pk, last],
            )
            have += n
            print(f"[helpdesk] {have:,}/{target:,} tickets ({have / (time.perf_counter() - started):,.0f}/s)", flush=True)
        for table in ("helpdesk_ticket", "helpdesk_followup"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def cookie():
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(staff())
    print(f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}")


def create(index, count):
    from django.db import connection
    from helpdesk.forms import TicketForm

    q, user = queue(), staff()
    connection.ensure_connection()
    go = float(sys.argv[4])
    while time.time() < go:
        time.sleep(0.005)
    started = time.perf_counter()
    lat = []
    for n in range(count):
        t0 = time.perf_counter()
        form = TicketForm(data={"queue": q.id, "title": f"基准测试诉求 {index}-{n}", "body": "平原大街门前车辆乱停放,请求处理",
            "priority": 3, "submitter_email": "citizen@example.com"}, queue_choices=[(q.id, q.title)])
        if not form.is_valid():
            raise SystemExit(f"TicketForm invalid: {form.errors.as_json()}")
        form.save(user=user)
        lat.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({"start": started, "end": time.perf_counter(), "lat": lat, "t0": time.time()}))


if __name__ == "__main__":
    {"load": lambda: load(int(sys.argv[2])), "cookie": cookie, "create": lambda: create(int(sys.argv[2]), int(sys.argv[3]))}[sys.argv[1]]()
'''


class Unavailable(Exception):
    """django-helpdesk could not be installed or run; the message says which step and why."""


def _run(step: str, args: list[str], **kwargs) -> subprocess.CompletedProcess:  # noqa: ANN003
    result = subprocess.run(args, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-12:])
        raise Unavailable(f"{step} 失败 / failed (exit {result.returncode}):\n{tail}")
    return result


def hd_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JINGWU_", "DJANGO_"))}
    env.update(HD_DATABASE_URL=HD_URL, DJANGO_SETTINGS_MODULE="hdbench.settings", PYTHONPATH=str(PROJECT))
    return env


def install() -> Path:
    python = VENV / "bin" / "python"
    ready = (VENV / "bin" / "gunicorn").exists() and not subprocess.run(
        [str(python), "-c", "import helpdesk"]
    ).returncode
    if not ready:
        print(
            "[helpdesk] pip install django-helpdesk gunicorn psycopg[binary] → bench/results/helpdesk-venv", flush=True
        )
        if not python.exists():
            _run("python -m venv", [sys.executable, "-m", "venv", str(VENV)])
        _run(
            "pip install django-helpdesk",
            [str(python), "-m", "pip", "install", "-q", "django-helpdesk", "gunicorn", "psycopg[binary]"],
        )
    version = _run(
        "version",
        [str(python), "-c", "import importlib.metadata as m; print(m.version('django-helpdesk'), m.version('django'))"],
    )
    print(f"[helpdesk] django-helpdesk {version.stdout.split()[0]} on Django {version.stdout.split()[1]}", flush=True)
    (PROJECT / "hdbench").mkdir(parents=True, exist_ok=True)
    for name, text in (("__init__.py", ""), ("settings.py", SETTINGS), ("urls.py", URLS), ("wsgi.py", WSGI)):
        (PROJECT / "hdbench" / name).write_text(text.lstrip())
    (PROJECT / "hd_worker.py").write_text(WORKER.lstrip())
    return python


def prepare(python: Path, tickets: int) -> None:
    have = _psql(HD_URL, "SELECT COUNT(*) FROM helpdesk_ticket")
    if have is None or have > tickets:
        reset_database("postgres", HD_DB)
        have = 0
    env = hd_env()
    manage = [str(python), "-m", "django"]
    _run("helpdesk migrate", [*manage, "migrate", "-v0"], env=env, cwd=PROJECT)
    _run("helpdesk collectstatic", [*manage, "collectstatic", "--noinput", "-v0"], env=env, cwd=PROJECT)
    if have < tickets:
        print(f"[helpdesk] loading {tickets - have:,} tickets …", flush=True)
        proc = subprocess.run([str(python), "hd_worker.py", "load", str(tickets)], env=env, cwd=PROJECT, text=True)
        if proc.returncode:
            raise Unavailable("loading tickets failed (see the output above)")


def hd_server(python: Path, workers: int) -> tuple[subprocess.Popen, int]:
    port = free_port()
    log = open(RESULTS / "helpdesk_gunicorn.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            str(VENV / "bin" / "gunicorn"),
            "hdbench.wsgi",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            # long enough to time one ticket-data request at ten million tickets (its COUNT(*) over the
            # whole table takes tens of seconds; gunicorn's default 30 s kills the worker → HTTP 500)
            "--timeout",
            str(HD_TIMEOUT_S),
        ],
        env=hd_env(),
        cwd=PROJECT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    wait_for_port(port, proc)
    return proc, port


def get(port: int, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=HD_TIMEOUT_S + 30)
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def hd_creates(python: Path, writers: int, each: int) -> dict[str, float]:
    go = time.time() + 8  # every writer has set Django up before the common start
    procs = [
        subprocess.Popen(
            [str(python), "hd_worker.py", "create", str(i), str(each), str(go)],
            env=hd_env(),
            cwd=PROJECT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(writers)
    ]
    outs = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
    walls = [o["end"] - o["start"] for o in outs]
    lat = sorted(x for o in outs for x in o["lat"])
    total = len(lat)
    return {"total": total, "rate": total / max(walls), "p50": lat[total // 2], "p99": lat[int(total * 0.99) - 1]}


def jw_creates(url: str, writers: int, each: int) -> dict[str, float]:
    from workorders_intake import writer

    ctx = mp.get_context("spawn")
    barrier, out = ctx.Barrier(writers), ctx.Queue()
    run = time.time_ns() // 1_000_000  # new demands each run, as workorders_intake files them
    procs = [ctx.Process(target=writer, args=(url, run, i, each, barrier, out)) for i in range(writers)]
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    failed = [r for r in results if r[0] == "error"]
    if failed:
        raise SystemExit(f"Jingwu writer {failed[0][1]} failed:\n{failed[0][2]}")
    lat = sorted(x for r in results for x in r[3])
    total = len(lat)
    wall = max(r[2] for r in results) - min(r[1] for r in results)
    return {"total": total, "rate": total / wall, "p50": lat[total // 2], "p99": lat[int(total * 0.99) - 1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--orders", type=int, default=200_000)
    parser.add_argument("--path", default=DEFAULT_PATH, help="Jingwu list path")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--creates-each", type=int, default=40)
    args = parser.parse_args()
    try:
        python = install()
    except Unavailable as exc:
        raise SystemExit(f"django-helpdesk 无法安装 / could not be installed: {exc}") from None
    url = ensure(args.scale, args.orders)
    orders = _psql(url, "SELECT COUNT(*) FROM workorders_workorder") or 0
    try:
        prepare(python, orders)
    except Unavailable as exc:
        raise SystemExit(f"django-helpdesk 无法运行 / could not be set up: {exc}") from None
    tickets = _psql(HD_URL, "SELECT COUNT(*) FROM helpdesk_ticket")
    print(f"数据 / data: Jingwu {orders:,} 工单 orders; helpdesk {tickets:,} tickets")

    # --- list pages, one server at a time, same workers / client threads / duration -------------
    jw_cookie = session_cookie(url)
    hd_cookie = _run(
        "helpdesk login", [str(python), "hd_worker.py", "cookie"], env=hd_env(), cwd=PROJECT
    ).stdout.strip()
    results: dict[str, dict] = {}
    proc, port = start_gunicorn(url, args.workers)
    try:
        headers = {"Cookie": jw_cookie, "Host": "127.0.0.1"}
        status, _ = get(port, args.path, headers)
        if status != 200:
            raise SystemExit(f"Jingwu {args.path} answered HTTP {status}")
        results["jw_list"] = load_loop(port, args.path, headers, args.seconds, args.concurrency)
    finally:
        stop(proc)
    proc, port = hd_server(python, args.workers)
    try:
        headers = {"Cookie": hd_cookie, "Host": "127.0.0.1"}
        page = "/helpdesk/tickets/?status=4"
        status, body = get(port, page, headers)
        if status != 200:
            raise SystemExit(
                f"django-helpdesk 无法运行 / could not serve {page}: HTTP {status} (see bench/results/helpdesk_gunicorn.log)"
            )
        found = re.search(rb'"url": "(/helpdesk/datatables_ticket_list/[^"]+)"', body)
        if not found:
            raise SystemExit(
                "django-helpdesk 的列表页中找不到数据地址 / no datatables URL found in the ticket list page"
            )
        data = found.group(1).decode() + "?draw=1&start=0&length=20&order[0][column]=5&order[0][dir]=desc"
        started = time.perf_counter()
        status, rows = get(port, data, headers)
        single = time.perf_counter() - started
        if status != 200:
            raise SystemExit(f"django-helpdesk datatables request answered HTTP {status} after {single:.1f} s")
        print(
            f"helpdesk list: page {page} + data {data[:60]}… ({len(json.loads(rows)['data'])} rows; "
            f"the first data request took {single:.2f} s)"
        )
        results["hd_page"] = load_loop(port, page, headers, args.seconds, args.concurrency)
        if single > SLOW_S:
            # Driving it would finish a handful of requests, or none, in --seconds: the one timed
            # request stands for all, and the throughput is what the workers could at best finish.
            print(
                f"  helpdesk data request: {single:.1f} s for one request — not driven for {args.seconds:.0f} s; "
                f"throughput shown = {args.workers} workers ÷ {single:.1f} s (an upper bound), p50 = p99 = that request"
            )
            ms = single * 1000
            results["hd_data"] = {
                "requests": 1,
                "errors": 0,
                "error_kinds": [],
                "rps": args.workers / single,
                "p50": ms,
                "p99": ms,
            }
        else:
            results["hd_data"] = load_loop(port, data, headers, args.seconds, args.concurrency)
    finally:
        stop(proc)
    report("Jingwu 工单列表 (filtered, 20 rows)", results["jw_list"])
    report("helpdesk ticket list page (filter UI, rows come by AJAX)", results["hd_page"])
    report("helpdesk ticket list data (closed, 20 rows)", results["hd_data"])

    # --- creation, same number of concurrent writers -------------------------------------------
    jw = jw_creates(url, args.writers, args.creates_each)
    hd = hd_creates(python, args.writers, args.creates_each)
    print(f"\ncreation with {args.writers} concurrent writers × {args.creates_each}:")
    for label, r in (("Jingwu work_order_intake", jw), ("helpdesk TicketForm.save", hd)):
        print(f"  {label:<26} {r['rate']:7.1f}/s   p50 {r['p50']:6.1f} ms   p99 {r['p99']:6.1f} ms")

    def ratio(a: float, b: float) -> str:
        return f"{a / b:.2f}×" if b else "—"

    jl, hp, hdd = results["jw_list"], results["hd_page"], results["hd_data"]
    print("\n比值 / ratios (Jingwu ÷ helpdesk for throughput, helpdesk ÷ Jingwu for p99; > 1 means Jingwu is faster)")
    print(
        f"  list throughput vs helpdesk data request: {ratio(jl['rps'], hdd['rps'])}; vs its page: {ratio(jl['rps'], hp['rps'])}"
    )
    print(
        f"  list p99 vs helpdesk data request: {ratio(hdd['p99'], jl['p99'])}; vs its page: {ratio(hp['p99'], jl['p99'])}"
    )
    print(f"  creation throughput: {ratio(jw['rate'], hd['rate'])}; creation p99: {ratio(hd['p99'], jw['p99'])}")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "bench"))
    main()
