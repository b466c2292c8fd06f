from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError


class ComplexityValidator:
    """等保三级: a password mixes at least three of upper case, lower case, digits and symbols."""

    def validate(self, password: str, user: Any = None) -> None:
        classes = [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
        if sum(classes) < 3:
            raise ValidationError(
                "密码须包含大写字母、小写字母、数字、符号中的至少三类 / "
                "the password must mix at least three of: upper case, lower case, digits, symbols",
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return "密码须包含大写字母、小写字母、数字、符号中的至少三类。"
