"""Real-browser tests: one real ``streamlit run app.py`` per test session, driven by Debian's Chromium
through Playwright's sync API.

- Without /usr/bin/chromium (or Playwright) the tests skip, saying why; with CI set they fail instead.
- The server is NOT warmed up: the first browser session it serves is the first test's (a fresh
  server's first session used to run in Streamlit's legacy pages/-folder mode, see ui/compat.py).
  Tests marked ``first_session`` are moved to the front so that this is checked on purpose.
- ``AppPage.act(...)`` / ``wait_idle`` wait for the script run an action caused: they count the
  server's ``script_finished`` messages on the page's websocket (a click's rerun starts after the
  click returns, so the DOM alone cannot tell "not yet started" from "done"), then wait until the
  page is drawn (script state ``notRunning``, no lazily loaded widget still a skeleton, every plotly
  chart plotted, every dataframe gridded) and stays so for a short quiet period (no further run).
- On failure: a full-page screenshot of every page the test opened, its console errors and the
  tail of the server log go to ``artifacts/`` (gitignored) and into the report.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import _server  # noqa: E402

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = ROOT / "artifacts"
TIMEOUT_MS = 60_000  # one script run, generous for a loaded 2-core CI machine
QUIET_MS = 150  # no new run for this long after the DOM says notRunning = the action has settled
PAGES_KEY = pytest.StashKey[list]()
# The server's script_finished statuses that end an action (FINISHED_EARLY_FOR_RERUN is followed by another run).
_DONE = {0, 1, 3}  # FINISHED_SUCCESSFULLY, FINISHED_WITH_COMPILE_ERROR, FINISHED_FRAGMENT_RUN_SUCCESSFULLY

# Console errors that do not mean the app is broken, each with its reason. Matched on (text, url).
# (A failed fetch from the internet is NOT ignored: a classroom may be offline, and so are the sandbox and CI.)
BENIGN_CONSOLE = (
    # A page opened by its own address (/loss-landscape): Streamlit's frontend first probes that path
    # as a base URL (/loss-landscape/_stcore/health, .../host-config), gets 404, then uses the root.
    # Known and open upstream: streamlit/streamlit#7074 "404 health check when navigating directly to a subpage".
    (re.compile(r"^Failed to load resource: the server responded with a status of 404"),
     re.compile(r"^http://127\.0\.0\.1:\d+/[\w-]+/_stcore/(health|host-config|allowed-message-origins)$")),
)


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -r requirements-dev.txt)"
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium; playwright install cannot download here)"
    return None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "first_session: must be the first browser session of a fresh server")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the ``first_session`` test(s) before any other test that opens a page."""
    first = [it for it in items if it.get_closest_marker("first_session")]
    if first:
        items[:] = first + [it for it in items if it not in first]


# -- fixtures ------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def chromium() -> Iterator:
    """Debian's Chromium, launched once per test session."""
    reason = browser_missing()
    if reason:
        if in_ci():
            pytest.fail(f"browser tests must run with CI set, but: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def app_server(chromium) -> Iterator[_server.Server]:
    """``streamlit run app.py`` on a free loopback port, healthy, not warmed up."""
    srv = _server.start("app.py", log_path=ARTIFACTS / "streamlit-browser-tests.log")
    try:
        yield srv
    finally:
        _server.stop(srv)


@pytest.fixture
def open_app(chromium, app_server, request) -> Iterator[Callable[..., AppPage]]:
    """``open_app(path="", query="")`` opens the app in a NEW browser context (a new student) and
    waits for its first run; everything opened is screenshotted on failure and closed afterwards."""
    opened: list[AppPage] = []
    request.node.stash[PAGES_KEY] = opened
    contexts = []

    def _open(path: str = "", query: str = "", *, width: int = 1600, height: int = 1000) -> AppPage:
        ctx = chromium.new_context(viewport={"width": width, "height": height})
        ctx.set_default_timeout(TIMEOUT_MS)
        contexts.append(ctx)
        app = AppPage(ctx.new_page(), app_server)
        opened.append(app)
        app.goto(path, query)
        return app

    yield _open
    for ctx in contexts:
        ctx.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.when != "call" or not rep.failed:
        return
    pages = item.stash.get(PAGES_KEY, [])
    if not pages:
        return
    ARTIFACTS.mkdir(exist_ok=True)
    stem = re.sub(r"[^\w.-]+", "_", item.nodeid)[-150:]
    for i, app in enumerate(pages):
        path = ARTIFACTS / f"{stem}-{i}.png"
        try:
            app.page.screenshot(path=str(path), full_page=True)
            rep.sections.append((f"page {i}", f"{app.page.url}\nscreenshot: {path}\nconsole: {app.all_console}"))
        except Exception as exc:  # a closed or crashed page: still report what we can
            rep.sections.append((f"page {i}", f"no screenshot ({exc!r}); console: {app.all_console}"))
    rep.sections.append(("streamlit server log (tail)", pages[0].server.log_tail(40)))


# -- the page helper -----------------------------------------------------------------------------
# Idle and drawn: the script is not running, no lazily loaded widget is still a skeleton, every plotly
# chart has been plotted (plotly itself is loaded lazily), every dataframe has its grid.
_DRAWN_JS = """() => {
    const app = document.querySelector("[data-testid='stApp']");
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    if (document.querySelector("[data-testid='stSkeleton'], [data-testid='stSkeletonElement'], "
                               + "[data-testid='stAppSkeleton']")) return false;
    for (const c of document.querySelectorAll("[data-testid='stPlotlyChart']")) {
        const p = c.querySelector('.js-plotly-plot');
        if (!p || !p._fullLayout) return false;
    }
    for (const d of document.querySelectorAll("[data-testid='stDataFrame']")) {
        if (!d.querySelector('table tr')) return false;
    }
    for (const f of document.querySelectorAll("iframe")) {  // a chart that updates in place (ui.charts.live_plotly)
        const b = f.contentDocument && f.contentDocument.body;
        if (!b || !b.dataset.drawn || b.dataset.drawn !== b.dataset.received) return false;
    }
    return true;
}"""
# Plots in the page and in same-origin frames (ui.charts.live_plotly), in page order.
_PLOTS_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot, iframe'))
  .flatMap(e => e.tagName !== 'IFRAME' ? [e]
    : Array.from((e.contentDocument || document.createElement('div')).querySelectorAll('.js-plotly-plot')))
  .map(e => JSON.parse(JSON.stringify(
    {data: e.data || [], layout: e.layout || {}},
    (k, v) => (v && typeof v === 'object' && '_inputArray' in v) ? Array.from(v._inputArray)
              : (ArrayBuffer.isView(v) ? Array.from(v) : v))))"""


class AppPage:
    """One browser tab on the app, with the helpers a teacher's actions need."""

    def __init__(self, page, server: _server.Server) -> None:
        self.page, self.server = page, server
        self.finished = 0  # script runs the server reported finished (see _DONE)
        self.errors: list[str] = []  # console errors and uncaught page errors, minus the benign ones
        self.all_console: list[str] = []
        page.on("websocket", self._on_websocket)
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self._error(f"pageerror: {exc}"))
        self._log_start = _log_size(server)

    # -- listeners
    def _on_websocket(self, ws) -> None:
        if ws.url.endswith("/_stcore/stream"):
            ws.on("framereceived", self._on_frame)

    def _on_frame(self, payload) -> None:
        if not isinstance(payload, (bytes, bytearray)):
            return
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = ForwardMsg()
        msg.ParseFromString(bytes(payload))
        if msg.WhichOneof("type") == "script_finished" and msg.script_finished in _DONE:
            self.finished += 1

    def _on_console(self, msg) -> None:
        if msg.type != "error":
            return
        url = (msg.location or {}).get("url", "")
        self.all_console.append(f"{msg.text} @ {url}")
        if not any(t.search(msg.text) and u.search(url) for t, u in BENIGN_CONSOLE):
            self._error(f"console: {msg.text} @ {url}")

    def _error(self, text: str) -> None:
        self.errors.append(text)
        self.all_console.append(text)

    # -- waiting
    def wait_idle(self, since: int | None = None, timeout_ms: int = TIMEOUT_MS) -> None:
        """Wait until the run started after ``since`` finished runs is done, drawn and quiet.
        ``since=None``: no run is expected necessarily; just wait for drawn and quiet."""
        deadline = time.monotonic() + timeout_ms / 1000
        left = lambda: max(1, int((deadline - time.monotonic()) * 1000))  # noqa: E731
        while since is not None and self.finished <= since:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no script run finished within {timeout_ms} ms (runs: {self.finished})")
            self.page.wait_for_timeout(20)
        while True:
            self.page.wait_for_function(_DRAWN_JS, polling=50, timeout=left())
            n = self.finished
            self.page.wait_for_timeout(QUIET_MS)
            if self.finished == n and self.page.evaluate(_DRAWN_JS):
                return
            if time.monotonic() > deadline:
                raise TimeoutError("the app did not settle")

    def act(self, action: Callable[[], object], expect_run: bool = True) -> None:
        """Do something that reruns the script, then wait for that run to finish."""
        before = self.finished
        action()
        self.wait_idle(before if expect_run else None)

    def script_state(self) -> str | None:
        return self.page.locator("[data-testid='stApp']").get_attribute("data-test-script-state")

    # -- navigation
    def goto(self, path: str = "", query: str = "") -> None:
        q = query if not query or query.startswith("?") else "?" + query
        url = f"{self.server.url}/{path.lstrip('/')}{q}"
        self.act(lambda: self.page.goto(url))

    def nav(self, url_path: str) -> None:
        """Click the sidebar navigation link to a page (by its url path, e.g. 'loss-landscape')."""
        link = self.page.locator(f"[data-testid='stSidebarNav'] a[href$='/{url_path}']")
        if url_path == "":
            link = self.page.locator("[data-testid='stSidebarNav'] a").first
        self.act(link.click)

    @property
    def query(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(urlsplit(self.page.url).query).items()}

    # -- reading
    def button(self, label: str):
        """The button whose text is exactly ``label`` (icons and shortcut hints aside)."""
        exact = re.compile(rf"^\s*{re.escape(label)}\s*$")
        text = self.page.locator("[data-testid='stMarkdownContainer']", has_text=exact)
        return self.page.locator("[data-testid='stButton'] button:visible").filter(has=text)

    def click(self, label: str, times: int = 1) -> None:
        for _ in range(times):
            self.act(self.button(label).click)

    def metric(self, label: str) -> str:
        box = self.page.locator("[data-testid='stMetric']").filter(
            has=self.page.locator("[data-testid='stMetricLabel']", has_text=re.compile(rf"^\s*{re.escape(label)}\s*$")))
        return box.locator("[data-testid='stMetricValue']").inner_text().strip()

    def plots(self) -> list[dict]:
        """Every plotly chart on the page as {data: [...traces], layout} (typed arrays as lists)."""
        return self.page.evaluate(_PLOTS_JS)

    def exceptions(self) -> list[str]:
        return self.page.locator("[data-testid='stException']").all_inner_texts()

    def sidebar_slider(self, label: str):
        return self.page.locator("[data-testid='stSidebar'] [data-testid='stSlider']").filter(has_text=label)

    def assert_healthy(self) -> None:
        """No exception element on the page, no console error (benign ones aside), no error in the server log."""
        assert self.exceptions() == [], f"stException on {self.page.url}: {self.exceptions()}"
        errors = json.dumps(self.errors, ensure_ascii=False)
        assert self.errors == [], f"browser console errors on {self.page.url}: {errors}"
        log = _log_since(self.server, self._log_start)
        assert "Traceback" not in log, f"the server logged an error:\n{log[-3000:]}"


def _log_size(server: _server.Server) -> int:
    try:
        return server.log_path.stat().st_size
    except OSError:
        return 0


def _log_since(server: _server.Server, offset: int) -> str:
    try:
        with open(server.log_path, "rb") as f:
            f.seek(offset)
            return f.read().decode(errors="replace")
    except OSError:
        return ""
