"""How long `jingwu demo --scale N` takes to load on SQLite (target: scale 100 ≈ 33,000 people < 60 s).

./jw bench demo_load [--scale 100] [--engine sqlite|postgres|both]
"""

from __future__ import annotations

import argparse

from _common import database_url, jingwu, reset_database, verdict

TARGET_S = 60.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--engine", choices=["sqlite", "postgres", "both"], default="sqlite")
    args = parser.parse_args()
    engines = ["sqlite", "postgres"] if args.engine == "both" else [args.engine]
    print(f"demo load, scale {args.scale} (≈ {args.scale * 327:,} people)")
    for engine in engines:
        name = f"jingwu_bench_load_{args.scale}"
        reset_database(engine, name)
        url = database_url(engine, name)
        migrate = jingwu(["migrate", "--verbosity", "0"], url)
        seconds = jingwu(["demo", "--no-serve", "--scale", str(args.scale)], url) - 0.0
        again = jingwu(["demo", "--no-serve", "--scale", str(args.scale)], url)
        target = f"target < {TARGET_S:.0f} s" if engine == "sqlite" else "no target"
        mark = verdict(seconds, TARGET_S) if engine == "sqlite" else "   "
        print(
            f"  {mark} {engine:<9} load {seconds:6.1f} s  ({target}; migrate alone {migrate:.1f} s; "
            f"second run, nothing to add: {again:.1f} s)"
        )


if __name__ == "__main__":
    main()
