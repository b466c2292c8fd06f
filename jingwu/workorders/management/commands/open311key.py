"""``jingwu open311key``: make, list and disable the API keys of the Open311 GeoReport v2 endpoints.

    jingwu open311key create --name "随手拍" --unit 150621000000 [--organisation "市民服务中心"] [--read-only]
    jingwu open311key list
    jingwu open311key disable <prefix>

``create`` prints the clear key once: only its SHA-256 is stored, so it cannot be shown again.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingwu.core import context
from jingwu.core.calendar import TZ
from jingwu.org.models import Unit
from jingwu.workorders.models import ApiKey
from jingwu.workorders.open311.keys import api_key_create, api_key_disable


class Command(BaseCommand):
    help = "管理 Open311 接口密钥 / manage the Open311 API keys (create, list, disable)"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="新建密钥(明文只显示一次) / make a key (shown once)")
        create.add_argument("--name", required=True, help="名称,如合作应用名 / the partner application")
        create.add_argument("--unit", required=True, help="数据范围单位的机构代码 / code of the key's unit")
        create.add_argument("--organisation", default="", help="使用单位 / the partner organisation")
        create.add_argument(
            "--read-only", action="store_true", help="只读,不得提交诉求 / may read but not submit requests"
        )
        sub.add_parser("list", help="列出密钥 / list the keys")
        disable = sub.add_parser("disable", help="停用密钥 / disable a key")
        disable.add_argument("prefix", help="密钥前缀(list 所示) / the key's prefix as listed")

    def handle(self, *args: Any, **options: Any) -> None:
        with context.acting(origin="command"):
            getattr(self, f"_{options['action']}")(options)

    def _create(self, options: dict[str, Any]) -> None:
        unit = Unit.objects.filter(code=options["unit"]).first()
        if unit is None:
            raise CommandError(f"单位代码 {options['unit']} 不存在 / no unit with this code")
        try:
            key, raw = api_key_create(
                actor=None,
                name=options["name"],
                unit=unit,
                organisation=options["organisation"],
                may_post=not options["read_only"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(
            self.style.SUCCESS(f"已创建密钥 {key.name}(前缀 {key.prefix},范围 {unit.name}) / key created")
        )
        self.stdout.write(raw)
        self.stdout.write("请立即交付合作方;明文不再显示 / hand it over now: it will not be shown again")

    def _list(self, options: dict[str, Any]) -> None:
        rows = ApiKey.objects.select_related("unit").order_by("created_at", "id")
        if not rows:
            self.stdout.write("(无密钥 / no keys)")
        for key in rows:
            used = key.last_used_at.astimezone(TZ).strftime("%Y-%m-%d %H:%M") if key.last_used_at else "-"
            self.stdout.write(
                "\t".join(
                    [
                        key.prefix,
                        key.name,
                        key.organisation or "-",
                        f"{key.unit.code} {key.unit.name}",
                        "可提交" if key.may_post else "只读",
                        "启用" if key.enabled else "已停用",
                        f"最近使用 {used}",
                    ]
                )
            )

    def _disable(self, options: dict[str, Any]) -> None:
        key = ApiKey.objects.filter(prefix=options["prefix"]).first()
        if key is None:
            raise CommandError(f"没有前缀为 {options['prefix']} 的密钥 / no key with this prefix")
        api_key_disable(actor=None, key=key)
        self.stdout.write(self.style.SUCCESS(f"已停用 {key.name} / disabled"))
