"""Run every benchmark and rewrite the README's performance section with what they printed.

    python bench/run_all.py            # full runs (several minutes)
    python bench/run_all.py --quick    # smoke runs, README untouched unless --write is given

Each script prints its own baseline measured in the same run and the ratio against it; this file
only runs them one after another (never in parallel: they would slow each other) and pastes their
output between the README's markers, with the date and the machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = (
    ("Core iteration vs a bare NumPy loop", "bench_core.py"),
    ("loss_surface vs the naive per-point loop", "bench_landscape.py"),
    ("Server-side Step rerun per preset (AppTest)", "bench_app.py"),
    ("Browser Step latency vs a trivial one-chart app", "bench_browser.py"),
    ("A classroom on one server", "bench_classroom.py"),
    ("A whole class joining a cold server at once", "bench_coldstart.py"),
    ("A live class: students following the teacher", "bench_follow.py"),
    ("Memory of 40 MNIST sessions", "bench_memory.py"),
)
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
NOISE = re.compile(r"(ScriptRunContext|does not function when running|^\s*$)")


def run(script: str, quick: bool) -> str:
    cmd = [sys.executable, str(ROOT / "bench" / script)] + (["--quick"] if quick else [])
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=3600)
    lines = [ln for ln in (proc.stdout + ("\n" + proc.stderr if proc.returncode else "")).splitlines()
             if not NOISE.search(ln)]
    if proc.returncode:
        lines.append(f"(exit code {proc.returncode})")
    return "\n".join(lines)


def section(outputs: list[tuple[str, str, str]]) -> str:
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    head = (f"Measured {when} on {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
            f"by `python bench/run_all.py`. Each block is one script's own output.\n")
    blocks = [f"#### {title}\n\n```\n{text}\n```\n" for title, _, text in outputs]
    return "\n".join([START, head, *blocks, END])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--write", action="store_true", help="write the README even with --quick")
    ap.add_argument("--only", nargs="*", help="script names to run (default: all)")
    args = ap.parse_args(argv)
    outputs = []
    for title, script in SCRIPTS:
        if args.only and script not in args.only:
            continue
        print(f"== {title} ({script})", flush=True)
        text = run(script, args.quick)
        print(text, flush=True)
        outputs.append((title, script, text))
    if args.quick and not args.write:
        return 0
    readme = ROOT / "README.md"
    body = readme.read_text(encoding="utf-8")
    if START in body and END in body:
        new = body[: body.index(START)] + section(outputs) + body[body.index(END) + len(END):]
        readme.write_text(new, encoding="utf-8")
        print("README performance section rewritten.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
