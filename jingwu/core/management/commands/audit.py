"""``jingwu audit verify`` walks the hash chain; ``jingwu audit purge --before YYYY-MM-DD`` applies retention."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from jingwu.core import audit, context
from jingwu.core.models import AuditLane


class Command(BaseCommand):
    help = "审计日志:校验哈希链、按保留期清理 / audit log: verify the hash chain, purge past retention"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="校验每条审计链 / verify every chain")
        verify.add_argument(
            "--heads",
            action="store_true",
            help="同时打印每条链的末端哈希,供离线留存比对 / also print each lane's head hash to keep off-line",
        )
        purge = sub.add_parser("purge", help="删除早于某日的审计记录 / delete rows older than a date")
        purge.add_argument("--before", required=True, help="YYYY-MM-DD(北京时间零点 / midnight, Beijing time)")

    def handle(self, *args: Any, **options: Any) -> None:
        with context.acting(origin="command"):
            if options["action"] == "verify":
                self.verify(heads=options["heads"])
            else:
                self.purge(options["before"])

    def verify(self, *, heads: bool) -> None:
        problems = audit.verify()
        info = audit.summary()
        if heads:
            for lane in AuditLane.objects.filter(seq__gt=0).order_by("lane"):
                self.stdout.write(f"lane {lane.lane}: seq {lane.seq} {lane.head_hash}")
        if problems:
            for problem in problems:
                self.stderr.write(f"审计链断裂 / chain broken — {problem}")
            raise CommandError(
                f"审计链已被篡改或删改:{len(problems)} 条链有问题 / audit chain broken in {len(problems)} lane(s)",
                returncode=2,
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"审计链完整 / audit chain intact ({info.rows} rows, {info.lanes} lanes, "
                f"algorithm {', '.join(info.algorithms)})"
            )
        )

    def purge(self, before: str) -> None:
        try:
            day = date.fromisoformat(before)
        except ValueError as exc:
            raise CommandError("日期格式应为 YYYY-MM-DD / the date must be YYYY-MM-DD") from exc
        cutoff = timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())
        try:
            deleted = audit.purge_older_than(cutoff)
        except ValueError as exc:
            raise CommandError(
                f"只能清理 {settings.AUDIT_RETENTION_DAYS} 天以前的审计记录 / rows younger than "
                f"{settings.AUDIT_RETENTION_DAYS} days are kept: {exc}"
            ) from exc
        self.stdout.write(
            self.style.SUCCESS(f"已清理 {deleted} 条 {day} 之前的审计记录 / purged {deleted} rows before {day}")
        )
