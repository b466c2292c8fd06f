"""Generate N work orders on PostgreSQL for the 接诉即办 benchmarks (COPY, streamed in chunks).

    ./jw bench _wo_generate [--scale 10] [--orders 200000] [--years 5] [--reset]
    ./jw bench _wo_generate --scale 1000 --orders 10000000        # the issue's province-scale set

Builds (or reuses) the PostgreSQL database ``jingwu_bench_wo_<scale>`` on ``JINGWU_BENCH_PG``: schema
(``jingwu migrate``), the units and people of ``jingwu demo --scale S`` (the org loader only — the
other demo loaders would add their own year of rows per brigade), then appends work orders until
the table holds ``--orders`` generated ones. Orders are spread over the squadrons and offices of
every brigade, dispatched uniformly over ``--years`` years ending 31 October 2026, with every column
the figures read (派单/签收/首次联系/办结/回访 times, deadlines, satisfaction, returns, exemptions) in
realistic proportions (~97 % signed for in time, ~2 % late, ~1 % reopened …). Only ``WorkOrder``
rows are generated: the metrics and the list read nothing else (no events, legs or audit rows).

Runs in one process with COPY … FROM STDIN in chunks of 50,000 rows and prints progress; about
20–40 k rows/s on this machine, so 10 million takes a few minutes per million. ``ANALYZE`` at the end.
The other workorders benchmarks call :func:`ensure`.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

from _common import PG_BASE, ROOT, reset_database

# Fixed keys so the generator, the in-process benchmarks and the production server (gunicorn)
# all decrypt the same ciphertexts and read the same sessions. Bench-only values.
BENCH_ENV = {
    "JINGWU_SECRET_KEY": "jingwu-benchmark-secret-key-not-for-production-0123456789abcdef",
    "JINGWU_FIELD_KEY": "00112233445566778899aabbccddeeff",
    "JINGWU_INDEX_KEY": "ffeeddccbbaa99887766554433221100",
}
END = datetime(2026, 11, 1, tzinfo=UTC) - timedelta(hours=8)  # 2026-11-01 00:00 Asia/Shanghai
CHUNK = 50_000
BULK_ROWS = 1_000_000  # appending at least this many rows: drop the secondary indexes, rebuild after
MARK = "B"  # generated order numbers: B + 11 digits

COLUMNS = [
    "number",
    "source",
    "source_number",
    "citizen_name",
    "citizen_phone",
    "phone_index",
    "address",
    "address_key",
    "latitude",
    "longitude",
    "category_id",
    "content",
    "received_at",
    "received_by_id",
    "intake_unit_id",
    "state",
    "unit_id",
    "handler_id",
    "completed_by_id",
    "complaint_about_officer",
    "accused_unit_id",
    "dispatched_at",
    "response_due_at",
    "clock_started_at",
    "original_due_at",
    "due_at",
    "accepted_at",
    "first_contact_at",
    "suspended_at",
    "completed_at",
    "callback_due_at",
    "closed_at",
    "reopened_at",
    "return_count",
    "rejected_return_count",
    "reopen_count",
    "urge_count",
    "notice_count",
    "exempted",
    "called_back_at",
    "callback_reached",
    "callback_resolved",
    "callback_satisfaction",
    "callback_attempts",
    "merged_into_id",
    "created_at",
    "updated_at",
]
TOWNS = ["树林召镇", "王爱召镇", "耳字壕镇", "白泥井镇", "吉格斯太镇", "昭君镇", "展旦召苏木", "恩格贝镇", "中和西镇"]
PLACES = ["平原大街", "锡尼街", "学校门口", "农贸市场", "G210国道", "S215省道", "小区门口", "十字路口"]
TEXTS = {
    "consult": "咨询驾驶证换证需要携带哪些材料",
    "help": "车辆被堵无法驶出,请求协助挪车",
    "urgent_help": "路面结冰多车打滑,请求现场疏导",
    "complaint": "早晚高峰拥堵严重,信号灯配时不合理",
    "report": "有人驾驶无牌摩托车非法载客",
    "suggestion": "建议增设减速带和人行横道",
}
WEIGHTS = {"consult": 24, "help": 26, "urgent_help": 5, "complaint": 25, "report": 8, "suggestion": 12}
LIMIT_HOURS = {  # approximate due times (natural hours) — the figures read the stored columns only
    "consult": (2, 72),
    "help": (2, 72),
    "urgent_help": (1, 8),
    "complaint": (2, 13 * 34),
    "report": (2, 13 * 34),
    "suggestion": (2, 72),
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
    people = _psql(url, "SELECT COUNT(*) FROM org_person")
    if reset or not people:
        print(f"[gen] 新建数据库 / creating {db_name(scale)}: migrate + org demo --scale {scale}", flush=True)
        reset_database("postgres", db_name(scale))
        env = bench_env(url, JINGWU_DEV="1")
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "jingwu", "migrate", "-v0"], env=env, check=True, cwd=ROOT)
        code = (
            "import django,os;os.environ.setdefault('DJANGO_SETTINGS_MODULE','jingwu.settings');django.setup();"
            "from jingwu.core import context;from jingwu.org import demo;"
            f"ctx=context.acting(origin='command');ctx.__enter__();demo.load(seed=2023, scale={scale})"
        )
        subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=ROOT)
        print(f"[gen] 组织机构就绪 / units and people ready in {time.perf_counter() - started:.0f} s", flush=True)
    else:  # an existing data set: bring its schema up to date (new indexes are built here, once)
        subprocess.run(
            [sys.executable, "-m", "jingwu", "migrate", "-v0"], env=bench_env(url, JINGWU_DEV="1"), check=True, cwd=ROOT
        )
    have = _psql(url, f"SELECT COUNT(*) FROM workorders_workorder WHERE number LIKE '{MARK}%'") or 0
    if have < orders:
        _generate(url, have, orders, years)
    else:
        import psycopg

        with psycopg.connect(url) as conn:
            _restore_indexes(conn)
    return url


def _setup(url: str) -> None:
    os.environ.update(BENCH_ENV)
    os.environ["JINGWU_DATABASE_URL"] = url
    os.environ.setdefault("JINGWU_DEV", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingwu.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _skip_fk_triggers(conn) -> None:  # noqa: ANN001
    """The rows are generated consistent (every unit and category exists): skip the three foreign-key
    triggers each copied row would fire (a superuser setting; ~2× faster COPY). Without the right,
    the keys are checked as usual."""
    try:
        conn.execute("SET session_replication_role = replica")
        conn.commit()
    except Exception:  # noqa: BLE001 — not a superuser: keep the checks
        conn.rollback()


ZERO_OF_TYPE = {"integer": "0", "smallint": "0", "bigint": "0", "boolean": "f", "character varying": "", "text": ""}


def _other_required_columns(conn) -> list[tuple[str, str]]:  # noqa: ANN001
    """NOT NULL columns added by later migrations that the generator does not know (Django keeps no
    database default): fill them with the type's zero (0, false, empty text) — a fresh order's value."""
    rows = conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'workorders_workorder' "
        "AND is_nullable = 'NO' AND column_default IS NULL AND is_identity = 'NO' ORDER BY ordinal_position"
    ).fetchall()
    out = []
    for name, data_type in rows:
        if name in COLUMNS:
            continue
        if data_type not in ZERO_OF_TYPE:
            raise SystemExit(f"[gen] 新增必填列 / new NOT NULL column {name} ({data_type}): teach _row its value")
        out.append((name, ZERO_OF_TYPE[data_type]))
    return out


def _drop_indexes(conn) -> None:  # noqa: ANN001
    """Before a big append: drop the order table's secondary indexes (not the primary key or the
    unique constraints) and note their definitions in ``bench_dropped_index``, so that a run killed
    half-way still gets them back (``_restore_indexes`` runs at the start and the end of every run).
    Building ~20 indexes once on the finished table is several times faster than maintaining them
    row by row during the COPY."""
    _restore_indexes(conn)  # a previous run may have been interrupted
    conn.execute("CREATE TABLE IF NOT EXISTS bench_dropped_index (name text PRIMARY KEY, definition text NOT NULL)")
    rows = conn.execute(
        "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        "WHERE x.indrelid = 'workorders_workorder'::regclass AND NOT x.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)"
    ).fetchall()
    for name, definition in rows:
        conn.execute("INSERT INTO bench_dropped_index VALUES (%s, %s) ON CONFLICT DO NOTHING", (name, definition))
        conn.execute(f'DROP INDEX "{name}"')
    conn.commit()
    print(f"[gen] {len(rows)} 个索引暂时删除 / secondary indexes dropped for the bulk load", flush=True)


def _restore_indexes(conn) -> None:  # noqa: ANN001
    exists = conn.execute("SELECT to_regclass('bench_dropped_index') IS NOT NULL").fetchone()[0]
    conn.commit()
    if not exists:
        return
    rows = conn.execute("SELECT name, definition FROM bench_dropped_index ORDER BY name").fetchall()
    if rows:
        print(f"[gen] 重建 {len(rows)} 个索引 / rebuilding {len(rows)} indexes …", flush=True)
    conn.execute("SET maintenance_work_mem = '512MB'")
    for name, definition in rows:
        started = time.perf_counter()
        conn.execute(definition.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1))
        conn.execute("DELETE FROM bench_dropped_index WHERE name = %s", (name,))
        conn.commit()
        print(f"[gen]   {name} {time.perf_counter() - started:.0f} s", flush=True)
    conn.execute("DROP TABLE bench_dropped_index")
    conn.commit()


def _ts(value: datetime | None) -> str:
    return "\\N" if value is None else value.isoformat()


def _generate(url: str, have: int, target: int, years: int) -> None:
    _setup(url)
    import psycopg

    from jingwu.core import crypto
    from jingwu.org.models import Unit
    from jingwu.workorders.models import Category
    from jingwu.workorders.services.common import normalise_address

    units = list(
        Unit.objects.filter(kind__in=[Unit.Kind.SQUADRON, Unit.Kind.OFFICE], retired_on__isnull=True).values_list(
            "pk", "path"
        )
    )
    brigade_of_path = dict(Unit.objects.filter(kind=Unit.Kind.BRIGADE).values_list("path", "pk"))
    targets = [(pk, brigade_of_path[path[:-4]]) for pk, path in units if path[:-4] in brigade_of_path]
    if not targets:
        raise SystemExit("没有中队/科室 / no squadrons or offices: load the demo units first")
    categories = dict(Category.objects.filter(code__in=WEIGHTS).values_list("code", "pk"))
    rng = random.Random(20260101 + have)
    phones = []
    for _ in range(400):
        phone = rng.choice(["13", "15", "18", "17", "19"]) + str(rng.randrange(10**8, 10**9))
        phones.append((crypto.encrypt(phone), crypto.blind_index(phone)))
    addresses = []
    for town in TOWNS:
        for place in PLACES:
            text = f"达拉特旗{town}{place}"
            addresses.append((text, normalise_address(text)))
    codes, weights = list(WEIGHTS), list(WEIGHTS.values())
    span = timedelta(days=365 * years).total_seconds()
    start = END - timedelta(seconds=span)
    recent = END - timedelta(days=25)
    print(f"[gen] {have:,} → {target:,} 工单 / orders over {len(targets):,} units, {years} years", flush=True)
    started = time.perf_counter()
    done = have
    with psycopg.connect(url, autocommit=False) as conn:
        _skip_fk_triggers(conn)
        extra = _other_required_columns(conn)
        columns = ", ".join(COLUMNS + [name for name, _ in extra])
        extra_values = "".join("\t" + value for _, value in extra)
        if target - done >= BULK_ROWS:
            _drop_indexes(conn)
        else:
            _restore_indexes(conn)
        while done < target:
            n = min(CHUNK, target - done)
            lines = [
                _row(rng, done + i, target, targets, categories, codes, weights, phones, addresses, start, span, recent)
                for i in range(n)
            ]
            if extra_values:
                lines = [line[:-1] + extra_values + "\n" for line in lines]
            with conn.cursor() as cur, cur.copy(f"COPY workorders_workorder ({columns}) FROM STDIN") as copy:
                copy.write("".join(lines))
            conn.commit()
            done += n
            rate = (done - have) / (time.perf_counter() - started)
            eta = (target - done) / rate if rate else 0
            print(f"[gen] {done:,}/{target:,}  {rate:,.0f} 行/s rows/s  剩余 / eta {eta:,.0f} s", flush=True)
        conn.commit()
        _restore_indexes(conn)
        print("[gen] VACUUM ANALYZE … (as autovacuum would: visibility map for index-only scans)", flush=True)
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE workorders_workorder")
        conn.execute("ANALYZE")  # the demo's small tables too (units): else PostgreSQL guesses one unit per subtree
    print(f"[gen] 完成 / done in {time.perf_counter() - started:.0f} s", flush=True)


def _row(rng, seq, target, targets, categories, codes, weights, phones, addresses, start, span, recent) -> str:  # noqa: ANN001
    unit, brigade = targets[rng.randrange(len(targets))]
    code = rng.choices(codes, weights)[0]
    sign_h, due_h = LIMIT_HOURS[code]
    # rows arrive in time order, as in real life (the heap then holds a month's rows together)
    dispatched = start + timedelta(seconds=span * min(seq + rng.random() * 50, target - 1) / target)
    received = dispatched - timedelta(minutes=rng.randrange(5, 40))
    response_due = dispatched + timedelta(hours=sign_h)
    due = dispatched + timedelta(hours=due_h)
    r = rng.random()
    accepted = (
        response_due + timedelta(minutes=rng.randrange(10, 300))
        if r < 0.02
        else dispatched + timedelta(minutes=rng.randrange(3, 55))
    )
    contact = accepted + timedelta(minutes=rng.randrange(1, 4))
    state, completed, callback_due, closed, called = "closed", None, None, None, None
    resolved = satisfaction = None
    reopen = 1 if rng.random() < 0.01 else 0
    if dispatched > recent and rng.random() < 0.5:
        state = rng.choice(["dispatched", "accepted", "handling", "handling", "completed"])
    if state == "dispatched":
        accepted = contact = None
    elif state == "accepted":
        contact = None
    if state in ("completed", "closed"):
        late = rng.random() < 0.02
        if late:
            completed = due + timedelta(hours=rng.uniform(1, 72))
        else:
            completed = (
                contact + (due - contact) * rng.uniform(0.05, 0.9) if due > contact else contact + timedelta(minutes=30)
            )
        callback_due = completed + timedelta(days=1)
    if state == "closed":
        called = completed + timedelta(hours=rng.uniform(2, 20))
        closed = called
        s = rng.random()
        resolved = "t" if rng.random() < 0.985 else "f"
        satisfaction = "satisfied" if s < 0.93 else ("basic" if s < 0.985 else "unsatisfied")
        if resolved == "f" or satisfaction == "unsatisfied":  # redone after the callback, then satisfied
            reopen, resolved, satisfaction = 1, "t", "satisfied"
    rt = rng.random()
    returns = 2 if rt < 0.003 else (1 if rt < 0.03 else 0)
    rejected = 1 if rng.random() < 0.002 else 0
    exempted = "t" if rng.random() < 0.003 else "f"
    cipher, index = phones[rng.randrange(len(phones))]
    address, key = addresses[rng.randrange(len(addresses))]
    values = [
        f"{MARK}{seq:011d}",
        "hotline_import",
        "",
        "王先生",
        cipher,
        index,
        address,
        key,
        "\\N",
        "\\N",
        str(categories[code]),
        TEXTS[code],
        _ts(received),
        "\\N",
        str(brigade),
        state,
        str(unit),
        "\\N",
        "\\N",
        "f",
        "\\N",
        _ts(dispatched),
        _ts(response_due),
        _ts(dispatched),
        _ts(due),
        _ts(due),
        _ts(accepted),
        _ts(contact),
        "\\N",
        _ts(completed),
        _ts(callback_due),
        _ts(closed),
        _ts(called - timedelta(hours=30)) if reopen and called else "\\N",
        str(returns),
        str(rejected),
        str(reopen),
        "0",
        "0",
        exempted,
        _ts(called),
        "t" if called else "\\N",
        resolved or "\\N",
        satisfaction or "",
        "1" if called else "0",
        "\\N",
        _ts(received),
        _ts(closed or received),
    ]
    return "\t".join(values) + "\n"


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
