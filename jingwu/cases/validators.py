"""Checks for case numbers, incident numbers, ID numbers and 统一社会信用代码 (field-level messages)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import InvalidChecksum, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError

from jingwu.org.validators import normalise_id_number

__all__ = [
    "CASE_NUMBER_PREFIX",
    "case_number_for",
    "normalise_id_number",
    "normalise_uscc",
    "validate_case_number",
    "validate_incident_number",
]

# 案件编号: one letter for the kind (A 刑事, X 行政), the handling unit's 12-character code, the
# year of 受案 and a six-digit sequence within that unit and year — 23 characters, e.g.
# A150621000100 2024 000017 → "A1506210001002024000017".
CASE_NUMBER_PREFIX = {"criminal": "A", "administrative": "X"}
CASE_NUMBER_RE = re.compile(r"^([AX])([0-9]{6}[0-9A-Z]{6})(\d{4})(\d{6})$")
INCIDENT_NUMBER_RE = re.compile(r"^[0-9A-Z][0-9A-Z\-]{5,39}$")


def case_number_for(kind: str, unit_code: str, year: int, sequence: int) -> str:
    return f"{CASE_NUMBER_PREFIX[kind]}{unit_code}{year:04d}{sequence:06d}"


def validate_case_number(number: str, *, kind: str, unit_code: str, year: int) -> str:
    """Return the normalised number or raise ``ValidationError`` explaining which part is wrong."""
    number = "".join(str(number or "").split()).upper()
    match = CASE_NUMBER_RE.match(number)
    if not match:
        raise ValidationError(
            "案件编号应为23位:类型字母(刑事A/行政X)+12位办案单位代码+4位年度+6位序号 / "
            "a case number is the kind letter (A/X), the 12-character unit code, the year and a 6-digit sequence",
            code="format",
        )
    letter, code, number_year, sequence = match.groups()
    if letter != CASE_NUMBER_PREFIX.get(kind):
        raise ValidationError(
            f"案件编号首字母应为{CASE_NUMBER_PREFIX.get(kind, '?')}(与案件类型一致) / the letter does not match the kind",
            code="kind",
        )
    if code != unit_code:
        raise ValidationError(
            f"案件编号中的单位代码{code}与办案单位代码{unit_code}不一致 / the unit code differs from the unit's",
            code="unit",
        )
    if int(number_year) != year:
        raise ValidationError(
            f"案件编号中的年度{number_year}与受案年度{year}不一致 / the year differs from the year of acceptance",
            code="year",
        )
    if int(sequence) == 0:
        raise ValidationError("案件编号序号不能为000000 / the sequence cannot be zero", code="sequence")
    return number


def validate_incident_number(number: str) -> str:
    number = "".join(str(number or "").split()).upper()
    if not INCIDENT_NUMBER_RE.match(number):
        raise ValidationError(
            "警情编号应为6至40位数字、大写字母或连字符 / an incident number has 6-40 digits, capitals or hyphens",
            code="format",
        )
    return number


def normalise_uscc(value: str) -> str:
    """A 统一社会信用代码 (GB 32100-2015): 18 characters with a check character."""
    code = "".join(str(value or "").split()).upper()
    if not code:
        raise ValidationError("统一社会信用代码不能为空 / the unified social credit code is required", code="required")
    try:
        return stdnum_uscc.validate(code)
    except InvalidLength as exc:
        raise ValidationError(
            f"统一社会信用代码应为18位,实际{len(code)}位 / must have 18 characters", code="length"
        ) from exc
    except InvalidChecksum as exc:
        raise ValidationError("统一社会信用代码校验码错误 / wrong check character", code="checksum") from exc
    except StdnumError as exc:
        raise ValidationError("统一社会信用代码格式错误 / invalid unified social credit code", code="format") from exc
