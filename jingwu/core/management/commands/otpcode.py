"""``jingwu otpcode <username>``: the current TOTP code of a demo user (development mode only)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingwu.core.security import confirmed_device, current_code


class Command(BaseCommand):
    help = "打印示范账号当前的动态口令(仅开发模式)/ print a demo user's current TOTP code (development only)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        if not (settings.DEV or settings.DEBUG):
            raise CommandError(
                "仅在开发模式(JINGWU_DEV=1)下可用;生产环境的动态口令只在用户自己的手机上 / "
                "development mode only (JINGWU_DEV=1)"
            )
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"没有账号 {options['username']} / no such user")
        device = confirmed_device(user)
        if device is None:
            raise CommandError(f"{user.username} 没有绑定动态口令 / has no TOTP device")
        self.stdout.write(current_code(device))
