"""``jingwu createadmin``: create a system account holding one of the three separated admin roles.

The password is prompted (twice) or read from ``--password-file`` and must pass the password
validators; the account has no TOTP device yet, so its first login goes through TOTP setup.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from jingwu.core import audit, context
from jingwu.org.roles import ADMIN_TRIAD, ROLES
from jingwu.org.services import role_assign


class Command(BaseCommand):
    help = (
        "创建三员(系统管理员/安全管理员/审计管理员)系统账号,首次登录须绑定动态口令 / "
        "create a system account with one of the three admin roles (TOTP set up at first login)"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--role", required=True, choices=sorted(ADMIN_TRIAD), help="sysadmin / secadmin / auditadmin"
        )
        parser.add_argument("--password-file", help="从文件首行读取密码 / read the password from the file's first line")

    def _password(self, options: dict[str, Any]) -> str:
        if options.get("password_file"):
            try:
                lines = Path(options["password_file"]).read_text(encoding="utf-8").splitlines()
            except OSError as exc:
                raise CommandError(f"无法读取密码文件 / cannot read the password file: {exc}") from exc
            return lines[0] if lines else ""
        if not sys.stdin.isatty():
            raise CommandError("请在终端中运行,或使用 --password-file / run in a terminal or pass --password-file")
        first = getpass.getpass("密码 / password: ")
        second = getpass.getpass("再次输入 / again: ")
        if first != second:
            raise CommandError("两次输入的密码不一致 / the passwords differ")
        return first

    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        username = options["username"].strip()
        role = options["role"]
        if not username:
            raise CommandError("用户名不能为空 / the username is required")
        if User.objects.filter(username=username).exists():
            raise CommandError(f"账号 {username} 已存在 / this username is taken")
        password = self._password(options)
        candidate = User(username=username, is_system=True)
        try:
            validate_password(password, user=candidate)
        except ValidationError as exc:
            raise CommandError("密码不符合要求 / weak password:\n  " + "\n  ".join(exc.messages)) from exc
        definition = ROLES[role]
        with context.acting(origin="command"), transaction.atomic():
            user = User.objects.create_user(username=username, password=password, is_system=True)
            audit.record(
                "org.user.create",
                obj=user,
                changes={"role": role, "system": True, "otp_setup_pending": True},
                message=f"命令行创建{definition.name}账号",
            )
            role_assign(actor=None, user=user, role=role, unit=None)
        self.stdout.write(
            self.style.SUCCESS(
                f"已创建{definition.name}账号 {username};首次登录时须用手机验证器绑定动态口令 / "
                f"created {role} account {username}; TOTP is set up at first login"
            )
        )
