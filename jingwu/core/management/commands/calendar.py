"""``jingwu calendar show|check|import``: the working calendar from the command line."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingwu.core import calendar, context


class Command(BaseCommand):
    help = "工作日历:查看、检查、导入 / working calendar: show, check, import"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        show = sub.add_parser("show", help="列出某年的节假日与调休上班日 / list a year's holidays and swapped workdays")
        show.add_argument("year", type=int)
        check = sub.add_parser("check", help="检查某年是否有日历 / say whether a year is covered")
        check.add_argument("year", type=int)
        imp = sub.add_parser("import", help="从 CSV(date,kind,name)导入调整,全部成功或全部不变 / import overrides")
        imp.add_argument("file", type=Path)
        imp.add_argument("--replace", action="store_true", help="覆盖已有的同日调整 / replace existing overrides")
        imp.add_argument("--complete-year", type=int, metavar="YEAR", help="导入后将该年其余日期按周一至周五上班补全")
        imp.add_argument("--user", default="", help="记入审计的操作人用户名 / username recorded as the actor")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "show":
            self._show(options["year"])
        elif action == "check":
            self._check(options["year"])
        else:
            self._import(options)

    def _show(self, year: int) -> None:
        coverage = calendar.year_coverage(year)
        source = "国家公布 / published" if coverage.published else "管理员录入 / overrides only"
        self.stdout.write(f"{year} 年工作日历 / calendar of {year}: {source}")
        days = calendar.year_exceptions(year)
        if not days and not coverage.covered:
            self.stdout.write(self.style.WARNING(str(calendar.CalendarUnavailable(date(year, 1, 1)))))
            return
        for info in days:
            kind = ("调休上班" if info.is_swap else "上班") if info.is_workday else "休息"
            mark = " [管理员调整 override]" if info.source == "override" else ""
            self.stdout.write(f"{info.date.isoformat()} {info.weekday_label} {kind:<4} {info.name}{mark}".rstrip())
        self._check(year)

    def _check(self, year: int) -> None:
        coverage = calendar.year_coverage(year)
        if coverage.published:
            extra = f",另有 {coverage.override_count} 条管理员调整" if coverage.override_count else ""
            self.stdout.write(
                self.style.SUCCESS(f"{year} 年已覆盖:国家公布的日历{extra} / {year} is covered (published)")
            )
        elif coverage.complete_by_overrides:
            self.stdout.write(self.style.SUCCESS(f"{year} 年已覆盖:管理员录入全年 / {year} is covered by overrides"))
        else:
            raise CommandError(
                f"{year} 年未覆盖:尚缺 {coverage.missing_days} 天(已录入 {coverage.override_count} 天)。"
                f"请导入该年节假日与调休并用 --complete-year {year} 补全 / {year} is NOT covered: "
                f"{coverage.missing_days} days missing"
            )

    def _import(self, options: dict[str, Any]) -> None:
        path: Path = options["file"]
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"无法读取 {path}(须为 UTF-8 CSV) / cannot read {path}: {exc}") from exc
        actor = None
        if options["user"]:
            from jingwu.org.models import User

            actor = User.objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"用户 {options['user']} 不存在 / no such user")
        try:
            rows = calendar.parse_calendar_csv(text)
            with context.acting(user=actor, origin="command"):
                from django.db import transaction

                with transaction.atomic():
                    count = calendar.calendar_import(
                        actor=actor, rows=rows, replace=options["replace"], source=path.name
                    )
                    added = 0
                    if options["complete_year"]:
                        added = calendar.calendar_year_complete(actor=actor, year=options["complete_year"])
        except calendar.CalendarError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"已导入 {count} 条 / imported {count} rows"))
        if options["complete_year"]:
            self.stdout.write(f"补全 {added} 天 / completed {added} days of {options['complete_year']}")
            self._check(options["complete_year"])
