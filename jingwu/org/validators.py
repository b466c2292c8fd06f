"""Checks for identifiers: citizen ID numbers (GB 11643-1999), unit codes, 警号."""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError
from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError


def upgrade_15_to_18(number: str) -> str:
    """A legacy 15-digit number gains the century '19' and its MOD 11-2 check character."""
    body = number[:6] + "19" + number[6:]
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


def normalise_id_number(value: str) -> str:
    """Validate a citizen ID number and return its 18-character form.

    Raises ``ValidationError`` with a Chinese and English reason: wrong length, wrong characters,
    impossible birth date, or wrong check character.
    """
    number = "".join(str(value or "").split()).upper()
    if not number:
        raise ValidationError("身份证号不能为空 / ID number is required", code="required")
    if len(number) == 15:
        if not number.isdigit():
            raise ValidationError("15位身份证号只能由数字组成 / a 15-digit ID number has digits only", code="format")
        number = upgrade_15_to_18(number)
    if len(number) != 18:
        raise ValidationError(
            f"身份证号应为18位(或15位旧号),实际{len(number)}位 / ID number must have 18 characters (or 15), got {len(number)}",
            code="length",
        )
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise ValidationError("身份证号前17位须为数字,末位为数字或X / 17 digits then a digit or X", code="format")
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise ValidationError(
            f"身份证号中的出生日期 {number[6:14]} 不存在 / birth date {number[6:14]} does not exist",
            code="birth_date",
        ) from exc
    if birth > date.today() or birth.year < 1900:
        raise ValidationError("身份证号中的出生日期不合理 / birth date out of range", code="birth_date")
    try:
        ric.validate(number)
    except InvalidChecksum as exc:
        raise ValidationError("身份证号校验码错误 / wrong check character", code="checksum") from exc
    except InvalidComponent as exc:
        raise ValidationError("身份证号地区码无效 / invalid region code", code="region") from exc
    except (InvalidFormat, InvalidLength, StdnumError) as exc:
        raise ValidationError(f"身份证号格式错误 / invalid ID number: {exc}", code="format") from exc
    return number


def birth_date_of(id_number: str) -> date:
    return ric.get_birth_date(id_number)


def gender_of(id_number: str) -> str:
    return "M" if int(id_number[16]) % 2 == 1 else "F"


UNIT_CODE_RE = re.compile(r"^\d{6}[0-9A-Z]{6}$")


def validate_unit_code(code: str) -> None:
    """GA/T 380 style: 12 characters, the first six a GB/T 2260 administrative division code."""
    if not UNIT_CODE_RE.match(code or ""):
        raise ValidationError(
            "机构代码应为12位,前6位为行政区划代码,后6位为数字或大写字母 / "
            "unit code: 12 characters, the first 6 a division code",
            code="unit_code",
        )
    division = code[:6]
    if not is_division_code(division):
        raise ValidationError(
            f"机构代码前6位 {division} 不是有效的行政区划代码 / {division} is not a GB/T 2260 division code",
            code="division",
        )


def is_division_code(division: str) -> bool:
    """Whether a six-digit code is (or was) a GB/T 2260 division: province, prefecture or county.

    Uses python-stdnum's copy of the GB/T 2260 history, the same table the ID number check uses.
    """
    from stdnum import numdb

    if not (len(division) == 6 and division.isdigit()):
        return False
    levels = numdb.get("cn/loc").info(division)
    if len(levels) < 2 or not levels[0][1]:
        return False
    return bool(levels[1][1]) or division[2:] == "0000"


POLICE_NUMBER_RE = re.compile(r"^\d{6}$")
AUX_NUMBER_RE = re.compile(r"^F\d{6,8}$")


def validate_police_number(number: str, kind: str) -> None:
    """民警: six digits; 辅警 have their own series: 'F' then 6–8 digits."""
    if kind == "police" and not POLICE_NUMBER_RE.match(number or ""):
        raise ValidationError("民警警号应为6位数字 / a police number has 6 digits", code="police_number")
    if kind == "auxiliary" and not AUX_NUMBER_RE.match(number or ""):
        raise ValidationError(
            "辅警编号应为F加6至8位数字 / an auxiliary number is F followed by 6-8 digits",
            code="police_number",
        )
