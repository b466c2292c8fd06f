"""Generate N cases for the city bureau on PostgreSQL for the case benchmarks (COPY, streamed in chunks).

    ./jw bench _cases_generate [--cases 1000000] [--scale 1] [--years 5] [--db jingwu_bench_cases] [--reset]
    ./jw bench _cases_generate --cases 20000 --db jw_casebench        # a small set that proves it works

Builds (or reuses) the PostgreSQL database ``--db`` on ``JINGWU_BENCH_PG``: ``jingwu demo --scale S
--no-serve`` first (schema, the seeded 案由 code table with its tags, the traffic brigade and the city
bureau 鄂尔多斯市公安局 with its units, officers and logins), then appends cases to the bureau's
subtree until it holds ``--cases`` generated ones, accepted uniformly over ``--years`` years ending
31 October 2026 (rows arrive in time order, as in real life).

Written for each case, exactly what the case metrics (``jingwu/cases/metrics.py``) and the case
list read:
- ``cases_case``: kind (~38 % 刑事, ~62 % 行政), a seeded leaf 案由 (~3 % carry 涉环食药), handling
  unit, 23-character case number (sequence ≥ 500001, so it never collides with the demo's), state
  and the dates of its lifecycle — 受案 / 立案 / 破案 / 移送起诉 / 行政处罚 / 结案, 不予立案, 撤案 —
  consistent with the workflow (a case still open at the end of the period stays in its state),
  amount involved (most administrative cases 0);
- ``cases_case_handling_officers``: two officers of the unit (the lead officer and a partner);
- ``cases_party``: 1–5 suspects per filed case, with a valid GB 11643 ID number (SM4-encrypted), its
  blind index and ``person_key`` ``id:<index>``; ~20 % of suspects are repeat offenders (the same
  person in another case), so "people under a measure" counts distinct people, not rows;
- ``cases_coercivemeasure``: 拘传 / 取保候审 / 监视居住 / 刑事拘留 (+ 逮捕 for some) on criminal
  suspects, 行政拘留 on some administrative ones, started after 立案, ended unless recent;
- ``cases_prosecutiontransfer`` + its parties: one transfer per transferred case (a tenth of the
  multi-suspect ones in two batches), naming the suspects.
Reviews, centre visits and incidents are not generated (no benchmarked figure or list reads them).
Afterwards (and on every later use) migrations added since are applied and the monthly case figures
(``cases_casemonthlyfigure``) are rebuilt when they were built from another number of cases.

One process, ``COPY … FROM STDIN`` in chunks of 20,000 cases (one transaction each), progress
printed; ``VACUUM ANALYZE`` of the generated tables and ``ANALYZE`` of all at the end. The other case benchmarks call :func:`ensure`.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from _common import PG_BASE, ROOT, reset_database

# Fixed keys so the generator, the in-process benchmarks and the production server (gunicorn) all
# decrypt the same ciphertexts and read the same sessions. Bench-only values, never production.
BENCH_ENV = {
    "JINGWU_SECRET_KEY": "jingwu-benchmark-secret-key-not-for-production-0123456789abcdef",
    "JINGWU_FIELD_KEY": "00112233445566778899aabbccddeeff",
    "JINGWU_INDEX_KEY": "ffeeddccbbaa99887766554433221100",
}
DEFAULT_DB = "jingwu_bench_cases"
BUREAU_CODE = "150600G00000"  # jingwu.cases.demo.BUREAU_CODE
END = datetime(2026, 11, 1, tzinfo=UTC) - timedelta(hours=8)  # 2026-11-01 00:00 Asia/Shanghai
CHUNK = 20_000
FIRST_SEQ = 500_001  # generated case numbers: sequence ≥ 500001 in their unit and year
REPEAT_OFFENDERS = 0.2

# 案由 code → weight (per mille of cases). 涉环食药 ≈ 3 %, the rest common criminal and 治安/交通 cases.
CRIMINAL = {
    "050101": 120,  # 盗窃
    "050102": 70,  # 诈骗
    "040101": 40,  # 故意伤害
    "020102": 90,  # 危险驾驶
    "020101": 25,  # 交通肇事
    "060601": 4,  # 污染环境
    "060606": 3,  # 非法采矿(采砂)
    "060605": 2,  # 非法占用农用地
    "060603": 1.5,  # 危害珍贵、濒危野生动物
    "060604": 1.5,  # 非法狩猎
    "060607": 1,  # 滥伐林木
    "030101": 1.5,  # 伪劣产品
    "030102": 0.7,  # 假药
    "030103": 0.3,  # 劣药
    "030104": 2,  # 不符合安全标准的食品
    "030105": 1.5,  # 有毒、有害食品
    "030106": 0.5,  # 伪劣农药、兽药、化肥、种子
    "030701": 1.5,  # 假冒注册商标
    "030702": 1,  # 销售假冒注册商标的商品
    "060501": 0.5,  # 妨害药品管理
}
ADMINISTRATIVE = {
    "510301": 150,  # 殴打他人
    "510401": 120,  # 盗窃(治安)
    "510101": 60,  # 扰乱单位秩序
    "510501": 20,  # 阻碍执行职务
    "520101": 140,  # 饮酒后驾驶
    "520102": 90,  # 无证驾驶
    "520103": 40,  # 肇事逃逸尚不构成犯罪
    "530101": 3,  # 逃避监管违法排放污染物
    "530201": 3,  # 食品安全违法行政拘留
    "530301": 1,  # 药品违法行政拘留
}
AMOUNTS = {  # typical amount ranges (yuan, log-uniform); other criminal 案由 500–200,000
    "060601": (50_000, 20_000_000),
    "060606": (100_000, 30_000_000),
    "060605": (20_000, 3_000_000),
    "060603": (5_000, 800_000),
    "060604": (2_000, 100_000),
    "060607": (10_000, 500_000),
    "030101": (100_000, 15_000_000),
    "030102": (50_000, 8_000_000),
    "030103": (20_000, 2_000_000),
    "030104": (10_000, 5_000_000),
    "030105": (10_000, 3_000_000),
    "030106": (20_000, 2_000_000),
    "030701": (100_000, 12_000_000),
    "030702": (20_000, 3_000_000),
    "060501": (10_000, 2_000_000),
    "040101": (0, 0),
    "020102": (0, 0),
}
PLACES = [
    "黄河达拉特段",
    "罕台川",
    "树林召镇",
    "王爱召镇",
    "康巴什新区",
    "东胜区铜川镇",
    "恩格贝镇",
    "林荫路",
    "青春山",
]
PROCURATORATES = {"150602": "东胜区人民检察院", "150603": "康巴什区人民检察院", "150621": "达拉特旗人民检察院"}
CRIMINAL_MEASURES = ["detention", "detention", "detention", "bail", "bail", "bail", "residential", "summon"]

CASE_COLUMNS = (
    "id, kind, number, year, title, summary, amount_involved, state, accepted_at, filed_at, solved_at, "
    "transferred_at, penalty_decided_at, closed_at, created_at, updated_at, created_by_id, lead_officer_id, "
    "unit_id, category_id"
)
PARTY_COLUMNS = (
    "id, role, kind, name, id_number, id_number_index, uscc, gender, birth_date, phone, address, person_key, "
    "created_at, case_id"
)
MEASURE_COLUMNS = (
    "kind, state, reason, decision_days, requested_at, approved_at, approving_authority, place, started_at, "
    "ended_at, end_reason, created_at, updated_at, approved_by_id, case_id, requested_by_id, party_id"
)
TRANSFER_COLUMNS = "id, transferred_at, procuratorate, document_number, note, created_at, case_id, transferred_by_id"
N = "\\N"


def db_url(db: str) -> str:
    return f"{PG_BASE}/{db}"


def bench_env(url: str, **extra: str) -> dict[str, str]:
    return {**os.environ, **BENCH_ENV, "JINGWU_DATABASE_URL": url, **extra}


def scalar(url: str, query: str) -> int | None:
    import psycopg

    try:
        with psycopg.connect(url) as conn:
            row = conn.execute(query).fetchone()
            return None if row is None else row[0]
    except Exception:
        return None


GENERATED = f"SELECT COUNT(*) FROM cases_case WHERE substr(number, 18) >= '{FIRST_SEQ:06d}'"


def ensure(db: str, cases: int, *, scale: int = 1, years: int = 5, reset: bool = False) -> str:
    """The benchmark database ``db`` with the demo of ``scale`` and ``cases`` generated cases."""
    url = db_url(db)
    bureau = scalar(url, f"SELECT COUNT(*) FROM org_unit WHERE code = '{BUREAU_CODE}'")
    if reset or not bureau:
        print(f"[gen] 新建数据库 / creating {db}: jingwu demo --scale {scale} --no-serve", flush=True)
        reset_database("postgres", db)
        env = bench_env(url, JINGWU_DEV="1", JINGWU_VAR_DIR=str(ROOT / "bench" / "results" / f"{db}_var"))
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "jingwu", "demo", "--scale", str(scale), "--no-serve"],
            env=env,
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        print(f"[gen] 示范数据就绪 / demo loaded in {time.perf_counter() - started:.0f} s", flush=True)
    have = scalar(url, GENERATED) or 0
    if have < cases:
        _generate(url, have, cases, years)
    _current_schema_and_figures(url)
    return url


def _current_schema_and_figures(url: str) -> None:
    """Apply migrations added since the data set was built, and rebuild the monthly case figures
    (``jingwu rebuild_case_figures``) when they were built from another number of cases."""
    env = bench_env(url, JINGWU_DEV="1")
    subprocess.run([sys.executable, "-m", "jingwu", "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    built = scalar(url, "SELECT cases FROM cases_casefigurebuild ORDER BY built_at DESC LIMIT 1")
    people = scalar(url, "SELECT people_rows FROM cases_casefigurebuild ORDER BY built_at DESC LIMIT 1")
    if built != scalar(url, "SELECT COUNT(*) FROM cases_case") or people is None:
        print("[gen] 重建案件月度汇总和人数汇总 / rebuilding the monthly case and people figures", flush=True)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "jingwu", "rebuild_case_figures"], env=env, check=True, cwd=ROOT)
        print(f"[gen] 重建用时 / rebuilt in {time.perf_counter() - started:.0f} s", flush=True)
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            for table in ("cases_casemonthlyfigure", "cases_peoplefiguremonth", "cases_peoplefigureday"):
                conn.execute(f"VACUUM ANALYZE {table}")


def setup(url: str) -> None:
    os.environ.update(BENCH_ENV)
    os.environ["JINGWU_DATABASE_URL"] = url
    os.environ.setdefault("JINGWU_DEV", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingwu.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


BENCH_USER = "bench_city"


def bench_user(bureau: Any) -> Any:
    """A city-wide leader: ``leadership`` over the bureau's subtree (no TOTP for that role)."""
    from jingwu.org.models import RoleAssignment, User

    user, created = User.objects.get_or_create(username=BENCH_USER, defaults={"is_system": False})
    if created or not RoleAssignment.objects.filter(user=user, unit=bureau).exists():
        RoleAssignment.objects.create(user=user, role="leadership", unit=bureau, scope="subtree")
    return user


def _ts(value: datetime | None) -> str:
    return N if value is None else value.isoformat()


def _reserve(conn, table: str, n: int) -> int:  # noqa: ANN001
    """Reserve ``n`` ids of ``table``'s identity column; returns the first."""
    seq = conn.execute(f"SELECT pg_get_serial_sequence('{table}', 'id')").fetchone()[0]
    first = conn.execute(f"SELECT nextval('{seq}')").fetchone()[0]
    conn.execute(f"SELECT setval('{seq}', {first + n - 1})")
    return first


class _Plan:
    """Everything the generator needs from the demo: units, officers, 案由 ids, a leader."""

    def __init__(self, rng: random.Random) -> None:
        from jingwu.cases.models import CaseCategory
        from jingwu.org.models import Person, Unit, User

        bureau = Unit.objects.get(code=BUREAU_CODE)
        units = list(Unit.objects.filter(path__startswith=bureau.path, depth__gt=bureau.depth).order_by("path"))
        self.units = []  # (unit id, code, officer ids, weight for ordinary cases, weight for 涉环食药)
        for unit in units:
            officers = list(
                Person.objects.filter(unit=unit, kind=Person.Kind.POLICE).order_by("pk").values_list("pk", flat=True)
            )
            if len(officers) < 2:
                continue
            ordinary = {"station": 6, "sub_bureau": 2}.get(unit.kind, 0)
            special = {"brigade": 5, "station": 1, "sub_bureau": 1}.get(unit.kind, 0)
            self.units.append((unit.pk, unit.code, officers, ordinary, special))
        if not self.units:
            raise SystemExit("市局下没有单位 / no units under the city bureau: load `jingwu demo` first")
        self.categories = dict(CaseCategory.objects.values_list("code", "pk"))
        self.efd = set(CaseCategory.objects.filter(tags__code="env_food_drug").values_list("code", flat=True))
        self.names = dict(CaseCategory.objects.values_list("code", "name"))
        missing = [c for c in (*CRIMINAL, *ADMINISTRATIVE) if c not in self.categories]
        if missing:
            raise SystemExit(f"缺少案由 / seeded 案由 missing: {missing}")
        leader = User.objects.filter(username="city_leader").first()
        self.leader = leader.pk if leader else None
        self.codes = {
            "criminal": (list(CRIMINAL), list(CRIMINAL.values())),
            "administrative": (list(ADMINISTRATIVE), list(ADMINISTRATIVE.values())),
        }
        self.criminal_share = sum(CRIMINAL.values()) / (sum(CRIMINAL.values()) + sum(ADMINISTRATIVE.values()))
        self.rng = rng

    def unit_for(self, code: str) -> tuple[int, str, list[int]]:
        weights = [u[4] if code in self.efd else u[3] for u in self.units]
        pk, unit_code, officers, _, _ = self.rng.choices(self.units, weights)[0]
        return pk, unit_code, officers


class _Identities:
    """Suspects' identities: a valid ID number, its SM4 ciphertext and blind index; some repeat."""

    def __init__(self, rng: random.Random) -> None:
        from jingwu.org.demo import Generator

        self.rng = rng
        self.gen = Generator(rng.randrange(10**6))
        self.seen: list[tuple[str, str, str, str, date]] = []

    def next(self, division: str) -> tuple[str, str, str, str, date]:
        rng = self.rng
        if self.seen and rng.random() < REPEAT_OFFENDERS:
            return self.seen[rng.randrange(len(self.seen))]
        from jingwu.core import crypto

        female = rng.random() < 0.15
        birth = date(1960 + rng.randrange(45), rng.randrange(1, 13), rng.randrange(1, 28))
        number = self.gen.id_number(division, birth, female)
        identity = (
            self.gen.name(female),
            crypto.encrypt(number),
            crypto.blind_index(number),
            "F" if female else "M",
            birth,
        )
        if len(self.seen) < 200_000:
            self.seen.append(identity)
        else:
            self.seen[rng.randrange(len(self.seen))] = identity
        return identity


def _generate(url: str, have: int, target: int, years: int) -> None:
    setup(url)
    import psycopg

    rng = random.Random(20220101 + have)
    plan = _Plan(rng)
    people = _Identities(rng)
    span = timedelta(days=365 * years).total_seconds()
    start = END - timedelta(seconds=span)
    print(f"[gen] {have:,} → {target:,} 案件 / cases over {len(plan.units)} units, {years} years", flush=True)
    started = time.perf_counter()
    done = have
    with psycopg.connect(url, autocommit=False) as conn:
        sequences: dict[tuple[int, str, int], int] = {}
        for unit_id, kind, year, seq in conn.execute(
            "SELECT unit_id, kind, year, max(substr(number, 18)::int) FROM cases_case "
            f"WHERE substr(number, 18) >= '{FIRST_SEQ:06d}' GROUP BY 1, 2, 3"
        ):
            sequences[(unit_id, kind, year)] = seq
        while done < target:
            n = min(CHUNK, target - done)
            chunk = _Chunk(conn, plan, people, sequences, n)
            for i in range(n):
                position = min(done + i + rng.random() * 20, target - 1) / target
                chunk.case(start + timedelta(seconds=span * position))
            chunk.write()
            conn.commit()
            done += n
            rate = (done - have) / (time.perf_counter() - started)
            eta = (target - done) / rate if rate else 0
            print(
                f"[gen] {done:,}/{target:,}  {rate:,.0f} 件/s cases/s  剩余 / eta {eta:,.0f} s  "
                f"(chunk: {len(chunk.parties):,} parties, {len(chunk.measures):,} measures, "
                f"{len(chunk.transfers):,} transfers)",
                flush=True,
            )
        conn.commit()
        conn.autocommit = True
        print("[gen] VACUUM ANALYZE … (as autovacuum would: statistics and the visibility map)", flush=True)
        for table in (
            "cases_case",
            "cases_case_handling_officers",
            "cases_party",
            "cases_coercivemeasure",
            "cases_prosecutiontransfer",
            "cases_prosecutiontransfer_parties",
        ):
            conn.execute(f"VACUUM ANALYZE {table}")
        # and every other table: the small code tables (org_unit, 案由, tags) stay below autovacuum's
        # threshold after the demo load and would keep no statistics, which misleads the join plans
        conn.execute("ANALYZE")
    print(f"[gen] 完成 / done in {time.perf_counter() - started:.0f} s", flush=True)


class _Chunk:
    """The rows of one chunk of cases; ids reserved up front so children can point at their case."""

    def __init__(self, conn, plan: _Plan, people: _Identities, sequences: dict, n: int) -> None:  # noqa: ANN001
        self.conn, self.plan, self.people, self.sequences = conn, plan, people, sequences
        self.rng = plan.rng
        self.next_case = _reserve(conn, "cases_case", n)
        self.cases: list[str] = []
        self.officers: list[str] = []
        self.parties: list[tuple[str, ...]] = []  # position in the chunk → reserved id in write()
        self.measures: list[tuple[object, ...]] = []  # the last item is the party's position
        self.transfers: list[tuple] = []  # (case id, transferred_at, procuratorate, number, [party ids])

    def case(self, accepted: datetime) -> None:
        rng, plan = self.rng, self.plan
        kind = "criminal" if rng.random() < plan.criminal_share else "administrative"
        codes, weights = plan.codes[kind]
        code = rng.choices(codes, weights)[0]
        unit_id, unit_code, officers = plan.unit_for(code)
        lead, partner = rng.sample(officers, 2)
        local_year = (accepted + timedelta(hours=8)).year
        key = (unit_id, kind, local_year)
        self.sequences[key] = self.sequences.get(key, FIRST_SEQ - 1) + 1
        number = f"{'A' if kind == 'criminal' else 'X'}{unit_code}{local_year:04d}{self.sequences[key]:06d}"
        case_id = self.next_case
        self.next_case += 1

        filed = solved = transferred = penalty = closed = None
        if kind == "criminal":
            state = "accepted"
            if rng.random() < 0.92:
                filed = accepted + timedelta(hours=rng.uniform(2, 120))
                state = "filed"
                solve_rate = 0.87 if code in plan.efd else 0.55
                if rng.random() < solve_rate:
                    solved = filed + timedelta(days=rng.uniform(1, 150))
                    if rng.random() < 0.62:
                        transferred = solved + timedelta(days=rng.uniform(5, 60))
                elif rng.random() < 0.04:
                    closed = filed + timedelta(days=rng.uniform(30, 200))
                    state = "withdrawn"
            else:
                closed = accepted + timedelta(days=rng.uniform(1, 7))
                state = "not_filed"
            if solved and solved < END:
                state = "solved"
                if transferred and transferred < END:
                    state = "transferred"
                    if transferred < END - timedelta(days=365) and rng.random() < 0.7:
                        closed = transferred + timedelta(days=rng.uniform(60, 300))
                        state = "closed" if closed < END else state
                else:
                    transferred = None
            else:
                solved = transferred = None
                if state == "filed":
                    state = "investigating" if rng.random() < 0.8 else "filed"
        else:
            state = "accepted"
            if rng.random() < 0.97:
                filed = accepted + timedelta(hours=rng.uniform(1, 48))
                state = "investigating"
                if rng.random() < 0.9:
                    penalty = filed + timedelta(days=rng.uniform(1, 28))
                    closed = penalty + timedelta(days=rng.uniform(1, 10))
                    state = "penalised"
                elif rng.random() < 0.2:
                    closed = filed + timedelta(days=rng.uniform(5, 30))
                    state = "withdrawn"
            else:
                closed = accepted + timedelta(days=rng.uniform(1, 5))
                state = "not_filed"
            if penalty and penalty >= END:
                penalty, closed, state = None, None, "investigating"
            if state == "penalised" and closed and closed < END:
                state = "closed"
        if filed and filed >= END:
            filed, state, closed = None, "accepted", None
        if closed and closed >= END:
            closed = None
            if state in ("not_filed", "withdrawn", "closed"):
                state = "accepted" if filed is None else ("transferred" if transferred else "investigating")

        low, high = AMOUNTS.get(code, (500, 200_000) if kind == "criminal" else (0, 0))
        if high and rng.random() < 0.9:
            amount = f"{int(low * (high / low) ** rng.random()) if low else rng.randrange(high + 1)}.00"
        elif kind == "administrative" and code in ("510401",):
            amount = f"{rng.randrange(50, 2000)}.00"
        else:
            amount = "0.00"
        place = PLACES[rng.randrange(len(PLACES))]
        title = f"{place}{plan.names[code]}"
        last = max(d for d in (accepted, filed, solved, transferred, penalty, closed) if d is not None)
        self.cases.append(
            "\t".join(
                (
                    str(case_id),
                    kind,
                    number,
                    str(local_year),
                    title,
                    "",
                    amount,
                    state,
                    _ts(accepted),
                    _ts(filed),
                    _ts(solved),
                    _ts(transferred),
                    _ts(penalty),
                    _ts(closed),
                    _ts(accepted),
                    _ts(last),
                    N,
                    str(lead),
                    str(unit_id),
                    str(plan.categories[code]),
                )
            )
            + "\n"
        )
        self.officers.append(f"{case_id}\t{lead}\n{case_id}\t{partner}\n")
        if filed is None:
            return

        # suspects, measures and transfers
        if kind == "criminal":
            count = rng.choices((1, 2, 3, 4, 5), (60, 25, 10, 3, 2))[0]
        else:
            count = 1 if rng.random() < 0.9 else 2
        division = unit_code[:6]
        suspects = []
        for _ in range(count):
            name, cipher, index, gender, birth = self.people.next(division)
            suspects.append(self._party(case_id, name, cipher, index, gender, birth, filed))
        for party_id in suspects:
            self._measures(kind, case_id, party_id, filed)
        if transferred is not None:
            procuratorate = PROCURATORATES.get(unit_code[:6], "鄂尔多斯市人民检察院")
            document = f"{number[-10:]}诉"
            if len(suspects) > 1 and rng.random() < 0.1:
                split = rng.randrange(1, len(suspects))
                later = transferred + timedelta(days=rng.uniform(10, 40))
                self.transfers.append((case_id, transferred, procuratorate, document, suspects[:split]))
                if later < END:
                    self.transfers.append((case_id, later, procuratorate, f"{document}2", suspects[split:]))
            else:
                self.transfers.append((case_id, transferred, procuratorate, document, suspects))

    def _party(self, case_id: int, name: str, cipher: str, index: str, gender: str, birth: date, at: datetime) -> int:
        party_id = len(self.parties)  # replaced by a reserved id in write()
        self.parties.append((name, cipher, index, gender, birth.isoformat(), f"id:{index}", _ts(at), str(case_id)))
        return party_id

    def _measures(self, kind: str, case_id: int, party: int, filed: datetime) -> None:
        rng = self.rng
        if kind == "criminal":
            if rng.random() > 0.75:
                return
            chain = [CRIMINAL_MEASURES[rng.randrange(len(CRIMINAL_MEASURES))]]
            if chain[0] == "detention" and rng.random() < 0.45:
                chain.append("arrest")
        else:
            if rng.random() > 0.22:
                return
            chain = ["admin_detention"]
        started = filed + timedelta(hours=rng.uniform(1, 96))
        for measure in chain:
            if started >= END:
                return
            days = rng.randrange(3, 16) if measure == "admin_detention" else None
            length = {
                "summon": timedelta(hours=rng.uniform(2, 12)),
                "detention": timedelta(days=rng.uniform(2, 30)),
                "bail": timedelta(days=rng.uniform(30, 360)),
                "residential": timedelta(days=rng.uniform(20, 180)),
                "arrest": timedelta(days=rng.uniform(30, 60)),
                "admin_detention": timedelta(days=days or 1),
            }[measure]
            ended = started + length
            state = "ended" if ended < END else "active"
            authority = "人民检察院" if measure == "arrest" else "公安机关"
            self.measures.append(
                (
                    measure,
                    state,
                    "有证据证明有犯罪/违法事实",
                    str(days) if days else N,
                    _ts(started - timedelta(hours=3)),
                    _ts(started - timedelta(hours=1)),
                    authority,
                    "",
                    _ts(started),
                    _ts(ended if state == "ended" else None),
                    "依法解除或变更" if state == "ended" else "",
                    _ts(started - timedelta(hours=3)),
                    _ts(ended if state == "ended" else started),
                    str(self.plan.leader) if self.plan.leader else N,
                    str(case_id),
                    N,
                    party,
                )
            )
            started = ended

    def write(self) -> None:
        conn = self.conn
        first_party = _reserve(conn, "cases_party", len(self.parties)) if self.parties else 0
        first_transfer = _reserve(conn, "cases_prosecutiontransfer", len(self.transfers)) if self.transfers else 0
        with conn.cursor() as cur:
            with cur.copy(f"COPY cases_case ({CASE_COLUMNS}) FROM STDIN") as copy:
                copy.write("".join(self.cases))
            with cur.copy("COPY cases_case_handling_officers (case_id, person_id) FROM STDIN") as copy:
                copy.write("".join(self.officers))
            with cur.copy(f"COPY cases_party ({PARTY_COLUMNS}) FROM STDIN") as copy:
                copy.write(
                    "".join(
                        f"{first_party + i}\tsuspect\tperson\t{name}\t{cipher}\t{index}\t\t{gender}\t{birth}\t\t\t"
                        f"{key}\t{at}\t{case}\n"
                        for i, (name, cipher, index, gender, birth, key, at, case) in enumerate(self.parties)
                    )
                )
            with cur.copy(f"COPY cases_coercivemeasure ({MEASURE_COLUMNS}) FROM STDIN") as copy:
                copy.write(
                    "".join("\t".join((*map(str, m[:-1]), str(first_party + int(m[-1])))) + "\n" for m in self.measures)
                )
            with cur.copy(f"COPY cases_prosecutiontransfer ({TRANSFER_COLUMNS}) FROM STDIN") as copy:
                copy.write(
                    "".join(
                        f"{first_transfer + i}\t{_ts(at)}\t{proc}\t{doc}\t\t{_ts(at)}\t{case}\t{N}\n"
                        for i, (case, at, proc, doc, _) in enumerate(self.transfers)
                    )
                )
            with cur.copy(
                "COPY cases_prosecutiontransfer_parties (prosecutiontransfer_id, party_id) FROM STDIN"
            ) as copy:
                copy.write(
                    "".join(
                        f"{first_transfer + i}\t{first_party + p}\n"
                        for i, (*_, parties) in enumerate(self.transfers)
                        for p in parties
                    )
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000, help="generated cases wanted in total")
    parser.add_argument("--scale", type=int, default=1, help="jingwu demo --scale")
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--db", default=DEFAULT_DB, help=f"PostgreSQL database name (default {DEFAULT_DB})")
    parser.add_argument("--reset", action="store_true", help="drop and rebuild the database first")
    args = parser.parse_args()
    url = ensure(args.db, args.cases, scale=args.scale, years=args.years, reset=args.reset)
    total = scalar(url, "SELECT COUNT(*) FROM cases_case")
    print(f"[gen] {args.db}: {total:,} 案件 / cases in total ({scalar(url, GENERATED):,} generated)")


if __name__ == "__main__":
    main()
