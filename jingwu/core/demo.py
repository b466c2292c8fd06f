"""Demo loaders: each app may have a ``demo`` module with ``load(seed=, scale=, stdout=)``.

``jingwu demo`` calls them in INSTALLED_APPS order (org first), so a module built later extends the
demo unit with its own records without touching this file.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from django.apps import apps


def loaders() -> list[tuple[str, Callable[..., dict[str, Any]]]]:
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("jingwu."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.demo":
                raise
            continue
        if hasattr(module, "load"):
            found.append((config.label, module.load))
    return found
