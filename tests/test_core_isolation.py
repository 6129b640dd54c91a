"""backprop_core runs without the app: importing it pulls in no UI, plotting or data-frame library."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = ("streamlit", "plotly", "pandas", "sklearn", "matplotlib", "altair", "scipy")


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport json, sys; print(json.dumps(sorted(sys.modules)))"],
                         cwd=ROOT, capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_import_backprop_core_loads_no_app_libraries():
    mods = _modules_after("import backprop_core")
    assert "backprop_core" in mods and "numpy" in mods
    loaded = {m.split(".")[0] for m in mods}
    assert loaded.isdisjoint(FORBIDDEN), sorted(loaded & set(FORBIDDEN))


def test_every_core_module_loads_no_app_libraries():
    mods = _modules_after("import importlib, pkgutil, backprop_core\n"
                          "for m in pkgutil.iter_modules(backprop_core.__path__):\n"
                          "    importlib.import_module('backprop_core.' + m.name)")
    assert {"backprop_core.session", "backprop_core.gradcheck", "backprop_core.datasets"} <= mods
    assert "backprop_core" in mods and "numpy" in mods
    loaded = {m.split(".")[0] for m in mods}
    assert loaded.isdisjoint(FORBIDDEN), sorted(loaded & set(FORBIDDEN))


def test_the_check_itself_sees_a_forbidden_import():
    # the same probe does report a UI library when one is imported, so the checks above can fail
    assert "plotly" in {m.split(".")[0] for m in _modules_after("import backprop_core, plotly")}
