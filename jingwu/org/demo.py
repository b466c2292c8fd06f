"""The demo unit of the brief: 鄂尔多斯市公安局交通管理支队 → 达拉特旗大队 with its squadrons,
offices, two party branches, four leaders and 327 民警 and 辅警, plus one login per role.

Deterministic for a seed; ``scale`` adds further brigades (each a copy of the structure with its
own people) so benchmarks can load a city bureau or a province. Loading twice changes nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TextIO

from django.db import transaction

from jingwu.core import audit, crypto

from .models import Person, RoleAssignment, Unit, User
from .pinyin import name_pinyin
from .roles import ROLES

DEMO_PASSWORD = "Jingwu@2026"
DETACHMENT_CODE = "150600000000"
BRIGADE_CODE = "150621000000"

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
    "乌其格图敖包斯"
)
GIVEN = (
    "伟刚勇毅俊峰强军平保东文辉力明永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发武新利清飞彬富顺信子杰涛昌成康星光天达安岩中茂进林有坚和彪博诚先敬震振壮会思群豪心邦承乐绍功松善厚庆磊民友裕河哲江超浩亮政谦亨奇固之轮翰朗伯宏言若鸣朋斌梁栋维启克伦翔旭鹏泽晨辰士以建家致树炎德行时泰盛雄琛钧冠策腾楠榕风航弘"
    "秀娟英华慧巧美娜静淑惠珠翠雅芝玉萍红娥玲芬芳燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹霞香月莺媛艳瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝思丽"
    "巴特尔图雅娜仁其木格斯琴"
)

# (suffix, name, kind, police, auxiliary) — 327 people in the brigade with the leaders below.
SQUADRONS = [
    ("01", "城区一中队", 26, 32),
    ("02", "城区二中队", 24, 30),
    ("03", "耳字壕中队", 13, 15),
    ("04", "树林召中队", 13, 15),
    ("05", "王爱召中队", 12, 14),
    ("06", "事故处理中队", 20, 14),
    ("07", "高速公路中队", 16, 18),
]
OFFICES = [
    ("11", "综合办公室", 9, 6),
    ("12", "法制室", 6, 2),
    ("13", "秩序管理室", 6, 4),
    ("14", "勤务督察室", 5, 2),
    ("15", "车驾管室", 6, 15),
]
# 323 in squadrons and offices + 4 leaders = the brief's 327 民警和辅警.
assert sum(p + a for _, _, p, a in SQUADRONS + OFFICES) + 4 == 327
LEADERS = [
    ("张钢", "大队长", "一级警长"),
    ("李文斌", "政治教导员", "一级警长"),
    ("王海军", "副大队长", "二级警长"),
    ("赵建国", "副大队长", "二级警长"),
]
POSITIONS_POLICE = ["民警", "民警", "民警", "民警", "警长"]
HEADS = {"squadron": ("中队长", "指导员", "副中队长"), "office": ("主任", "副主任")}
RANKS = ["一级警员", "二级警员", "三级警司", "二级警司", "一级警司", "三级警督", "二级警督"]


@dataclass
class DemoLogin:
    username: str
    role: str
    unit: str
    scope: str
    person: str


class Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.used_ids: set[str] = set()
        self.used_names: set[str] = set()

    def name(self, female: bool) -> str:
        for _ in range(50):
            surname = self.rng.choice(SURNAMES)
            pool = GIVEN[150:] if female else GIVEN[:150]
            given = "".join(self.rng.choice(pool) for _ in range(self.rng.choice((1, 2, 2))))
            name = surname + given
            if name not in self.used_names:
                self.used_names.add(name)
                return name
        return name

    def id_number(self, division: str, birth: date, female: bool) -> str:
        division = id_region(division, birth)
        while True:
            seq = self.rng.randrange(0, 500) * 2 + (0 if female else 1)
            number = _with_check(f"{division}{birth:%Y%m%d}{seq:03d}")
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def phone(self) -> str:
        return self.rng.choice(["13", "15", "18", "17", "19"]) + "".join(str(self.rng.randrange(10)) for _ in range(9))

    def birth(self, young: bool) -> date:
        start = date(1988, 1, 1) if young else date(1966, 1, 1)
        return start + timedelta(days=self.rng.randrange(0, 365 * 16))


# GB/T 2260 codes change over time and an ID number keeps the code valid when it was issued:
# 达拉特旗 was 152722 (伊克昭盟) before 2001 and is 150621 (鄂尔多斯市) since. python-stdnum checks this.
_OLD_CODES = {
    "150621": "152722",
    "150602": "152701",
    "150622": "152723",
    "150623": "152724",
    "150624": "152725",
    "150625": "152726",
    "150626": "152727",
    "150627": "152728",
}
BRIGADE_COUNTIES = [
    "150621",
    "150602",
    "150622",
    "150623",
    "150624",
    "150625",
    "150626",
    "150627",
    "150102",
    "150103",
    "150104",
    "150105",
    "150121",
    "150202",
    "150203",
    "150204",
    "150205",
    "150802",
    "150821",
    "150822",
    "150823",
    "150824",
    "150825",
    "150826",
]


# Codes with no end date in GB/T 2260 history: valid for any birth year (a person's birthplace need
# not be where they serve).
_STABLE_CODES = ("150121", "150122", "150221", "150222", "152201", "152221", "152222", "152223")
_region_cache: dict[tuple[str, int], str] = {}


def id_region(division: str, birth: date) -> str:
    """A birthplace code that python-stdnum accepts for this birth date, as close to ``division`` as it gets."""
    key = (division, birth.year)
    if key not in _region_cache:
        from stdnum.cn import ric

        candidates = [division, _OLD_CODES.get(division, division), *_STABLE_CODES]
        probe_date = date(birth.year, 6, 30)
        for code in candidates:
            try:
                ric.validate(_with_check(f"{code}{probe_date:%Y%m%d}001"))
            except Exception:  # noqa: S112 - try the next candidate
                continue
            _region_cache[key] = code
            break
        else:
            _region_cache[key] = "110101"
    return _region_cache[key]


def _with_check(body17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(body17, weights, strict=True))
    return body17 + "10X98765432"[total % 11]


def _unit(parent: Unit | None, code: str, name: str, kind: str, order: int, short: str = "") -> Unit:
    existing = Unit.objects.filter(code=code).first()
    if existing:
        return existing
    unit = Unit(code=code, name=name, kind=kind, order=order, short_name=short)
    return Unit.objects.add_root(instance=unit) if parent is None else Unit.objects.add_child(parent, instance=unit)


def _people_rows(
    gen: Generator,
    unit: Unit,
    division: str,
    police: int,
    aux: int,
    counters: dict[str, int],
    branches: list[Unit],
) -> list[Person]:
    rows = []
    for i in range(police + aux):
        is_police = i < police
        female = gen.rng.random() < (0.18 if is_police else 0.35)
        birth = gen.birth(young=not is_police or gen.rng.random() < 0.5)
        name = gen.name(female)
        if is_police:
            counters["police"] += 1
            number = f"{counters['police']:06d}"
        else:
            counters["aux"] += 1
            number = f"F{counters['aux']:07d}"
        heads = HEADS["squadron" if unit.kind == Unit.Kind.SQUADRON else "office"]
        position = heads[i] if is_police and i < len(heads) else ""
        rows.append(_person(gen, unit, division, name, female, birth, is_police, number, branches, position))
    return rows


def _person(
    gen: Generator,
    unit: Unit,
    division: str,
    name: str,
    female: bool,
    birth: date,
    is_police: bool,
    number: str,
    branches: list[Unit],
    position: str = "",
    rank: str = "",
) -> Person:
    id_number = gen.id_number(division, birth, female)
    full, initials = name_pinyin(name)
    # Leaders and unit heads are party members; other 民警 mostly are, 辅警 are not counted here.
    party = is_police and (bool(position and position != "民警") or gen.rng.random() < 0.78)
    return Person(
        police_number=number,
        kind=Person.Kind.POLICE if is_police else Person.Kind.AUXILIARY,
        name=name,
        name_pinyin=full,
        name_initials=initials,
        gender="F" if female else "M",
        birth_date=birth,
        id_number=id_number,
        id_number_index=crypto.blind_index(id_number),
        phone=gen.phone(),
        unit=unit,
        position=position or (gen.rng.choice(POSITIONS_POLICE) if is_police else "辅警"),
        rank=rank or (gen.rng.choice(RANKS) if is_police else ""),
        political_status=Person.PoliticalStatus.CPC
        if party
        else gen.rng.choice(
            [Person.PoliticalStatus.MASSES, Person.PoliticalStatus.LEAGUE, Person.PoliticalStatus.MASSES]
        ),
        party_branch=gen.rng.choice(branches) if party and branches else None,
        joined_on=date(max(birth.year + 21, 1990), gen.rng.randrange(1, 13), 1),
        status=Person.Status.ACTIVE,
    )


def _build_brigade(gen: Generator, parent: Unit, index: int, counters: dict[str, int]) -> tuple[Unit, list[Person]]:
    """One brigade with its squadrons, offices, two party branches and people (not yet saved)."""
    if index == 0:
        division, brigade_code, brigade_name = "150621", BRIGADE_CODE, "达拉特旗大队"
    else:
        division = BRIGADE_COUNTIES[index % len(BRIGADE_COUNTIES)]
        brigade_code = f"{division}{index:04d}00"
        brigade_name = f"示范第{index}大队"
    # Codes: county (6) + brigade number (4) + unit within the brigade (2): unique for 9,999 brigades.
    brigade = _unit(parent, brigade_code, brigade_name, Unit.Kind.BRIGADE, index + 1)
    prefix = brigade_code[:10]
    branches = [
        _unit(brigade, f"{prefix}D1", "第一党支部", Unit.Kind.PARTY_BRANCH, 90),
        _unit(brigade, f"{prefix}D2", "第二党支部", Unit.Kind.PARTY_BRANCH, 91),
    ]
    people: list[Person] = []
    if brigade.people.exists():
        return brigade, people
    for suffix, name, police, aux in SQUADRONS + OFFICES:
        kind = Unit.Kind.SQUADRON if "中队" in name else Unit.Kind.OFFICE
        sub = _unit(brigade, f"{prefix}{suffix}", name, kind, int(suffix))
        people += _people_rows(gen, sub, division, police, aux, counters, branches)
    for name, position, rank in LEADERS:
        gen.used_names.add(name)
        counters["police"] += 1
        female = False
        people.append(
            _person(
                gen,
                brigade,
                division,
                name if index == 0 else gen.name(female),
                female,
                gen.birth(False),
                True,
                f"{counters['police']:06d}",
                branches,
                position,
                rank,
            )
        )
    return brigade, people


DEMO_USERS = [
    # username, role, unit (code suffix within brigade or None for detachment), scope, person selector
    ("leader", "leadership", "brigade", "subtree", "张钢"),
    # the 支队's 接诉即办 desk: dispatches to the brigades (两级派单: 支队 → 大队 → 中队)
    ("dispatcher", "leadership", "detachment", "subtree", None),
    ("lead", "unit_lead", "03", "subtree", "squadron-lead"),
    ("officer", "officer", "03", "own", "squadron-officer"),
    ("legal", "legal", "brigade", "subtree", "office-12"),
    ("discipline", "discipline", "brigade", "subtree", "office-14"),
    ("political", "political", "brigade", "subtree", "office-11"),
    ("custodian", "custodian", "11", "unit", "office-11b"),
    ("sysadmin", "sysadmin", None, "all", None),
    ("secadmin", "secadmin", None, "all", None),
    ("auditadmin", "auditadmin", None, "all", None),
]


def _demo_users(detachment: Unit, brigade: Unit) -> list[DemoLogin]:
    logins = []
    prefix = brigade.code[:10]
    used: set[int] = set()
    for username, role, where, scope, who in DEMO_USERS:
        if where is None:
            unit = None
        elif where == "detachment":
            unit = detachment
        elif where == "brigade":
            unit = brigade
        else:
            unit = Unit.objects.get(code=f"{prefix}{where}")
        person = None
        if who == "张钢":
            person = Person.objects.get(name="张钢", unit=brigade)
        elif who is not None:
            home = unit if unit != brigade else None
            if who.startswith("office-"):
                home = Unit.objects.get(code=f"{prefix}{who[7:9]}")
            candidates = (
                Person.objects.filter(unit=home, kind=Person.Kind.POLICE).exclude(pk__in=used).order_by("police_number")
            )
            if who == "squadron-officer":
                candidates = candidates.filter(position="民警")
            person = candidates.first()
        if person is not None:
            used.add(person.pk)
        user = User.objects.filter(username=username).first()
        if user is None:
            # a login without a person is a system account, except a desk's (a role at a unit)
            user = User(username=username, person=person, is_system=person is None and unit is None)
            user.set_password(DEMO_PASSWORD)
            user.save()
            RoleAssignment.objects.create(user=user, role=role, unit=unit, scope=scope)
        if ROLES[role].requires_otp:
            _demo_totp_device(user)
        logins.append(
            DemoLogin(username, role, unit.name if unit else detachment.name, scope, person.name if person else "—")
        )
    return logins


def _demo_totp_device(user: User) -> None:
    """A confirmed TOTP device with a fixed per-user demo secret, so the demo's admin roles can log in
    (``jingwu otpcode <username>`` prints the current code in development mode)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from jingwu.core.security import DEVICE_NAME, demo_totp_key

    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        TOTPDevice.objects.create(user=user, name=DEVICE_NAME, key=demo_totp_key(user.username), confirmed=True)


def load(*, seed: int = 2023, scale: int = 1, stdout: TextIO | None = None) -> dict[str, Any]:
    """Create the demo organisation (idempotent). Returns what was created and the logins."""
    gen = Generator(seed)
    with transaction.atomic():
        detachment = _unit(None, DETACHMENT_CODE, "鄂尔多斯市公安局交通管理支队", Unit.Kind.DETACHMENT, 1, "交管支队")
        existing_people = Person.objects.count()
        counters = {
            "police": Person.objects.filter(kind=Person.Kind.POLICE).count() + 100000,
            "aux": Person.objects.filter(kind=Person.Kind.AUXILIARY).count(),
        }
        created = 0
        brigade0 = None
        for index in range(scale):
            brigade, people = _build_brigade(gen, detachment, index, counters)
            if index == 0:
                brigade0 = brigade
            if people:
                Person.objects.bulk_create(people, batch_size=1000)
                created += len(people)
                if stdout and scale > 1 and index % 10 == 9:
                    stdout.write(f"  {index + 1}/{scale} 个大队 / brigades\n")
        assert brigade0 is not None
        logins = _demo_users(detachment, brigade0)
        if created:
            audit.record(
                "org.demo.load",
                object_type="org.unit",
                object_id=str(detachment.pk),
                object_repr=detachment.name,
                changes={"people_created": created, "seed": seed, "scale": scale},
            )
    if stdout is not None:
        otp_users = ", ".join(login.username for login in logins if ROLES[login.role].requires_otp)
        stdout.write(
            f"动态口令 / TOTP: {otp_users} 登录时需输入动态口令,运行 `JINGWU_DEV=1 jingwu otpcode <用户名>` "
            "获取当前口令 / these logins ask for a TOTP code: run `JINGWU_DEV=1 jingwu otpcode <username>`\n"
        )
    return {"people_before": existing_people, "people_created": created, "logins": logins}
