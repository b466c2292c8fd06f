"""The code tables seeded by migration 0002 (and re-applied by the demo): incident categories and a
realistic subset of a 6-digit hierarchical 案由 table in the GA 240.1 style.

Codes: two digits of class, two of sub-class, two of item (030000 → 030100 → 030102). Class 01–09
are criminal, 51–59 administrative. The tags drive the figures' category filter: ``env_food_drug``
(涉环食药) covers environmental, food, drug and counterfeit-goods crime and the trademark
counterfeiting that protects regional agricultural brands.
"""

from __future__ import annotations

from typing import Any

TAGS = [
    ("env_food_drug", "涉环食药"),
    ("environment", "涉环境资源"),
    ("food", "涉食品"),
    ("drug", "涉药品"),
    ("ip", "涉知识产权"),
    ("traffic", "涉交通"),
]

C, A = "criminal", "administrative"
EFD = "env_food_drug"

# (code, name, kind, tags)
CASE_CATEGORIES: list[tuple[str, str, str, tuple[str, ...]]] = [
    ("020000", "危害公共安全案", C, ()),
    ("020100", "交通安全类案件", C, ("traffic",)),
    ("020101", "交通肇事案", C, ("traffic",)),
    ("020102", "危险驾驶案", C, ("traffic",)),
    ("030000", "破坏社会主义市场经济秩序案", C, ()),
    ("030100", "生产、销售伪劣商品案", C, (EFD,)),
    ("030101", "生产、销售伪劣产品案", C, (EFD,)),
    ("030102", "生产、销售、提供假药案", C, (EFD, "drug")),
    ("030103", "生产、销售、提供劣药案", C, (EFD, "drug")),
    ("030104", "生产、销售不符合安全标准的食品案", C, (EFD, "food")),
    ("030105", "生产、销售有毒、有害食品案", C, (EFD, "food")),
    ("030106", "生产、销售伪劣农药、兽药、化肥、种子案", C, (EFD,)),
    ("030700", "侵犯知识产权案", C, ("ip",)),
    ("030701", "假冒注册商标案", C, (EFD, "ip")),
    ("030702", "销售假冒注册商标的商品案", C, (EFD, "ip")),
    ("040000", "侵犯公民人身权利、民主权利案", C, ()),
    ("040101", "故意伤害案", C, ()),
    ("050000", "侵犯财产案", C, ()),
    ("050101", "盗窃案", C, ()),
    ("050102", "诈骗案", C, ()),
    ("060000", "妨害社会管理秩序案", C, ()),
    ("060500", "危害公共卫生案", C, ()),
    ("060501", "妨害药品管理案", C, (EFD, "drug")),
    ("060600", "破坏环境资源保护案", C, (EFD, "environment")),
    ("060601", "污染环境案", C, (EFD, "environment")),
    ("060602", "非法处置进口的固体废物案", C, (EFD, "environment")),
    ("060603", "危害珍贵、濒危野生动物案", C, (EFD, "environment")),
    ("060604", "非法狩猎案", C, (EFD, "environment")),
    ("060605", "非法占用农用地案", C, (EFD, "environment")),
    ("060606", "非法采矿案(含非法采砂)", C, (EFD, "environment")),
    ("060607", "滥伐林木案", C, (EFD, "environment")),
    ("510000", "违反治安管理行为案", A, ()),
    ("510101", "扰乱单位秩序案", A, ()),
    ("510301", "殴打他人案", A, ()),
    ("510401", "盗窃案(治安)", A, ()),
    ("510501", "阻碍执行职务案", A, ()),
    ("520000", "道路交通安全违法案", A, ("traffic",)),
    ("520101", "饮酒后驾驶机动车案", A, ("traffic",)),
    ("520102", "无证驾驶机动车案", A, ("traffic",)),
    ("520103", "肇事逃逸尚不构成犯罪案", A, ("traffic",)),
    ("530000", "环境食药违法行政拘留案", A, (EFD,)),
    ("530101", "逃避监管违法排放污染物案(环境保护法第63条)", A, (EFD, "environment")),
    ("530201", "食品安全违法行政拘留案(食品安全法第123条)", A, (EFD, "food")),
    ("530301", "药品违法行政拘留案(药品管理法)", A, (EFD, "drug")),
]

# (code, name, parent code, recording mandatory, disposal limit amount, unit)
INCIDENT_CATEGORIES: list[tuple[str, str, str | None, bool, float | None, str]] = [
    ("01", "刑事", None, True, 24, "natural_hours"),
    ("0101", "盗窃", "01", True, None, ""),
    ("0102", "诈骗", "01", True, None, ""),
    ("0103", "伤害", "01", True, None, ""),
    ("0104", "环境食药犯罪", "01", True, None, ""),
    ("02", "治安", None, True, 24, "natural_hours"),
    ("0201", "打架斗殴", "02", True, None, ""),
    ("0202", "扰乱秩序", "02", True, None, ""),
    ("03", "交通", None, True, 12, "natural_hours"),
    ("0301", "交通事故", "03", True, None, ""),
    ("0302", "交通堵塞", "03", False, None, ""),
    ("0303", "酒后驾驶", "03", True, None, ""),
    ("04", "求助", None, False, 4, "natural_hours"),
    ("0401", "走失求助", "04", False, None, ""),
    ("0402", "救助", "04", False, None, ""),
    ("05", "纠纷", None, True, 24, "natural_hours"),
    ("0501", "家庭纠纷", "05", True, None, ""),
    ("0502", "邻里纠纷", "05", True, None, ""),
    ("06", "举报", None, False, 3, "working_days"),
    ("0601", "环境污染举报", "06", False, None, ""),
    ("0602", "食品药品举报", "06", False, None, ""),
    ("09", "其他", None, False, 24, "natural_hours"),
]


def parent_code(code: str) -> str | None:
    """030102 → 030100 → 030000 → None."""
    if code.endswith("0000"):
        return None
    if code.endswith("00"):
        return code[:2] + "0000"
    return code[:4] + "00"


def apply(apps: Any) -> None:
    """Create or update the seeded rows (idempotent; ``apps`` is a migration state or django.apps)."""
    tag_model = apps.get_model("cases", "CaseTag")
    category_model = apps.get_model("cases", "CaseCategory")
    incident_model = apps.get_model("cases", "IncidentCategory")
    tags = {}
    for code, name in TAGS:
        tags[code], _ = tag_model.objects.update_or_create(code=code, defaults={"name": name})
    rows: dict[str, Any] = {}
    for code, name, kind, tag_codes in CASE_CATEGORIES:
        parent = parent_code(code)
        while parent is not None and parent not in rows:
            parent = parent_code(parent)
        row, _ = category_model.objects.update_or_create(
            code=code, defaults={"name": name, "kind": kind, "parent": rows.get(parent) if parent else None}
        )
        row.tags.add(*(tags[t] for t in tag_codes))
        rows[code] = row
    incidents: dict[str, Any] = {}
    for order, (code, name, parent, recording, amount, unit) in enumerate(INCIDENT_CATEGORIES):
        incidents[code], _ = incident_model.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "parent": incidents.get(parent) if parent else None,
                "recording_mandatory": recording,
                "disposal_limit_amount": amount,
                "disposal_limit_unit": unit,
                "order": order,
            },
        )
