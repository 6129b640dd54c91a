"""Projector mode as a room sees it at 1600x900, measured in the browser's own layout: the diagram spans
the page (sidebar folded), its numbers are >= 24 px, and no drawn text overlaps other text or is crossed
by an edge (boxes from getBoundingClientRect, edges sampled along their drawn paths), phase by phase."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from backprop_core import PRESETS
from backprop_core.config import encode

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Every text of the diagram (edge numbers, cards' lines, headers) and card, and points along every edge,
# in screen px; the band behind the active layer (a shape without a label) is not a card.
_MEASURE_JS = """() => {
  const d = document.querySelector('iframe').contentDocument;
  const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const edgeText = Array.from(d.querySelectorAll('.textpoint text')).filter(e => e.textContent)
      .map(e => ({t: e.textContent, b: box(e), size: parseFloat(getComputedStyle(e).fontSize)}));
  const cards = Array.from(d.querySelectorAll('.shape-group')).filter(g => g.querySelector('text'))
      .map(g => ({b: box(g.querySelector('path')), text: box(g.querySelector('text')),
                  size: parseFloat(getComputedStyle(g.querySelector('text')).fontSize)}));
  const heads = Array.from(d.querySelectorAll('.annotation-text')).map(e => ({t: e.textContent, b: box(e)}));
  const lines = Array.from(d.querySelectorAll('.scatterlayer .js-line')).map(p => {
    const m = p.getScreenCTM(), n = p.getTotalLength(), pts = [];
    for (let k = 0; k <= 200; k++) { const q = p.getPointAtLength(n * k / 200);
      pts.push([m.a * q.x + m.c * q.y + m.e, m.b * q.x + m.d * q.y + m.f]); }
    return pts; });
  const svg = d.querySelector('.main-svg');
  return {edgeText, cards, heads, lines, width: parseFloat(svg.getAttribute('width'))};
}"""


def _overlap(a, b, gap=0.5) -> bool:
    return a[0] < b[2] - gap and b[0] < a[2] - gap and a[1] < b[3] - gap and b[1] < a[3] - gap


def _inside(inner, outer) -> bool:
    return (outer[0] - 1 <= inner[0] and inner[2] <= outer[2] + 1
            and outer[1] - 1 <= inner[1] and inner[3] <= outer[3] + 1)


@pytest.mark.parametrize("preset", ["xor", "worked"])
def test_projector_diagram_is_large_spans_the_page_and_nothing_collides(open_app, preset):
    query = urlencode({**encode(PRESETS[preset]), "projector": "1"})
    app = open_app("", query, width=1600, height=900)
    placed = 0
    for phase in range(1, 6):
        app.act(lambda: app.click("Next phase"))
        m = app.page.evaluate(_MEASURE_JS)
        assert m["width"] >= 1300, "the diagram should use the page's width (sidebar folded)"
        assert m["cards"] and all(c["size"] >= 24 for c in m["cards"]), phase
        assert all(e["size"] >= 24 for e in m["edgeText"]), phase
        texts = [e["b"] for e in m["edgeText"]]
        cards = [c["b"] for c in m["cards"]]
        heads = [h["b"] for h in m["heads"]]
        for c in m["cards"]:
            assert _inside(c["text"], c["b"]), f"phase {phase}: a card's lines spill out of it"
        for k, a in enumerate(texts):
            for b in texts[k + 1:] + cards + heads:
                assert not _overlap(a, b), f"phase {phase}: {m['edgeText'][k]['t']!r} overlaps other text"
            for pts in m["lines"]:
                assert not any(a[0] < x < a[2] and a[1] < y < a[3] for x, y in pts), \
                    f"phase {phase}: an edge crosses {m['edgeText'][k]['t']!r}"
        for k, a in enumerate(cards):
            for b in cards[k + 1:] + heads:
                assert not _overlap(a, b), f"phase {phase}: two cards (or a card and a header) overlap"
        placed += len(texts)
    assert placed >= 5 * 6  # most edges carry their number in every phase (the rest on hover, and said so)
    app.assert_healthy()
