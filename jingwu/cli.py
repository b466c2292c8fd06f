"""The ``jingwu`` command: Django's management commands plus Jingwu's own (demo, serve, ...)."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingwu.settings")
    argv = list(sys.argv if argv is None else argv)
    # The demo is development mode by definition: make it work with no configuration at all.
    if len(argv) > 1 and argv[1] == "demo":
        os.environ.setdefault("JINGWU_DEV", "1")
    from django.core.management import execute_from_command_line

    argv[0] = "jingwu"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
