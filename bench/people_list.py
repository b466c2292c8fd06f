"""People list with filters at `jingwu demo --scale N` size (target: median < 100 ms on both engines).

    ./jw bench people_list [--scale 100] [--engine sqlite|postgres|both] [--repeat 40] [--reuse]

Loads the demo at the given scale into a benchmark database per engine (skipped with --reuse when it
is already there), then requests the people page and the people API in-process through Django's
test client, as a brigade leader (one brigade: ~327 people) and as a detachment-wide leader (every
person), with and without filters, and prints median and p95 per request.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

from _common import ROOT, database_url, jingwu, people_loaded, reset_database, verdict

TARGET_MS = 100.0

REQUESTS = [
    ("people page, no filter", "/org/people/"),
    ("people page, 民警 在岗 + sub-units", "/org/people/?kind=police&status=active&unit={brigade}&sub=on"),
    ("people page, pinyin initials 'zg'", "/org/people/?q=zg"),
    ("people page, sorted by 入职日期, page 3", "/org/people/?o=-joined_on&page=3"),
    ("people API, 民警, 20 rows", "/api/v1/org/people/?kind=police"),
]


def worker(url: str, repeat: int) -> None:
    """Runs inside a fresh interpreter bound to one database; prints JSON results."""
    from _common import measure, setup_django

    setup_django(url)
    from django.test import Client

    from jingwu.org.models import RoleAssignment, Unit, User

    detachment = Unit.objects.get(code="150600000000")
    brigade = Unit.objects.get(code="150621000000")
    wide, created = User.objects.get_or_create(username="bench_wide")
    if created:
        RoleAssignment.objects.create(user=wide, role="leadership", unit=detachment, scope="subtree")
    results = []
    for username in ("leader", "bench_wide"):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(User.objects.get(username=username))
        for label, template in REQUESTS:
            path = template.format(brigade=brigade.pk)
            response = client.get(path)
            status = response.status_code
            if status != 200:
                raise SystemExit(
                    f"{path} as {username} answered HTTP {status}; the benchmark measures only successful pages"
                )

            def run(client=client, path=path) -> None:
                client.get(path)

            stats = measure(run, repeat)
            results.append({"user": username, "label": label, "path": path, "status": status, **stats})
    print(json.dumps(results))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--engine", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--reuse", action="store_true", help="reuse an already loaded benchmark database")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.repeat)
        return
    engines = ["sqlite", "postgres"] if args.engine == "both" else [args.engine]
    print(f"people list at scale {args.scale} (≈ {args.scale * 327:,} people), {args.repeat} requests each")
    for engine in engines:
        name = f"jingwu_bench_people_{args.scale}"
        url = database_url(engine, name)
        if not args.reuse or people_loaded(engine, name) < args.scale * 327:
            reset_database(engine, name)
            seconds = jingwu(["demo", "--no-serve", "--scale", str(args.scale)], url)
            print(f"  [{engine}] loaded in {seconds:.1f} s")
        out = subprocess.run(
            [sys.executable, __file__, "--worker", url, "--repeat", str(args.repeat)],
            cwd=ROOT / "bench",
            check=True,
            capture_output=True,
            text=True,
            env={**__import__("os").environ, "JINGWU_DEV": "1"},
        ).stdout
        rows = json.loads(out.strip().splitlines()[-1])
        for row in rows:
            scope = "1 brigade " if row["user"] == "leader" else "whole tree"
            print(
                f"  {verdict(row['median_ms'], TARGET_MS)} {engine:<8} {scope} {row['label']:<40} "
                f"median {row['median_ms']:6.1f} ms  p95 {row['p95_ms']:6.1f} ms  (HTTP {row['status']})"
            )
    print(f"target: median < {TARGET_MS:.0f} ms")


if __name__ == "__main__":
    main()
