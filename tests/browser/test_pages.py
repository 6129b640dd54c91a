"""Every page renders in a real browser: no exception element, no console error, no server traceback,
opened by its own address (in English at iteration 0, and in Chinese mid-run) and reached through
the sidebar navigation within one session (which keeps the run)."""

from __future__ import annotations

import pytest

from ui.i18n import translate

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# The url paths app.py gives the pages. The first (Step through) is the default page, which Streamlit serves
# at "/" only: its url_path "step-through" is ignored, and /step-through shows "Page not found".
PATHS = ("", "chain-rule", "activations-losses", "loss-landscape", "training-run", "weight-matrices",
         "compare-runs", "save-share")
NAV_KEYS = ("nav.step", "nav.chain", "nav.reference", "nav.landscape", "nav.training", "nav.weights", "nav.compare",
            "nav.save")


def _heading(app) -> str:
    h = app.page.locator("[data-testid='stMain'] h1")
    assert h.count() >= 1, f"no page title on {app.page.url}"
    return h.first.inner_text().strip()


@pytest.mark.parametrize("query", ["", "step=3&lang=zh"], ids=["en-start", "zh-step3"])
@pytest.mark.parametrize("path", PATHS, ids=["step-through", *PATHS[1:]])
def test_page_opened_by_its_address_renders(open_app, path, query):
    app = open_app(path, query)
    assert app.page.url.split("?")[0].endswith("/" + path)
    assert _heading(app)
    if query:  # the link's language and step survived the page's own URL writing
        assert app.query.get("lang") == "zh" and app.query.get("step") == "3"
    app.assert_healthy()


def test_sidebar_navigation_visits_every_page_and_keeps_the_run(open_app):
    app = open_app()
    app.click(translate("step.step", "en"), 2)
    nav = app.page.locator("[data-testid='stSidebarNav'] a")
    assert nav.count() == len(PATHS)
    for path, key in zip(PATHS, NAV_KEYS):
        link = app.page.locator(f"[data-testid='stSidebarNav'] a[href$='/{path}']")
        if path == PATHS[0]:
            link = nav.first
        assert translate(key, "en") in link.inner_text()
        app.act(link.click)
        assert _heading(app)
        assert app.query.get("step") == "2", f"the run was lost on {path}"
        app.assert_healthy()
    app.act(nav.first.click)
    assert app.metric(translate("status.iteration", "en")) == "2"
    app.assert_healthy()
