"""Demo of 区域协作 and 专项行动: the neighbouring 巴彦淖尔市公安局 as a second bureau (a root unit with
its own logins), a clue shared between the two bureaus with comments from both sides and a link to
a 巴彦淖尔 case; a 候鸟保护专项行动 of 鄂尔多斯 with patrols, joint inspections (findings ready for 立案) and
seizure tallies; and a 天赋河套品牌保护 campaign of 巴彦淖尔 (invisible to 鄂尔多斯).

Deterministic (fixed dates in 2026); idempotent: nothing happens once the campaign exists. Clues,
comments and links go through the services (audited); campaign rows carry historical timestamps and
are written directly, like the rest of the cases demo, with one audit row for the load.
"""

from __future__ import annotations

from datetime import date, datetime

from jingwu.core import audit
from jingwu.core.calendar import TZ
from jingwu.org.demo import DEMO_PASSWORD, DemoLogin, Generator, _person, _unit
from jingwu.org.models import Person, RoleAssignment, Unit, User

from .models import CaseCategory
from .models.campaigns import Campaign, Inspection, Patrol, SeizureKind, SeizureTally
from .models.cooperation import Clue
from .services import cooperation as clues
from .services.cases import case_create

BAYANNUR_CODE = "150800G00000"
BAYANNUR_UNITS = [  # code, name, kind, parent
    ("150800G10000", "巴彦淖尔市公安局食品药品与环境犯罪侦查支队", Unit.Kind.DETACHMENT, BAYANNUR_CODE),
    ("150802G00000", "临河区分局", Unit.Kind.SUB_BUREAU, BAYANNUR_CODE),
    ("150825G00000", "乌拉特前旗公安局", Unit.Kind.SUB_BUREAU, BAYANNUR_CODE),
]
ORDOS_CODE = "150600G00000"
ENV_BRIGADE = "150600G10001"  # 环境犯罪侦查大队
DALAD = "150621G00000"  # 达拉特旗公安局
BIRD_CAMPAIGN = "2026年秋季候鸟保护专项行动"
BRAND_CAMPAIGN = "“天赋河套”农产品区域公用品牌保护专项行动"


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


def _bayannur() -> tuple[Unit, dict[str, Unit], list[Person]]:
    root = _unit(None, BAYANNUR_CODE, "巴彦淖尔市公安局", Unit.Kind.BUREAU, 3, "巴市局")
    units = {BAYANNUR_CODE: root}
    for order, (code, name, kind, parent) in enumerate(BAYANNUR_UNITS):
        units[code] = _unit(units[parent], code, name, kind, order + 1)
    detachment = units["150800G10000"]
    people = list(Person.objects.filter(unit=detachment, kind=Person.Kind.POLICE).order_by("police_number"))
    if not people:
        gen = Generator(8150)
        number = 950000
        for i, (name, female) in enumerate([("乌力吉", False), ("高志远", False), ("萨仁", True), ("杨建军", False)]):
            number += 1
            while Person.objects.filter(police_number=f"{number:06d}").exists():
                number += 1
            people.append(
                _person(
                    gen,
                    detachment,
                    "150802",
                    name,
                    female,
                    date(1980 + i * 3, 3 + i, 10 + i),
                    True,
                    f"{number:06d}",
                    [],
                    "支队长" if i == 0 else "民警",
                )
            )
        Person.objects.bulk_create(people)
    return root, units, people


def _logins(root: Unit, units: dict[str, Unit], people: list[Person]) -> list[DemoLogin]:
    wanted = [
        ("byne_leader", "leadership", root, "subtree", None),
        ("byne_lead", "unit_lead", units["150800G10000"], "subtree", people[0]),
        ("byne_officer", "officer", units["150800G10000"], "own", people[1]),
    ]
    out = []
    for username, role, unit, scope, person in wanted:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, person=person)
            user.set_password(DEMO_PASSWORD)
            user.save()
            RoleAssignment.objects.create(user=user, role=role, unit=unit, scope=scope)
        out.append(DemoLogin(username, role, unit.name, scope, person.name if person else "—"))
    return out


def _patrols(campaign: Campaign, units: list[Unit], people: dict[int, list[Person]]) -> list[Patrol]:
    places = [
        ("黄河达拉特段湿地", "巡护湿地3公里,拆除鸟网2张,宣传群众20余人。"),
        ("罕台川入黄口", "未发现异常,张贴护鸟公告8份。"),
        ("树林召镇农田林网", "发现毒饵投放点1处,收缴毒饵并取样送检。"),
        ("康巴什乌兰木伦湖", "巡查候鸟栖息地,劝离垂钓拍鸟人员5人。"),
        ("王爱召镇滩涂", "清理诱捕器3个、鸟类鸣叫播放器1台。"),
        ("哈什拉川河谷", "夜间巡护,发现可疑车辆1辆,经查无违法物品。"),
    ]
    rows = []
    day = date(2026, 9, 6)
    for i, (place, notes) in enumerate(places * 2):
        unit = units[i % len(units)]
        start = _at(date.fromordinal(day.toordinal() + i * 4), 8 + (i % 3) * 5)
        rows.append(
            Patrol(
                campaign=campaign,
                unit=unit,
                place=place,
                started_at=start,
                ended_at=start.replace(hour=start.hour + 3),
                notes=notes,
            )
        )
    Patrol.objects.bulk_create(rows)
    for i, patrol in enumerate(rows):
        crew = people[patrol.unit_id]
        patrol.people.set(crew[i % 2 : i % 2 + 3])
    return rows


def _inspections(campaign: Campaign, units: list[Unit]) -> list[Inspection]:
    data = [
        (
            "东胜区花鸟鱼虫市场",
            Inspection.Kind.BIRD_MARKET,
            ["市场监管局", "林草局"],
            "发现一商户出售疑似野生画眉鸟6只,无合法来源证明。",
        ),
        ("康巴什某农家乐", Inspection.Kind.RESTAURANT, ["市场监管局"], ""),
        ("某二手交易平台店铺", Inspection.Kind.ONLINE, [], "网店发布捕鸟网、鸟类鸣叫播放器销售信息。"),
        ("达拉特旗某养殖场", Inspection.Kind.BREEDING, ["林草局"], ""),
        ("树林召镇农贸市场", Inspection.Kind.MARKET, ["市场监管局"], ""),
        ("王爱召镇某饭店", Inspection.Kind.RESTAURANT, ["市场监管局", "林草局"], "冷柜内发现疑似野生斑鸠12只。"),
        ("东胜区某宠物店", Inspection.Kind.BIRD_MARKET, ["林草局"], ""),
    ]
    rows = []
    for i, (target, kind, departments, finding) in enumerate(data):
        rows.append(
            Inspection(
                campaign=campaign,
                unit=units[i % len(units)],
                target=target,
                kind=kind,
                inspected_at=_at(date(2026, 9, 10 + i * 3), 10 + i % 4),
                departments=departments,
                has_finding=bool(finding),
                finding=finding,
            )
        )
    Inspection.objects.bulk_create(rows)
    return rows


def _seizures(campaign: Campaign, patrols: list[Patrol], inspections: list[Inspection]) -> int:
    kinds = {k.code: k for k in SeizureKind.objects.all()}
    plan = [
        ("bird_net", 2, patrols[0], None),
        ("poison_bait", 3, patrols[2], None),
        ("trap", 3, patrols[4], None),
        ("decoy_player", 1, patrols[4], None),
        ("bird_net", 5, patrols[6], None),
        ("bird_gun", 1, patrols[8], None),
        ("wild_bird", 6, None, inspections[0]),
        ("bird_net", 4, None, inspections[2]),
        ("decoy_player", 2, None, inspections[2]),
        ("wild_bird", 12, None, inspections[5]),
    ]
    rows = []
    for code, quantity, patrol, inspection in plan:
        source = patrol or inspection
        assert source is not None
        at = patrol.started_at if patrol else inspection.inspected_at  # type: ignore[union-attr]
        rows.append(
            SeizureTally(
                campaign=campaign,
                unit=source.unit,
                kind=kinds[code],
                quantity=quantity,
                recorded_at=at.replace(hour=at.hour + 1),
                patrol=patrol,
                inspection=inspection,
            )
        )
    SeizureTally.objects.bulk_create(rows)
    return len(rows)


def _clue(ordos_env: Unit, root: Unit, byne_people: list[Person]) -> None:
    author = User.objects.filter(username="env_lead").first()
    byne_lead = User.objects.filter(username="byne_lead").first()
    if author is None or byne_lead is None or Clue.objects.filter(owner_unit=ordos_env).exists():
        return
    clue = clues.clue_create(
        actor=author,
        owner_unit=ordos_env,
        title="跨市收购贩卖野生鸟类团伙线索",
        content=(
            "据群众举报并经初查,一团伙在黄河达拉特段湿地张网捕鸟,经乌拉特前旗中转,"
            "通过快递发往外省花鸟市场。涉案车辆为蒙K牌照白色面包车,常在周末夜间活动。"
        ),
        category="wildlife",
        share_with=[root],
    )
    clues.clue_comment(
        actor=byne_lead,
        clue=clue,
        content="我局乌拉特前旗公安局近期查获一起类似案件,嫌疑车辆特征相符,已安排比对。",
    )
    clues.clue_comment(actor=author, clue=clue, content="收到,请比对后反馈车辆轨迹,双方可联合开展收网行动。")
    category = CaseCategory.objects.filter(code="060603").first()
    if category is not None and len(byne_people) >= 2:
        case = case_create(
            actor=byne_lead,
            unit=byne_people[0].unit,
            kind="criminal",
            category=category,
            title="乌拉特前旗非法收购、运输野生鸟类案",
            lead_officer=byne_people[0],
            handling_officers=byne_people[:3],
            summary="根据鄂尔多斯市公安局共享线索,查获非法收购、运输野生鸟类的车辆一辆。",
        )
        clues.clue_link_case(actor=byne_lead, clue=clue, case=case, note="车辆轨迹与线索吻合")


def _campaigns(ordos: Unit, root: Unit) -> dict[str, int]:
    if Campaign.objects.filter(name=BIRD_CAMPAIGN).exists():
        return {}
    env = Unit.objects.get(code=ENV_BRIGADE)
    dalad = Unit.objects.get(code=DALAD)
    stations = list(Unit.objects.filter(path__startswith=dalad.path, kind=Unit.Kind.STATION).order_by("code"))
    bird = Campaign.objects.create(
        unit=ordos,
        name=BIRD_CAMPAIGN,
        starts_on=date(2026, 9, 1),
        ends_on=date(2026, 11, 30),
        goal="守护候鸟迁徙通道:清网、清套、清毒饵,严打非法猎捕、收购、运输、出售野生鸟类违法犯罪。",
        departments=["林业和草原局", "市场监督管理局", "生态环境局"],
    )
    participants = [env, dalad, *stations]
    bird.units.set(participants)
    recorders = [env, *stations]
    people = {
        u.pk: list(Person.objects.filter(unit=u, kind=Person.Kind.POLICE).order_by("police_number")[:4])
        for u in recorders
    }
    patrols = _patrols(bird, recorders, people)
    inspections = _inspections(bird, recorders)
    seized = _seizures(bird, patrols, inspections)
    brand = Campaign.objects.create(
        unit=root,
        name=BRAND_CAMPAIGN,
        starts_on=date(2026, 5, 1),
        ends_on=date(2026, 12, 31),
        goal="严打假冒“天赋河套”商标的农产品,净化市场秩序。",
        departments=["市场监督管理局", "农牧局"],
    )
    brand.units.set([Unit.objects.get(code="150800G10000")])
    Inspection.objects.create(
        campaign=brand,
        unit=Unit.objects.get(code="150800G10000"),
        target="临河区某粮油批发部",
        kind=Inspection.Kind.STORE,
        inspected_at=_at(date(2026, 6, 18), 15),
        departments=["市场监督管理局"],
        has_finding=True,
        finding="查获假冒“天赋河套”商标的面粉120袋。",
    )
    audit.record(
        "cases.demo.campaigns",
        object_type="cases.campaign",
        object_id=str(bird.pk),
        object_repr=bird.name,
        changes={"patrols": len(patrols), "inspections": len(inspections), "seizures": seized},
    )
    return {"patrols": len(patrols), "inspections": len(inspections), "seizures": seized}


def load() -> list[DemoLogin]:
    """The second bureau, its logins, the shared clue and the campaigns (once)."""
    ordos = Unit.objects.filter(code=ORDOS_CODE).first()
    env = Unit.objects.filter(code=ENV_BRIGADE).first()
    if ordos is None or env is None:
        return []
    root, units, people = _bayannur()
    logins = _logins(root, units, people)
    _clue(env, root, people)
    _campaigns(ordos, root)
    return logins
