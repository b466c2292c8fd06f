from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from jingwu.core import context
from jingwu.core.demo import loaders, provisional_calendar


class Command(BaseCommand):
    help = "创建数据库、加载示范单位并启动服务 / create the database, load the demo unit, and serve"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--seed", type=int, default=2023, help="随机种子,相同种子生成相同数据")
        parser.add_argument("--scale", type=int, default=1, help="大队数量倍数(单位与人员,基准测试用)")
        parser.add_argument(
            "--orders",
            type=int,
            default=0,
            help="另生成的接诉即办工单总数(分布到各大队的中队,PostgreSQL 上用 COPY;基准测试用)"
            " / generated work orders wanted in all, spread over every brigade's squadrons",
        )
        parser.add_argument("--years", type=int, default=5, help="生成工单覆盖的年数 / years the generated orders span")
        parser.add_argument("--no-serve", action="store_true", help="只加载数据,不启动服务")
        parser.add_argument("--bind", default="127.0.0.1:8000", help="监听地址")

    def handle(self, *args: Any, **options: Any) -> None:
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        started = time.monotonic()
        logins = []
        with context.acting(origin="command"):
            for year in provisional_calendar():
                self.stdout.write(
                    self.style.WARNING(
                        f"{year} 年工作日历尚未公布:示范库按周一至周五工作、周末休息补全(非正式,请在日历页录入正式安排)"
                        f" / {year} has no published calendar: completed as Mon–Fri working weeks for the demo"
                    )
                )
            for label, load in loaders():
                # --scale multiplies units and people; the modules' histories stay those of the demo
                # unit (their benchmarks generate volume with bench/_*_generate.py), so a city- or
                # province-sized organisation still loads in well under a minute.
                scale = options["scale"] if label == "org" else 1
                result = load(seed=options["seed"], scale=scale, stdout=self.stdout)
                logins += result.get("logins", [])
                summary = {k: v for k, v in result.items() if k != "logins"}
                self.stdout.write(f"[{label}] {summary}")
        if options["orders"]:
            from django.core.management.base import CommandError

            from jingwu.workorders import bulk

            try:
                with context.acting(origin="command"):
                    bulk.generate(
                        orders=options["orders"], years=options["years"], seed=options["seed"], stdout=self.stdout
                    )
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        # Fresh statistics after a bulk load: without them PostgreSQL plans the figures as if the
        # tables were empty (seen: a 1.3 s statistics page that takes 60 ms once analysed).
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.stdout.write(self.style.SUCCESS(f"示范数据就绪 / demo data ready in {time.monotonic() - started:.1f} s"))
        from jingwu.org.demo import DEMO_PASSWORD
        from jingwu.org.roles import ROLES

        self.stdout.write(f"\n示范账号 / demo logins (密码 / password: {DEMO_PASSWORD})")
        for login in logins:
            role = ROLES[login.role].name
            self.stdout.write(f"  {login.username:<12} {role:<12} {login.unit} · {login.person}")
        if options["no_serve"]:
            return
        self.stdout.write(f"\n打开 / open http://{options['bind']}/  (Ctrl+C 停止 / to stop)\n")
        call_command("serve", bind=options["bind"])
