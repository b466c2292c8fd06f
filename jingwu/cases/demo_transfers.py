"""Demo of 行刑衔接: the city's 水利局 as a partner agency with its account ``water_bureau`` and a few
transfers both ways with the 环境犯罪侦查大队, written through the services so that every step has
its workflow event and audit row. Idempotent: nothing happens once the agency exists."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from jingwu.core.metrics.compute import SYSTEM
from jingwu.org.demo import DEMO_PASSWORD, DemoLogin
from jingwu.org.models import Unit, User

from .models.agencies import Agency, InterAgencyTransfer, PartnerAccount
from .services import agencies as svc

AGENCY_NAME = "鄂尔多斯市水利局"
RECEIVING_UNIT = "150600G10001"  # 环境犯罪侦查大队

INBOUND = [
    # title, summary, documents, how far it got
    (
        "某砂场非法采砂案",
        "经巡查发现,某砂场在黄河禁采区内非法采砂约1.2万立方米,涉嫌非法采矿罪。",
        "涉嫌犯罪案件移送书\n涉嫌犯罪案件调查报告\n现场勘验笔录\n采砂量测量报告",
        "feedback_filed",
    ),
    (
        "某公司非法取水案",
        "某公司未经许可擅自取用地下水,经查情节较轻,移送公安机关审查。",
        "涉嫌犯罪案件移送书\n调查询问笔录",
        "feedback_refused",
    ),
    (
        "某村民河道倾倒废渣案",
        "某村民在河道管理范围内倾倒工业废渣,疑似含有毒物质,涉嫌污染环境罪。",
        "涉嫌犯罪案件移送书\n水质检测报告",
        "acknowledged",
    ),
    ("某采砂船夜间盗采案", "夜间巡河发现采砂船在禁采期盗采河砂,已扣押采砂船一艘。", "涉嫌犯罪案件移送书", "submitted"),
]
# The first is answered within its limit, the second late: the 按期反馈率 of the demo is 50%.
INBOUND_HOURS_AGO = [40, 300, 20, 3]
OUTBOUND = [
    (
        "某养殖场违规取水线索",
        "办案中发现某养殖场无证取水,不构成犯罪,移送水利局依法处理。",
        "案件移送函\n询问笔录复印件",
        "handled",
    ),
    ("河道违建线索", "巡逻中发现河道管理范围内新建彩钢房一处,移送水利局核查。", "案件移送函\n现场照片", "submitted"),
]


def load() -> list[DemoLogin]:
    """Create the agency, its login and the demo transfers (once)."""
    unit = Unit.objects.filter(code=RECEIVING_UNIT).first()
    lead = User.objects.filter(username="env_lead").first()
    leader = User.objects.filter(username="city_leader").first()
    if unit is None or lead is None or leader is None:
        return []
    login = DemoLogin("water_bureau", "partner", AGENCY_NAME, "own", "—")
    if Agency.objects.filter(name=AGENCY_NAME).exists():
        return [login]
    admin = User.objects.filter(username="sysadmin").first() or SYSTEM
    agency = Agency.objects.create(
        name=AGENCY_NAME,
        kind=Agency.Kind.WATER,
        receiving_unit=unit,
        contact_name="水政监察支队",
        contact_phone="0477-8588000",
    )
    if User.objects.filter(username="water_bureau").exists():
        PartnerAccount.objects.get_or_create(user=User.objects.get(username="water_bureau"), agency=agency)
        partner = User.objects.get(username="water_bureau")
    else:
        partner = _partner_user(admin, agency)
    now = timezone.now()
    for index, (title, summary, documents, reached) in enumerate(INBOUND):
        t = svc.transfer_submit(
            actor=partner,
            title=title,
            summary=summary,
            documents=documents,
            transferred_at=now - timedelta(hours=INBOUND_HOURS_AGO[index]),
        )
        if reached == "submitted":
            continue
        svc.transfer_acknowledge(actor=lead, transfer=t)
        if reached == "acknowledged":
            continue
        filed = reached == "feedback_filed"
        svc.transfer_decide(
            actor=leader,
            transfer=t,
            file=filed,
            reason="" if filed else "情节显著轻微,不认为是犯罪,建议依法给予行政处罚",
        )
        svc.transfer_give_feedback(
            actor=lead,
            transfer=t,
            feedback="经审查,已决定立案侦查。" if filed else "经审查,决定不予立案,案卷退回贵局依法处理。",
        )
    for index, (title, summary, documents, reached) in enumerate(OUTBOUND):
        t = svc.transfer_out(
            actor=lead,
            unit=unit,
            agency=agency,
            title=title,
            summary=summary,
            documents=documents,
            transferred_at=now - timedelta(days=6 - 3 * index),
        )
        if reached == "handled":
            svc.transfer_agency_acknowledge(actor=partner, transfer=t)
            svc.transfer_agency_handle(actor=partner, transfer=t, handling="已立案查处,责令停止取水,罚款2万元。")
    assert InterAgencyTransfer.objects.filter(agency=agency).count() == len(INBOUND) + len(OUTBOUND)
    return [login]


def _partner_user(admin: object, agency: Agency) -> User:
    if isinstance(admin, User):
        return svc.partner_account_create(actor=admin, agency=agency, username="water_bureau", password=DEMO_PASSWORD)
    # No system administrator in this database: create the same account directly.
    from jingwu.core.scope import Scope
    from jingwu.org.models import RoleAssignment

    user = User(username="water_bureau", is_system=True)
    user.set_password(DEMO_PASSWORD)
    user.save()
    RoleAssignment.objects.create(user=user, role="partner", unit=None, scope=Scope.OWN)
    PartnerAccount.objects.create(user=user, agency=agency)
    return user
