"""``jingwu metrics <name> --unit <code> --from YYYY-MM-DD --to YYYY-MM-DD [--json]`` and ``--list``."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingwu.core import metrics
from jingwu.core.metrics.definitions import DISPLAY_TZ


class Command(BaseCommand):
    help = "计算指标 / compute a metric for a unit subtree and a period (or --list the definitions)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", nargs="?", help="指标名 / metric name, e.g. org.police_count")
        parser.add_argument("--list", action="store_true", help="列出指标定义 / list the definitions")
        parser.add_argument("--unit", help="单位机构代码 / unit code")
        parser.add_argument("--from", dest="start", help="开始日期 YYYY-MM-DD (默认: 当年1月1日)")
        parser.add_argument("--to", dest="end", help="结束日期 YYYY-MM-DD (默认: 今天)")
        parser.add_argument("--user", help="按该用户的数据权限计算 / compute within this user's data scope")
        parser.add_argument("--json", action="store_true", help="输出 JSON / print JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            self._list(options["json"])
            return
        if not options["name"]:
            raise CommandError("请给出指标名或 --list / give a metric name or --list")
        if not options["unit"]:
            raise CommandError("请用 --unit 指定单位机构代码 / --unit <code> is required")
        try:
            metric = metrics.get(options["name"])
        except metrics.UnknownMetric as exc:
            raise CommandError(str(exc)) from None
        Unit = apps.get_model("org", "Unit")
        unit = Unit._default_manager.filter(code=options["unit"]).first()
        if unit is None:
            raise CommandError(f"未找到单位“{options['unit']}” / no unit with code {options['unit']!r}")
        user = metrics.SYSTEM
        if options["user"]:
            User = apps.get_model("org", "User")
            user = User._default_manager.filter(username=options["user"], is_active=True).first()
            if user is None:
                raise CommandError(f"未找到用户“{options['user']}” / no active user {options['user']!r}")
        today = dt.datetime.now(DISPLAY_TZ).date()
        try:
            figure = metrics.compute(
                metric.name,
                unit,
                options["start"] or today.replace(month=1, day=1),
                options["end"] or today,
                user=user,
            )
        except (ValueError, metrics.MetricScopeError) as exc:
            raise CommandError(str(exc)) from None
        if options["json"]:
            self.stdout.write(json.dumps(figure.as_dict(), ensure_ascii=False, indent=2))
            return
        lines = [
            f"{metric.label}({metric.name},口径版本 v{figure.version})",
            f"单位:{figure.unit_name}({figure.unit_code})  期间:{figure.period}",
            f"数值:{figure.display}",
            f"分子({metric.side_label('numerator')}):{_plain(figure.numerator)}",
        ]
        if metric.denominator is not None:
            lines.append(f"分母({metric.side_label('denominator')}):{_plain(figure.denominator)}")
        for name, part in figure.components.items():
            lines.append(f"  {part.label}({name}):{part.display}")
        self.stdout.write("\n".join(lines))

    def _list(self, as_json: bool) -> None:
        defs = metrics.all_metrics()
        if as_json:
            payload = [
                {"name": m.name, "label": m.label, "kind": m.kind, "version": m.version, "description": m.description}
                for m in defs
            ]
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
            return
        for m in defs:
            self.stdout.write(f"{m.name:<32} {m.kind:<6} v{m.version:<4} {m.label}  {m.description}")


def _plain(n: Any) -> str:
    return "—" if n is None else metrics.format_number(n)
