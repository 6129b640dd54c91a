"""Hostile query strings: garbage in every known key never crashes, always gives a runnable run, keeps the
replay bounded, and every value that was not used is named in a notice shown as plain text."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

import backprop_core as bp
from backprop_core.config import FIELD_BY_NAME, MAX_PARAM_CHARS
from ui import state
from ui.i18n import LANGS, translate
from ui.state import KEY, from_url, replay_cap

APP = str(Path(__file__).resolve().parents[1] / "app.py")
NAMES = tuple(f.name for f in fields(bp.Config))
SMALL_STEP = 8  # MAX_STEP while the property runs: the same code paths, a replay short enough for 300 cases

# -- what an attacker (or a mangled copy-paste) puts in a link ---------------------------------------
HOSTILE = (
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))",
    "![x](http://evil.example/x.png)", "**bold**", "$\\frac{1}{0}$", "`code`", "{key}", "{0}", "%s", "\\",
    "nan", "NaN", "-nan", "inf", "-inf", "Infinity", "1e309", "-1e309", "1e-400", "-1", "-0", "0", "1",
    "1e999999", "0x10", "1_0", "٣", "１２", "\x00", "\u202e", "🙂", "𝔁𝓸𝓻", " ", "", "true", "None", "null",
    str(10**12), str(-(10**12)), "9" * 100, "1-2-3-4-5-6-7", "256-256-256-256-256-256-256", "0-0", "-3", "3--4",
    "300", "2000", "20001", "0.9999", "1.0000001", "1e-13", "10.5", "xor ", "XOR", "digits\x00",
)
# small valid values, so hostile keys meet realistic neighbours (kept cheap: no 256-wide layers here)
VALID = {
    "dataset": ("xor", "moons", "sine", "blobs", "worked", "digits", "spirals"), "n_samples": ("20", "50", "2000"),
    "noise": ("0", "1", "0.5"), "test_ratio": ("0", "0.5"), "standardize": ("1", "0"), "hidden": ("", "2", "2-3"),
    "hidden_act": ("relu", "tanh", "linear", "leaky_relu"), "output_act": ("softmax", "linear", "sigmoid", "tanh"),
    "loss": ("mse", "bce", "ce"), "optimizer": ("sgd", "momentum", "adam"), "lr": ("10", "1e-05", "0.5"),
    "beta": ("0", "0.999"), "beta1": ("0", "0.999"), "beta2": ("0", "0.99999"), "eps": ("1e-12", "0.01"),
    "batch": ("full", "mini", "single"), "batch_size": ("1", "1024"), "reg": ("l1", "l2", "none"),
    "reg_rate": ("0", "1"), "init": ("worked", "zeros", "he", "uniform"), "train_biases": ("0", "1"),
    "seed": ("0", "2147483647"),
}
TEXT = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=12),
    st.text(min_size=MAX_PARAM_CHARS - 2, max_size=400),
    st.integers(-(10**40), 10**40).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)


@st.composite
def value_for(draw, key: str):
    """A hostile or valid string for ``key``, sometimes repeated (a list: the last one counts)."""
    one = st.one_of(TEXT, st.sampled_from(VALID.get(key, ("x",))))
    return draw(st.one_of(one, st.lists(one, min_size=1, max_size=3)))


@st.composite
def link(draw) -> dict:
    keys = draw(st.lists(st.one_of(st.sampled_from(NAMES + ("lang", "step")), st.text(max_size=8)),
                         max_size=10, unique=True))
    params = {k: draw(value_for(k)) for k in keys}
    if "step" in params and draw(st.booleans()):  # valid-looking huge and tiny steps too
        params["step"] = str(draw(st.sampled_from([0, 1, 3, SMALL_STEP, SMALL_STEP + 1, 10**11, 10**12, -1])))
    return params


def last(raw):
    return raw[-1] if isinstance(raw, list) else raw


def taken(key: str, raw, cfg: bp.Config) -> bool:
    """Did the config take this link value as given? (independent re-parse of the text)."""
    text = last(raw)
    try:
        return len(text) <= MAX_PARAM_CHARS and getattr(cfg, key) == FIELD_BY_NAME[key].parse(text)
    except (ValueError, TypeError, OverflowError):
        return False


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(link())
@example({"dataset": "sine", "loss": "bce", "output_act": "sigmoid"})  # the regression repair changes two keys
@example({"dataset": "worked", "hidden": "2", "init": "worked", "step": "99999999999", "lang": ["en", "zh"]})
def test_any_link_gives_a_runnable_bounded_run_and_names_every_value_it_did_not_use(params):
    with patch.object(bp.config, "MAX_STEP", SMALL_STEP):
        app, lang = from_url(params)
        cap = replay_cap(app.config, app.session.dataset)
    assert lang in LANGS
    cfg = app.config
    for f in FIELD_BY_NAME.values():  # every field holds an allowed value
        assert f.check(getattr(cfg, f.name)), f.name
    keys = {n.key for n in app.notices}
    assert keys <= set(NAMES) | {"lang", "step", "config"}
    assert "config" not in keys  # the table rules out every combination Session would refuse
    assert all(len(n.given) <= 40 for n in app.notices)
    for key, raw in params.items():
        if key in FIELD_BY_NAME and not taken(key, raw, cfg):
            assert key in keys, (key, raw)
    if "lang" in params:
        assert (lang == last(params["lang"])) != ("lang" in keys)
    # the replay: never past the cap, exactly the asked-for iterations when they are valid and fit
    s = app.session
    assert 1 <= cap <= SMALL_STEP and s.iteration <= cap
    text = str(last(params.get("step", "0")))
    try:  # the step as Python reads a whole number (" 7", "٧" too), if it is short enough to be one
        asked = int(text) if len(text) <= 12 else None
    except ValueError:
        asked = None
    used = asked is not None and 0 <= asked <= cap
    if used and s.diverged is None:
        assert s.iteration == asked
    assert ("step" in keys) == ("step" in params and not used)
    # and it runs: one more step either trains or reports divergence (never raises)
    before = s.iteration
    s.step()
    assert s.iteration == before + 1 or s.diverged is not None
    assert all(np.isfinite(w).all() for w in s.net.weights)


# -- the replay budget with the production constants ------------------------------------------------
NETS = st.builds(
    bp.Config,
    dataset=st.sampled_from(("xor", "moons", "digits", "blobs", "sine")),
    n_samples=st.sampled_from((20, 200, 2000)),
    test_ratio=st.sampled_from((0.0, 0.2, 0.5)),
    hidden=st.lists(st.sampled_from((1, 3, 64, 256)), max_size=6).map(tuple),
)


@settings(max_examples=200, deadline=None)
@given(NETS)
def test_the_replay_cap_keeps_a_links_work_within_the_budget(cfg):
    cfg, _ = bp.config.make_consistent(cfg)
    ds = bp.session.dataset_for(cfg)
    net = bp.session.initial_network(cfg, ds.n_features, ds.n_outputs)
    weights = sum(int(np.prod(w.shape)) for w in net.weights)
    batch = bp.session.batch_size_of(bp.session.settings_of(cfg), ds.n_train)
    work = 6 * weights * batch + state.REPLAY_OVERHEAD  # forward + backward + update over the batch
    assert work == state.replay_cost(cfg, ds)
    cap = replay_cap(cfg, ds)
    assert 1 <= cap <= bp.config.MAX_STEP
    assert cap * work <= state.MAX_REPLAY_WORK or cap == 1
    assert cap == bp.config.MAX_STEP or (cap + 1) * work > state.MAX_REPLAY_WORK  # and no tighter than it must be


def test_the_biggest_network_replays_only_what_the_budget_allows():
    cfg = bp.Config(dataset="digits", n_samples=1797, test_ratio=0.0, hidden=(256,) * 6)
    ds = bp.session.dataset_for(cfg)
    # 64*256 + 5*256*256 + 256*10 weights, 1797 rows, 6 multiply-adds per weight and row
    per_iteration = 6 * (64 * 256 + 5 * 256 * 256 + 2560) * 1797 + state.REPLAY_OVERHEAD
    assert replay_cap(cfg, ds) == int(state.MAX_REPLAY_WORK // per_iteration) == 2


@pytest.mark.parametrize(("step", "expected", "notes"), [
    (str(10**12), 0, 1),  # 13 characters: not a step at all
    ("99999999999", 7, 2),  # a number: first clipped to MAX_STEP, then to this network's cap
    ("20001", 7, 2),
    ("7", 7, 0),
    ("3", 3, 0),
    ("-5", 0, 1),
    ("1e3", 0, 1),
    (["2", "99999999999"], 7, 2),  # a repeated key: the last one counts
])
def test_huge_and_broken_steps_are_capped_with_a_notice(step, expected, notes):
    params = {"dataset": "digits", "hidden": "8", "step": step}
    ds = bp.session.dataset_for(bp.config.decode(params)[0])
    per_iteration = 6 * (64 * 8 + 8 * 10) * ds.n_train + state.REPLAY_OVERHEAD
    with patch.object(state, "MAX_REPLAY_WORK", per_iteration * 7.5):  # the budget allows 7 iterations
        app, _ = from_url(params)
    assert app.session.iteration == expected
    assert [n.key for n in app.notices] == ["step"] * notes


# -- end to end: the app opened with hostile links ----------------------------------------------------
PAYLOADS = [
    {"dataset": "<script>alert(1)</script>"},
    {"lang": "<img src=x onerror=alert(1)>"},
    {"hidden": "<b>bold</b>"},
    {"lr": "javascript:alert(1)"},
    {"loss": "[click](javascript:alert(1))"},
    {"optimizer": "![x](http://evil.example/x.png)"},
    {"seed": "$\\frac{1}{0}$"},
    {"step": str(10**12)},
    {"step": "-1"},
    {"lr": "nan", "beta": "inf", "eps": "-inf"},
    {"lr": "1e309"},
    {"n_samples": "9" * 100},
    {"hidden": "256-256-256-256-256-256-256"},
    {"hidden": "0"},
    {"noise": "٣"},
    {"dataset": "𝔁𝓸𝓻 🙂"},
    {"batch": "x" * 10_000},
    {"standardize": "maybe", "train_biases": "2"},
    {"lr": ["0.5", "<script>x</script>"]},
    {"lang": ["zh", "xx"]},
    {"init": "worked"},
    {"\x00key": "v", "": "", "dataset": "\x00"},
    {"output_act": "softmax", "loss": "bce"},
    {"lang": "zh", "dataset": "<script>"},
    {"reg": "l3", "reg_rate": "-1"},
    {"seed": "1" * 64},
    {"hidden_act": "softmax"},
    {"eps": "1e-400"},
    {"beta2": "{expected}", "loss": "{0}"},
    {"dataset": "csv"},
]


def fresh(params: dict) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    return at


def rejected(params: dict) -> list[tuple[str, str]]:
    """(key, value as shown) for each link value that is not used, computed without the app."""
    cfg, notices = bp.config.decode(params)
    out = [(n.key, n.given) for n in notices]
    lang = last(params.get("lang", "en"))
    if lang not in LANGS:
        out.append(("lang", lang[:40]))
    if "step" in params:
        _, note = bp.config.parse_step(params["step"])
        out += [("step", note.given)] if note else []
    return out


def markdown_texts(at: AppTest) -> list[str]:
    """Every string the app hands to a markdown renderer (markdown, captions, alerts, titles)."""
    kinds = ("markdown", "caption", "error", "warning", "info", "success", "title", "header", "subheader")
    return [str(el.value) for kind in kinds for el in at.get(kind)]


@pytest.mark.parametrize("params", PAYLOADS, ids=range(len(PAYLOADS)))
def test_the_app_opens_hostile_links_with_a_plain_text_notice(params):
    at = fresh(params)
    assert not at.exception, [e.value for e in at.exception]
    app = at.session_state[KEY]
    en = last(params.get("lang", "en")) != "zh"
    assert at.title[0].value == translate("step.title", "en" if en else "zh")
    expected = rejected(params)
    assert expected, "each payload carries at least one value the app must refuse"
    assert translate("notice.title", "en" if en else "zh") in [w.value for w in at.warning]
    shown = [el.value for el in at.text]  # st.text: shown verbatim, never parsed as markdown or HTML
    for key, value in expected:
        if key == "dataset" and value == "csv":
            assert translate("notice.csv_link", "en" if en else "zh") in markdown_texts(at)
        else:
            assert any(f"{key} = “{value}”" in line for line in shown), (key, value, shown)
    # hostile text reaches no markdown renderer, and nothing renders raw HTML
    for _, value in expected:
        if any(c in value for c in "<>[]()*$`!"):
            assert not any(value in m for m in markdown_texts(at)), value
    assert not any(el.proto.allow_html for el in at.markdown)
    assert not at.get("html")
    # the run behind it is valid and bounded
    assert app.session.iteration <= replay_cap(app.config, app.session.dataset)
    assert all(f.check(getattr(app.config, f.name)) for f in FIELD_BY_NAME.values())


def test_dismissing_the_notices_clears_them_and_the_run_stays():
    at = fresh({"dataset": "<script>alert(1)</script>", "lr": "0.5"})
    app = at.session_state[KEY]
    assert app.notices and app.config.lr == 0.5
    at.button(key="dismiss_notices").click().run()
    assert not at.exception
    assert not at.session_state[KEY].notices and not at.text
    assert at.session_state[KEY].config.lr == 0.5


# -- values a link may carry that the sidebar's widgets cannot show (ui/sidebar.py, reported) ----------


@pytest.mark.parametrize("params,key,value", [
    ({"optimizer": "momentum", "beta": "0.999"}, "beta", 0.999),
    ({"optimizer": "adam", "beta1": "0.995"}, "beta1", 0.995),
    ({"optimizer": "momentum", "beta": "0.97"}, "beta", 0.97),  # not one of the slider's usual stops
])
def test_valid_momentum_values_at_the_top_of_their_range_open_without_an_error(params, key, value):
    at = fresh(params)
    assert not at.exception, [e.value for e in at.exception]
    app = at.session_state[KEY]
    assert getattr(app.config, key) == value and getattr(app.session.settings, key) == value  # used as given
    assert at.select_slider(key=f"w_{key}").value == value  # and the slider shows it, so the link reproduces
    assert not app.notices and not at.warning and not at.text


@pytest.mark.parametrize("params,key", [
    ({"optimizer": "momentum", "beta": "1.5"}, "beta"),
    ({"optimizer": "adam", "beta1": "1"}, "beta1"),  # 1 would make Adam divide by zero
])
def test_momentum_values_past_their_range_fall_back_with_a_notice(params, key):
    at = fresh(params)
    assert not at.exception, [e.value for e in at.exception]
    app = at.session_state[KEY]
    default = getattr(bp.Config(), key)
    assert default == 0.9
    assert getattr(app.config, key) == default and getattr(app.session.settings, key) == default
    assert at.select_slider(key=f"w_{key}").value == default
    assert translate("notice.title", "en") in [w.value for w in at.warning]
    notice = translate("notice.item", "en").format(key=key, given=params[key], expected="a number from 0 to 0.999")
    assert [el.value for el in at.text] == [notice.replace("`", "")]


@pytest.mark.parametrize("params", [
    {"dataset": "sine", "output_act": "softmax"},  # softmax of one output: repaired with a notice
    {"dataset": "moons", "n_samples": "25", "noise": "0.123", "test_ratio": "0.33", "seed": "2147483647"},
    {"optimizer": "adam", "eps": "1e-12", "beta1": "0", "lr": "1e-05"},
    {"lr": "4"},
    {"optimizer": "adam", "beta2": "0.99999"},
    {"batch": "mini", "batch_size": "1"},
    {"reg": "l2", "reg_rate": "1"},
])
def test_a_valid_link_value_is_used_as_given_or_named_in_a_notice(params):
    at = fresh(params)
    assert not at.exception
    app = at.session_state[KEY]
    cfg, _ = bp.config.decode(params)
    named = {n.key for n in app.notices}
    changed = {f for f in NAMES if getattr(app.config, f) != getattr(cfg, f)}
    assert changed <= named, (changed, named)
