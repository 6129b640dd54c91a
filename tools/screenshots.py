"""Screenshots of the Step-through page as a room sees it, one per phase, from a real server in Chromium.

    python tools/screenshots.py                       # projector mode, xor/worked/digits, en + zh -> docs/projector/
    python tools/screenshots.py --presets xor --langs en --out /tmp/shots --plain    # the default view

Each shot is the page at 1600x900 (a projector) opened by its own link (the preset's settings, ``&phase=p``),
so what is shown is exactly what a shared link shows. PNGs are quantised to 256 colours (Pillow) to keep
the repository small. Needs Playwright and Debian's Chromium (tests/browser/conftest.py).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import _server  # noqa: E402
from tests.browser.conftest import CHROMIUM, LAUNCH_ARGS, AppPage  # noqa: E402


def _quantise(path: Path) -> None:
    try:
        from PIL import Image
    except ImportError:  # keep the full-colour PNG
        return
    with Image.open(path) as im:
        q = im.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    q.save(path, optimize=True)


def shoot(presets: list[str], langs: list[str], out: Path, projector: bool, width: int, height: int,
          phases: list[int] | None) -> list[Path]:
    from urllib.parse import urlencode

    from playwright.sync_api import sync_playwright

    from backprop_core import PRESETS, Session
    from backprop_core.config import encode

    out.mkdir(parents=True, exist_ok=True)
    made = []
    with _server.running("app.py", log_path=out / "server.log") as srv, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        ctx = browser.new_context(viewport={"width": width, "height": height})
        for preset in presets:
            n = len(Session(PRESETS[preset]).phases)
            for lang in langs:
                for ph in phases or range(1, n + 1):
                    q = urlencode({**encode(PRESETS[preset]), "lang": lang}) + ("&projector=1" if projector else "")
                    # phase n (the update) is the iteration completed: step=1, no phase cursor
                    q += "&step=1" if ph == n else f"&phase={ph}"
                    page = AppPage(ctx.new_page(), srv)
                    page.goto("", q)
                    path = out / f"{preset}-{lang}-phase{ph}.png"
                    # the diagram's bottom at the screen's bottom: the room sees it whole, the controls above it
                    page.page.evaluate("() => { const f = document.querySelector('iframe');"
                                       " if (f) f.scrollIntoView({block: 'end'}); }")
                    page.page.wait_for_timeout(300)
                    page.page.screenshot(path=str(path))
                    page.page.close()
                    _quantise(path)
                    made.append(path)
                    print(path, path.stat().st_size // 1024, "KB")
        browser.close()
    (out / "server.log").unlink(missing_ok=True)
    return made


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--presets", nargs="+", default=["xor", "worked", "digits"])
    ap.add_argument("--langs", nargs="+", default=["en", "zh"])
    ap.add_argument("--phases", nargs="+", type=int, help="1-based phase numbers (default: every phase)")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "projector")
    ap.add_argument("--plain", action="store_true", help="the default view, not projector mode")
    ap.add_argument("--width", type=int, default=1600)
    ap.add_argument("--height", type=int, default=900)
    a = ap.parse_args()
    shoot(a.presets, a.langs, a.out, not a.plain, a.width, a.height, a.phases)


if __name__ == "__main__":
    main()
