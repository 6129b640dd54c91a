"""All translation tables merged: each module holds STRINGS = {key: (English, 简体中文)}."""

from __future__ import annotations

import importlib
import pkgutil

STRINGS: dict[str, tuple[str, str]] = {}
for _mod in pkgutil.iter_modules(__path__):
    _table = importlib.import_module(f"{__name__}.{_mod.name}").STRINGS
    _clash = set(_table) & set(STRINGS)
    if _clash:
        raise RuntimeError(f"duplicate translation keys in {_mod.name}: {sorted(_clash)[:5]}")
    STRINGS.update(_table)
