"""``jingwu rebuild_case_figures [--check]``: recompute the monthly case figures from the cases."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingwu.cases.models import CaseFigureBuild
from jingwu.cases.services import figures, people_figures


class Command(BaseCommand):
    help = (
        "重建案件月度汇总和人数汇总 / rebuild the monthly case figures (立案, 破案, 涉案金额) from the cases "
        "and the people figures (强制措施人数, 移送起诉) from the measures and transfers"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="只比较,不重建;不一致时返回错误 / compare only; fail when the table differs from the cases",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["check"]:
            computed, stored = figures.computed(), figures.stored()
            differing = sorted(k for k in computed.keys() | stored.keys() if computed.get(k) != stored.get(k))
            if differing:
                raise CommandError(f"案件月度汇总与案件不一致:{len(differing)}行 / {len(differing)} rows differ")
            people = [(c, s) for c, s in zip(people_figures.computed(), people_figures.stored(), strict=True)]
            wrong = sum(1 for c, s in people for k in c.keys() | s.keys() if c.get(k, 0) != s.get(k, 0))
            if wrong:
                raise CommandError(f"人数汇总与强制措施、移送起诉不一致:{wrong}行 / {wrong} people-figure rows differ")
            build = CaseFigureBuild.objects.first()
            if build is not None and build.people_rows is not None and not people_figures.serves(build.tag_signature):
                raise CommandError(
                    "案由标签或单位层级在重建后有变化,请重建 / tags or the unit tree changed since the rebuild: rebuild"
                )
            rows = sum(len(s) for _, s in people)
            self.stdout.write(
                f"案件月度汇总与案件一致 / the monthly case figures match the cases ({len(stored)} rows); "
                f"人数汇总一致 / the people figures match the measures and transfers ({rows} rows)"
            )
            return
        started = time.perf_counter()
        build = figures.rebuild()
        self.stdout.write(
            f"已重建案件月度汇总 / rebuilt: {build.rows} 行 rows from {build.cases} 案件 cases, "
            f"人数汇总 / people figures {build.people_rows} 行 rows, in {time.perf_counter() - started:.1f} s"
        )
