"""Demo data of the cases module: 鄂尔多斯市公安局 (a city bureau beside the traffic detachment)
with its 食药环侦支队 and district bureaus, and their environmental, food and drug criminal cases
since 2022 (measures, reviews, transfers for prosecution, amounts, centre visits, 110 incidents);
plus traffic cases (危险驾驶, 交通肇事, 酒驾) of the demo brigade's squadrons, so the brigade's logins
see cases too.

Deterministic for a seed (dates are counted back from a fixed day, not from today); loading twice
changes nothing. Rows are written in bulk with their historical timestamps: the services stamp
"now", which a history since 2022 cannot use. ``scale`` multiplies the number of cases.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TextIO

from django.db import transaction

from jingwu.core import audit, crypto
from jingwu.core.calendar import TZ
from jingwu.org.demo import BRIGADE_CODE, DEMO_PASSWORD, DemoLogin, Generator, _person, _unit
from jingwu.org.models import Person, RoleAssignment, Unit, User

from . import demo_cooperation, demo_transfers, seed
from .demo_history import LEGAL_OPINION, Deciders, History, accounts_for, deciders_for, investigated
from .models import (
    Case,
    CaseCategory,
    CentreVisit,
    CoerciveMeasure,
    Incident,
    IncidentCategory,
    Party,
    ProsecutionTransfer,
    Review,
)
from .services import figures
from .validators import case_number_for

BUREAU_CODE = "150600G00000"
FIRST_DAY = date(2022, 1, 1)
LAST_DAY = date(2026, 9, 30)  # fixed, so a seed gives the same data whatever the day
DATA_END = datetime(2026, 10, 1, tzinfo=TZ)  # the first instant after LAST_DAY
ENV_CASES = 200
TRAFFIC_CASES = 40

# (code, name, kind, parent code, division for ID numbers)
BUREAU_UNITS = [
    ("150600G10000", "食品药品与环境犯罪侦查支队", Unit.Kind.DETACHMENT, BUREAU_CODE, "150602"),
    ("150600G10001", "环境犯罪侦查大队", Unit.Kind.BRIGADE, "150600G10000", "150602"),
    ("150600G10002", "食品药品犯罪侦查大队", Unit.Kind.BRIGADE, "150600G10000", "150602"),
    ("150602G00000", "东胜区分局", Unit.Kind.SUB_BUREAU, BUREAU_CODE, "150602"),
    ("150602G00101", "东胜区分局林荫派出所", Unit.Kind.STATION, "150602G00000", "150602"),
    ("150603G00000", "康巴什分局", Unit.Kind.SUB_BUREAU, BUREAU_CODE, "150602"),
    ("150603G00101", "康巴什分局青春山派出所", Unit.Kind.STATION, "150603G00000", "150602"),
    ("150621G00000", "达拉特旗公安局", Unit.Kind.SUB_BUREAU, BUREAU_CODE, "150621"),
    ("150621G00101", "达拉特旗公安局树林召派出所", Unit.Kind.STATION, "150621G00000", "150621"),
    ("150621G00102", "达拉特旗公安局王爱召派出所", Unit.Kind.STATION, "150621G00000", "150621"),
]

ENV_CATEGORIES = [  # (案由, weight, typical amount range in yuan)
    ("060601", 30, (50_000, 20_000_000)),
    ("060606", 22, (100_000, 30_000_000)),
    ("060605", 14, (20_000, 3_000_000)),
    ("060603", 12, (5_000, 800_000)),
    ("060604", 6, (2_000, 100_000)),
    ("030101", 10, (100_000, 15_000_000)),
    ("030102", 6, (50_000, 8_000_000)),
    ("030103", 3, (20_000, 2_000_000)),
    ("030104", 14, (10_000, 5_000_000)),
    ("030105", 8, (10_000, 3_000_000)),
    ("030701", 9, (100_000, 12_000_000)),
]
PLACES = [
    "黄河达拉特段",
    "罕台川",
    "哈什拉川",
    "树林召镇",
    "王爱召镇",
    "康巴什新区",
    "东胜区铜川镇",
    "恩格贝镇",
    "展旦召苏木",
]
TITLES = {
    "060601": "{place}某化工企业非法排放废水污染环境案",
    "060606": "{place}河道非法采砂案",
    "060605": "{place}非法占用基本农田案",
    "060603": "{place}非法猎捕候鸟案",
    "060604": "{place}使用鸟网非法狩猎案",
    "030101": "{place}某公司生产销售伪劣产品案",
    "030102": "{place}某药店销售假药案",
    "030103": "{place}某诊所销售劣药案",
    "030104": "{place}某作坊生产销售不符合安全标准的食品案",
    "030105": "{place}某餐馆使用地沟油案",
    "030701": "{place}假冒“达拉特旗小米”注册商标案",
}
PROCURATORATES = {"150602": "东胜区人民检察院", "150603": "康巴什区人民检察院", "150621": "达拉特旗人民检察院"}


def _moment(rng: random.Random, start: date, end: date) -> datetime:
    days = max((end - start).days, 0)
    day = start + timedelta(days=rng.randrange(days + 1))
    return datetime(day.year, day.month, day.day, rng.randrange(8, 20), rng.randrange(60), tzinfo=TZ)


class _Numbers:
    def __init__(self) -> None:
        self.seq: dict[tuple[int, str, int], int] = {}

    def next(self, unit: Unit, kind: str, year: int) -> str:
        key = (unit.pk, kind, year)
        self.seq[key] = self.seq.get(key, 0) + 1
        return case_number_for(kind, unit.code, year, self.seq[key])


def _bureau(gen: Generator) -> tuple[Unit, dict[str, Unit], dict[str, list[Person]]]:
    bureau = _unit(None, BUREAU_CODE, "鄂尔多斯市公安局", Unit.Kind.BUREAU, 2, "市局")
    units = {BUREAU_CODE: bureau}
    for order, (code, name, kind, parent, _division) in enumerate(BUREAU_UNITS):
        units[code] = _unit(units[parent], code, name, kind, order + 1)
    officers: dict[str, list[Person]] = {}
    number = 900000
    new: list[Person] = []
    for code, _name, _kind, _parent, division in BUREAU_UNITS:
        unit = units[code]
        existing = list(Person.objects.filter(unit=unit, kind=Person.Kind.POLICE).order_by("police_number"))
        if existing:
            officers[code] = existing
            continue
        people = []
        for i in range(6):
            number += 1
            while Person.objects.filter(police_number=f"{number:06d}").exists():
                number += 1
            female = gen.rng.random() < 0.2
            people.append(
                _person(
                    gen,
                    unit,
                    division,
                    gen.name(female),
                    female,
                    gen.birth(True),
                    True,
                    f"{number:06d}",
                    [],
                    "民警" if i else "负责人",
                )
            )
        new += people
        officers[code] = people
    if new:
        Person.objects.bulk_create(new)
    return bureau, units, officers


def _logins(bureau: Unit, units: dict[str, Unit], officers: dict[str, list[Person]]) -> list[DemoLogin]:
    wanted = [
        ("city_leader", "leadership", bureau, "subtree", None),
        ("city_legal", "legal", bureau, "subtree", None),
        ("env_lead", "unit_lead", units["150600G10001"], "subtree", officers["150600G10001"][0]),
        ("env_officer", "officer", units["150600G10001"], "own", officers["150600G10001"][1]),
    ]
    logins = []
    for username, role, unit, scope, person in wanted:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, person=person, is_system=False)
            user.set_password(DEMO_PASSWORD)
            user.save()
            RoleAssignment.objects.create(user=user, role=role, unit=unit, scope=scope)
        logins.append(DemoLogin(username, role, unit.name, scope, person.name if person else "—"))
    return logins


class _Builder:
    """Collects rows in memory and writes them with bulk_create in dependency order."""

    def __init__(self, rng: random.Random, gen: Generator) -> None:
        self.rng = rng
        self.gen = gen
        self.numbers = _Numbers()
        self.categories = {c.code: c for c in CaseCategory.objects.all()}
        self.incident_categories = {c.code: c for c in IncidentCategory.objects.all()}
        self.cases: list[tuple[Case, list[Person], dict[str, Any]]] = []
        self.incident_seq = 0

    def suspect(self, case: Case, division: str) -> Party:
        female = self.rng.random() < 0.15
        birth = date(1960 + self.rng.randrange(40), self.rng.randrange(1, 13), self.rng.randrange(1, 28))
        id_number = self.gen.id_number(division, birth, female)
        index = crypto.blind_index(id_number)
        return Party(
            case=case,
            role=Party.Role.SUSPECT,
            kind=Party.Kind.PERSON,
            name=self.gen.name(female),
            id_number=id_number,
            id_number_index=index,
            gender="F" if female else "M",
            birth_date=birth,
            phone=self.gen.phone(),
            person_key=f"id:{index}",
        )

    def add_case(
        self, unit: Unit, staff: list[Person], kind: str, code: str, title: str, accepted: datetime, amount: Decimal
    ) -> dict[str, Any]:
        lead, partner = self.rng.sample(staff, 2)
        case = Case(
            unit=unit,
            kind=kind,
            number=self.numbers.next(unit, kind, accepted.year),
            year=accepted.year,
            title=title,
            category=self.categories[code],
            amount_involved=amount,
            lead_officer=lead,
            accepted_at=accepted,
            state=Case.State.ACCEPTED,
        )
        plan: dict[str, Any] = {"partner": partner}
        self.cases.append((case, [lead, partner], plan))
        return plan


def _plan_env_cases(b: _Builder, units: dict[str, Unit], officers: dict[str, list[Person]], count: int) -> None:
    rng = b.rng
    codes = [c for c, w, _ in ENV_CATEGORIES for _ in range(w)]
    ranges = {c: r for c, _, r in ENV_CATEGORIES}
    handling = [code for code, *_ in BUREAU_UNITS if not code.endswith("G00000") and code != "150600G10000"]
    for _ in range(count):
        unit_code = rng.choice(handling)
        code = rng.choice(codes)
        low, high = ranges[code]
        amount = Decimal(int(low * (high / low) ** rng.random())).quantize(Decimal("1")) * 1
        if rng.random() < 0.02:
            amount *= 10  # a few very large cases
        accepted = _moment(rng, FIRST_DAY, LAST_DAY - timedelta(days=20))
        title = TITLES[code].format(place=rng.choice(PLACES))
        plan = b.add_case(units[unit_code], officers[unit_code], Case.Kind.CRIMINAL, code, title, accepted, amount)
        plan["division"] = next(d for c, *_, d in BUREAU_UNITS if c == unit_code)
        plan["filed"] = accepted + timedelta(days=rng.randrange(1, 4))
        plan["solved"] = plan["filed"] + timedelta(days=rng.randrange(10, 120)) if rng.random() < 0.87 else None
        plan["suspects"] = rng.choice([1, 1, 1, 2, 2, 3])
        plan["measured"] = rng.random() < 0.9
        plan["transfer"] = plan["solved"] is not None and rng.random() < 0.45
        plan["centre"] = rng.random() < 0.93


def _plan_traffic_cases(b: _Builder, count: int) -> None:
    rng = b.rng
    prefix = BRIGADE_CODE[:10]
    squads = [u for u in Unit.objects.filter(code__startswith=prefix, kind=Unit.Kind.SQUADRON)]
    staff = {u.pk: list(Person.objects.filter(unit=u, kind=Person.Kind.POLICE)[:8]) for u in squads}
    squads = [u for u in squads if len(staff[u.pk]) >= 2]
    if not squads:
        return
    for _ in range(count):
        unit = rng.choice(squads)
        criminal = rng.random() < 0.6
        code = rng.choice(["020102", "020102", "020101"]) if criminal else rng.choice(["520101", "520102", "520103"])
        kind = Case.Kind.CRIMINAL if criminal else Case.Kind.ADMINISTRATIVE
        accepted = _moment(rng, date(2024, 1, 1), LAST_DAY - timedelta(days=40))
        name = b.categories[code].name.removesuffix("案")
        title = f"{rng.choice(PLACES)}{name}案"
        plan = b.add_case(unit, staff[unit.pk], kind, code, title, accepted, Decimal(0))
        plan["division"] = "150621"
        plan["filed"] = accepted + timedelta(hours=rng.randrange(2, 48))
        plan["solved"] = plan["filed"] + timedelta(days=rng.randrange(1, 10)) if criminal else None
        plan["penalty"] = None if criminal else accepted + timedelta(days=rng.randrange(3, 25))
        plan["suspects"] = 1
        plan["measured"] = criminal or rng.random() < 0.5
        plan["transfer"] = criminal and rng.random() < 0.7
        plan["centre"] = rng.random() < 0.9


def _write(b: _Builder, leader: User | None, legal: User | None) -> dict[str, int]:
    rng = b.rng
    cases = [c for c, _, _ in b.cases]
    for case, _, plan in b.cases:
        case.filed_at = plan["filed"]
        solved: datetime | None = plan.get("solved")
        case.solved_at = solved
        case.penalty_decided_at = plan.get("penalty")
        if plan["transfer"]:
            assert solved is not None  # a transfer is planned only for a solved case
            case.state = Case.State.TRANSFERRED
            case.transferred_at = solved + timedelta(days=rng.randrange(5, 40))
        elif case.penalty_decided_at:
            case.state = Case.State.CLOSED
            case.closed_at = case.penalty_decided_at + timedelta(days=1)
        elif case.solved_at:
            case.state = Case.State.SOLVED
        else:
            case.state = Case.State.INVESTIGATING
    Case.objects.bulk_create(cases, batch_size=500)
    history = History(random.Random(len(cases)))  # its own draws: the data stay those of the seed
    handlers = accounts_for([people[0] for _, people, _ in b.cases])  # the lead officer is first
    city = Deciders(legal=legal, leader=leader)
    brigade = Deciders(
        legal=User.objects.filter(username="legal").first(), leader=User.objects.filter(username="leader").first()
    )
    through = Case.handling_officers.through
    through.objects.bulk_create(
        [through(case_id=case.pk, person_id=p.pk) for case, people, _ in b.cases for p in people], batch_size=1000
    )
    parties: list[Party] = []
    owners: list[tuple[Case, dict[str, Any], int]] = []
    for case, _, plan in b.cases:
        for _ in range(plan["suspects"]):
            parties.append(b.suspect(case, plan["division"]))
        owners.append((case, plan, plan["suspects"]))
    Party.objects.bulk_create(parties, batch_size=500)
    measures: list[tuple[CoerciveMeasure, User | None]] = []
    transfers: list[tuple[ProsecutionTransfer, list[Party]]] = []
    visits: list[CentreVisit] = []
    reviews: list[Review] = []
    cursor = 0
    for case, plan, n in owners:
        suspects = parties[cursor : cursor + n]
        cursor += n
        handler = handlers.get(case.lead_officer_id)
        deciders = deciders_for(case.unit, city, brigade)
        history.case(case, handler)
        if deciders.legal is not None and deciders.leader is not None:
            for decision, prev, moment in (
                ("file", case.accepted_at, case.filed_at),
                ("prosecution", case.solved_at, case.transferred_at),
                ("penalty", investigated(case), case.penalty_decided_at),
            ):
                if moment is None or prev is None:
                    continue
                review = Review(
                    case=case,
                    decision=decision,
                    state=Review.State.APPROVED,
                    summary=f"呈请{Review.Decision(decision).label}",
                    submitted_at=prev + (moment - prev) * 0.2,
                    legal_opinion=LEGAL_OPINION,
                    leader_opinion="同意",
                )
                history.review(review, prev, moment, handler, deciders)
                reviews.append(review)
        if plan["measured"]:
            for party in suspects:
                if case.kind == Case.Kind.CRIMINAL:
                    kind = rng.choice(["detention", "detention", "bail", "bail", "residential", "summon"])
                    days = None
                else:
                    kind, days = "admin_detention", rng.randrange(5, 16)
                # requested (3 hours before the start) after 立案
                start = (case.filed_at or case.accepted_at) + timedelta(hours=3 + rng.randrange(1, 72))
                ended: datetime | None = start + timedelta(
                    days=(days or 3) if kind != "bail" else rng.randrange(30, 300)
                )
                if ended is not None and ended >= DATA_END:  # a bail still running on the data's last day
                    ended = None
                measure = CoerciveMeasure(
                    case=case,
                    party=party,
                    kind=kind,
                    decision_days=days,
                    reason="有证据证明有犯罪/违法事实",
                    requested_by=handler,
                    requested_at=start - timedelta(hours=3),
                    approved_at=start - timedelta(hours=1),
                    approved_by=deciders.leader or leader,
                    started_at=start,
                    ended_at=ended,
                    state=CoerciveMeasure.State.ENDED if ended else CoerciveMeasure.State.ACTIVE,
                    end_reason="依法解除或变更" if ended else "",
                )
                history.measure(measure, handler)
                measures.append((measure, handler))
        if plan["transfer"] and case.transferred_at:
            procuratorate = PROCURATORATES.get(case.unit.code[:6], "鄂尔多斯市人民检察院")
            transfers.append(
                (
                    ProsecutionTransfer(
                        case=case,
                        transferred_at=case.transferred_at,
                        procuratorate=procuratorate,
                        document_number=f"{case.number[-10:]}诉",
                    ),
                    suspects,
                )
            )
        if plan["centre"] and (case.kind == Case.Kind.CRIMINAL or plan["measured"]):
            entered = (case.filed_at or case.accepted_at) + timedelta(hours=1)
            for party in suspects:
                visits.append(
                    CentreVisit(
                        case=case,
                        party=party,
                        entered_at=entered,
                        reason="讯问",
                        belongings="手机、钥匙、钱包",
                        safety_check_done=True,
                        safety_check_notes="未发现违禁物品",
                        rooms="讯问室、候问室",
                        exited_at=entered + timedelta(hours=rng.randrange(3, 20)),
                        exit_destination="送看守所",
                        belongings_returned=True,
                    )
                )
    CoerciveMeasure.objects.bulk_create([m for m, _ in measures], batch_size=500)
    Review.objects.bulk_create(reviews, batch_size=500)
    CentreVisit.objects.bulk_create(visits, batch_size=500)
    ProsecutionTransfer.objects.bulk_create([t for t, _ in transfers], batch_size=500)
    link = ProsecutionTransfer.parties.through
    link.objects.bulk_create(
        [link(prosecutiontransfer_id=t.pk, party_id=p.pk) for t, people in transfers for p in people], batch_size=1000
    )
    events = history.write()
    return {
        "cases": len(cases),
        "measures": len(measures),
        "transfers": len(transfers),
        "centre_visits": len(visits),
        "events": events,
    }


def _incidents(b: _Builder, units: list[Unit], count: int) -> int:
    rng = b.rng
    leaves = [c for c in b.incident_categories.values() if c.parent_id is not None]
    rows = []
    from jingwu.core.deadlines import compute_due

    for _ in range(count):
        b.incident_seq += 1
        unit = rng.choice(units)
        category = rng.choice(leaves)
        received = _moment(rng, date(2025, 1, 1), LAST_DAY)
        due = compute_due(received, category.disposal_limit(), unit)
        late = rng.random() < 0.06
        disposed = (
            due + timedelta(hours=rng.randrange(1, 30))
            if late
            else received + timedelta(minutes=rng.randrange(20, 300))
        )
        phone = b.gen.phone()
        rows.append(
            Incident(
                unit=unit,
                number=f"J{unit.code[:6]}{received:%Y%m%d}{b.incident_seq:05d}",
                received_at=received,
                category=category,
                location=rng.choice(PLACES),
                summary=f"{category.name}警情",
                caller_name=b.gen.name(rng.random() < 0.4),
                caller_phone=phone,
                caller_phone_index=crypto.blind_index(phone),
                arrived_at=received + timedelta(minutes=rng.randrange(5, 40)),
                disposal_result="已处置完毕",
                disposed_at=disposed,
                disposal_due_at=due,
                state=Incident.State.DISPOSED,
                source="import",
            )
        )
    Incident.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def load(*, seed: int = 2023, scale: int = 1, stdout: TextIO | None = None) -> dict[str, Any]:
    """Create the city bureau and its cases (idempotent). Returns what was created and the logins."""
    rng = random.Random(seed * 7919 + 5)
    gen = Generator(seed + 17)
    with transaction.atomic():
        seed_module_apply()
        bureau, units, officers = _bureau(gen)
        logins = _logins(bureau, units, officers)
        logins += demo_transfers.load()  # 行刑衔接: 水利局 partner account and transfers
        logins += demo_cooperation.load()  # 区域协作 and 专项行动: 巴彦淖尔市公安局, shared clue, campaigns
        if Case.objects.filter(unit__path__startswith=bureau.path).exists():
            return {"cases_created": 0, "logins": logins}
        leader = User.objects.filter(username="city_leader").first()
        legal = User.objects.filter(username="city_legal").first()
        builder = _Builder(rng, gen)
        _plan_env_cases(builder, units, officers, ENV_CASES * max(1, scale))
        _plan_traffic_cases(builder, TRAFFIC_CASES * max(1, scale))
        counts = _write(builder, leader, legal)
        stations = [u for code, u in units.items() if u.kind == Unit.Kind.STATION]
        counts["incidents"] = _incidents(builder, stations, 150 * max(1, scale))
        figures.rebuild()  # the monthly case figures of the rows just written around the services
        audit.record(
            "cases.demo.load",
            object_type="org.unit",
            object_id=str(bureau.pk),
            object_repr=bureau.name,
            changes={**counts, "seed": seed, "scale": scale},
        )
    if stdout is not None:
        stdout.write(f"  警情与案件: {counts}\n")
    return {"cases_created": counts["cases"], "logins": logins}


def seed_module_apply() -> None:
    """The code tables exist after migrations; re-applying them is harmless and heals a wiped table."""
    from django.apps import apps

    seed.apply(apps)
