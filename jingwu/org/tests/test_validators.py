"""Citizen ID numbers (GB 11643-1999), unit codes and 警号."""

import pytest
from django.core.exceptions import ValidationError

from jingwu.org.validators import (
    gender_of,
    normalise_id_number,
    upgrade_15_to_18,
    validate_police_number,
    validate_unit_code,
)

VALID = "11010519491231002X"  # the standard's own example: 北京市朝阳区, born 1949-12-31, female


def reason(value: str) -> tuple[str, str]:
    with pytest.raises(ValidationError) as exc:
        normalise_id_number(value)
    return exc.value.code, exc.value.messages[0]


def test_valid_number_is_accepted_and_normalised():
    assert normalise_id_number(VALID) == VALID
    assert normalise_id_number(" 11010519491231002x ") == VALID  # spaces and a lower-case x are tolerated
    assert gender_of(VALID) == "F"


def test_wrong_check_character_is_refused_with_the_reason():
    code, message = reason("110105194912310021")
    assert code == "checksum"
    assert "校验码错误" in message and "wrong check character" in message


def test_impossible_birth_date_is_refused_before_the_checksum():
    code, message = reason("110105194902300021")  # 30 February
    assert code == "birth_date"
    assert "19490230" in message and "不存在" in message


def test_future_birth_date_is_refused():
    code, _ = reason("110105209901010012")
    assert code == "birth_date"


def test_fifteen_digit_legacy_number_is_upgraded_to_eighteen():
    assert upgrade_15_to_18("110105491231002") == VALID
    assert normalise_id_number("110105491231002") == VALID


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "required"),
        ("12345", "length"),
        ("11010519491231002", "length"),
        ("1101051949123100AX", "format"),
        ("11010549123100A", "format"),
    ],
)
def test_malformed_numbers_say_what_is_wrong(value, code):
    assert reason(value)[0] == code


def test_region_code_must_have_existed_at_birth():
    # 150621 (达拉特旗, 鄂尔多斯市) exists only since 2001; someone born in 1990 there has 152722.
    from jingwu.org.demo import _with_check

    assert reason(_with_check("150621199001011231"[:17]))[0] == "region"
    assert normalise_id_number(_with_check("152722199001011231"[:17]))


def test_unit_codes_and_police_numbers():
    validate_unit_code("150621000003")
    for bad in ("15062100003", "990621000003", "1506210000a3", "150699000003"):
        with pytest.raises(ValidationError):
            validate_unit_code(bad)
    validate_police_number("100157", "police")
    validate_police_number("F0000012", "auxiliary")
    with pytest.raises(ValidationError):
        validate_police_number("F0000012", "police")
    with pytest.raises(ValidationError):
        validate_police_number("100157", "auxiliary")
