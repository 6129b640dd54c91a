"""Benchmark: click-to-updated-page latency of Step in a real browser, Backprop Lab against a trivial app.

Two real servers (app.py and bench/trivial_app.py: one button, one metric, one plotly chart whose data
changes per click) and one headless Chromium. Each sample is timed inside the page from the click on
"Step" to two moments:
- settled (the headline): the last change to the page's DOM before it stayed unchanged for QUIET_MS,
  i.e. every chart redrawn and every formula typeset. Changes inside same-origin frames count too:
  the Step page draws its diagram in one (ui.charts.live_plotly), and a click is not settled until
  that frame has redrawn;
- shown: the first metric's text has changed AND the script state is notRunning, plus one animation
  frame. A chart that redraws after the script has finished is not in this one (the trivial app's
  chart often is not), so it flatters whichever app draws last.
Clicks alternate between the two apps, so load from other processes on this machine hits both alike.

    python bench/bench_browser.py            # 25 clicks per app after 3 warm-up clicks
    python bench/bench_browser.py --quick    # 8 clicks per app (smoke run)

Goal: median(app) / median(trivial) <= 1.5, page settled.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import _server  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
GOAL = 1.5

# Click the visible button whose text has a line equal to `label`. Resolves with two times in ms after the
# click: `shown`, when the first metric's text has changed AND the script is idle, plus one animation frame;
# `settled`, the last change to the page's DOM (charts redrawn, formulas typeset) before it stayed
# unchanged for QUIET_MS. A chart that redraws after the script finished counts in `settled` only.
QUIET_MS = 300
_CLICK_JS = """async ([label, quiet]) => {
  const buttons = [...document.querySelectorAll("[data-testid='stButton'] button")]
      .filter(b => b.offsetParent !== null && !b.disabled);
  const btn = buttons.find(b => b.innerText.split('\\n').some(l => l.trim() === label));
  if (!btn) throw new Error('no button ' + label);
  const app = document.querySelector("[data-testid='stApp']");
  const value = () => (document.querySelector("[data-testid='stMetricValue']") || {}).innerText;
  const before = value();
  const t0 = performance.now();
  let last = t0, shown = null;
  const obs = new MutationObserver(() => { last = performance.now(); });
  const opts = {subtree: true, childList: true, characterData: true, attributes: true};
  obs.observe(document.body, opts);
  for (const f of document.querySelectorAll('iframe')) {  // a chart drawn inside a same-origin frame counts too
    if (f.contentDocument && f.contentDocument.body) obs.observe(f.contentDocument.body, opts);
  }
  btn.click();
  return await new Promise((resolve, reject) => {
    const poll = () => {
      const now = performance.now();
      if (shown === null && value() !== before && app.getAttribute('data-test-script-state') === 'notRunning') {
        shown = -1;
        requestAnimationFrame(() => { shown = performance.now() - t0; });
      }
      if (shown !== null && shown >= 0 && now - last >= quiet) {
        obs.disconnect();
        resolve([shown, Math.max(shown, last - t0)]);
        return;
      }
      if (now - t0 > 60000) { obs.disconnect(); reject(new Error('timeout after click')); return; }
      setTimeout(poll, 5);
    };
    poll();
  });
}"""

_DRAWN_JS = """() => {
  const app = document.querySelector("[data-testid='stApp']");
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (document.querySelector("[data-testid='stSkeleton'], [data-testid='stAppSkeleton']")) return false;
  for (const c of document.querySelectorAll("[data-testid='stPlotlyChart']")) {
    const p = c.querySelector('.js-plotly-plot');
    if (!p || !p._fullLayout) return false;
  }
  for (const f of document.querySelectorAll('iframe')) {  // ui.charts.live_plotly: drawn the last args it got
    const b = f.contentDocument && f.contentDocument.body;
    if (!b || !b.dataset.drawn || b.dataset.drawn !== b.dataset.received) return false;
  }
  return !!document.querySelector("[data-testid='stMetricValue']");
}"""


class ServerClock:
    """Times, as seen by this process, from the last BackMsg the page sent to the script_finished it got
    back: the server's share of a click (its queue, the script run, the deltas over loopback)."""

    def __init__(self, page) -> None:
        self.sent = self.last = None
        self.spans: list[float] = []
        page.on("websocket", self._attach)

    def _attach(self, ws) -> None:
        if ws.url.endswith("/_stcore/stream"):
            ws.on("framesent", self._sent)
            ws.on("framereceived", self._received)

    def _sent(self, payload) -> None:
        self.sent = time.perf_counter()

    def _received(self, payload) -> None:
        if self.sent is None or not isinstance(payload, (bytes, bytearray)):
            return
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = ForwardMsg()
        msg.ParseFromString(bytes(payload))
        if msg.WhichOneof("type") == "script_finished" and msg.script_finished in (0, 3):  # full or fragment run
            self.last = (time.perf_counter() - self.sent) * 1e3

    def take(self) -> float:
        span, self.last = self.last, None
        return span if span is not None else float("nan")


def open_page(browser, url: str):
    ctx = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = ctx.new_page()
    page.clock_ = ServerClock(page)
    page.goto(url)
    settle(page)
    return page


def settle(page) -> None:
    """Drawn, and still drawn a moment later (a quick second run would otherwise be measured)."""
    for _ in range(3):
        page.wait_for_function(_DRAWN_JS, polling=50, timeout=120_000)
        page.wait_for_timeout(300)
        if page.evaluate(_DRAWN_JS):
            return


def click_ms(page, label: str = "Step") -> tuple[float, float, float]:
    """(shown ms, settled ms, the server's share in ms) of one click, measured in the page."""
    page.clock_.take()
    shown, settled = page.evaluate(_CLICK_JS, [label, QUIET_MS])
    settle(page)
    return float(shown), float(settled), page.clock_.take()


def summary(name: str, xs: list[float]) -> str:
    if not xs:
        return f"{name:<22} (no measurement)"
    q = statistics.quantiles(xs, n=10) if len(xs) >= 2 else xs * 9
    return (f"{name:<22} median {statistics.median(xs):7.0f} ms   p10 {q[0]:7.0f}   p90 {q[-1]:7.0f}   "
            f"min {min(xs):6.0f}   max {max(xs):6.0f}   (n={len(xs)})")


def preset_query(name: str) -> str:
    """The link that opens a preset (its Config as query parameters)."""
    from urllib.parse import urlencode

    import backprop_core as bp
    from backprop_core.config import encode

    return "/?" + urlencode(encode(bp.PRESETS[name])) if name != "xor" else ""


def measure(clicks: int, warmup: int, extra: list[str],
            preset: str = "xor") -> dict[str, list[tuple[float, float, float]]]:
    from playwright.sync_api import sync_playwright

    logs = ROOT / "artifacts"
    with _server.running("app.py", log_path=logs / "bench-browser-app.log", extra_args=extra) as app_srv, \
            _server.running("bench/trivial_app.py", log_path=logs / "bench-browser-trivial.log",
                            extra_args=extra) as triv_srv, \
            sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            pages = {f"Backprop Lab ({preset})": open_page(browser, app_srv.url + preset_query(preset)),
                     "trivial app": open_page(browser, triv_srv.url)}
            for page in pages.values():
                for _ in range(warmup):
                    click_ms(page)
            times: dict[str, list[tuple[float, float, float]]] = {name: [] for name in pages}
            for _ in range(clicks):
                for name, page in pages.items():
                    times[name].append(click_ms(page))
        finally:
            browser.close()
    return times


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="8 clicks per app instead of 25")
    ap.add_argument("--clicks", type=int, default=None, help="clicks per app (at least 20 for the headline)")
    ap.add_argument("--set", action="append", metavar="KEY=VALUE", default=[],
                    help="a streamlit config option for both servers, e.g. runner.postScriptGC=false (repeatable)")
    ap.add_argument("--preset", default="xor", help="the preset the app opens on (e.g. mnist); default xor")
    args = ap.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"no Chromium at {CHROMIUM}: apt-get install chromium")
        return 2
    clicks = args.clicks or (8 if args.quick else 25)
    t0 = time.perf_counter()
    extra = [a for item in args.set for a in (f"--{item.partition('=')[0]}", item.partition("=")[2])]
    load = os.getloadavg()[0]
    times = measure(clicks, warmup=1 if args.quick else 3, extra=extra, preset=args.preset)
    print("Click 'Step' in real Chromium over loopback" + (f"; server options {' '.join(args.set)}" if args.set else "")
          + f"; load average {load:.1f} -> {os.getloadavg()[0]:.1f}.")
    ratios = {}
    for col, what in ((1, f"settled: the page's last DOM change before {QUIET_MS} ms of quiet (charts redrawn)"),
                      (0, "shown: the Iteration metric changed and the script idle, +1 frame"),
                      (2, "the server's share: BackMsg sent -> script_finished received")):
        print(f"  {what}")
        for name, xs in times.items():
            print(summary("    " + name, [x[col] for x in xs if x[col] == x[col]]))
        if col < 2:
            app_ms, triv_ms = ([x[col] for x in xs] for xs in times.values())
            ratios[col] = statistics.median(app_ms) / statistics.median(triv_ms)
            print(f"    ratio (medians) {ratios[col]:.2f}")
    ratio = ratios[1]
    print(f"ratio, page settled (medians) {ratio:.2f}  (goal <= {GOAL})  {'OK' if ratio <= GOAL else 'ABOVE GOAL'}"
          f"   [{time.perf_counter() - t0:.0f} s total]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
