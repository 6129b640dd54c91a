"""Hostile uploads: broken CSVs and run files raise only their own error with a message, the app shows it and
keeps the current run; a saved run reloads bit for bit; and nothing in the app can unpickle or eval a file."""

from __future__ import annotations

import ast
import copy
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

import backprop_core as bp
from backprop_core.datasets import MAX_CSV_BYTES, MAX_CSV_COLUMNS, MAX_CSV_ROWS
from backprop_core.runfile import MAX_RUN_BYTES, RunFileError, load_run, run_json
from ui.csv_upload import csv_error_text
from ui.i18n import translate
from ui.shell import plain_markdown
from ui.state import KEY

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
MB3 = b"a,b,y\n" + b"0.25,1.5,1\n" * (3_000_000 // 11)  # a 3 MB CSV: over MAX_CSV_BYTES and server.maxUploadSize

# -- CSV: the loader ---------------------------------------------------------------------------------
CELL = st.one_of(
    st.sampled_from(["0", "1", "-1", "0.5", "1e15", "1e16", "-1e16", "nan", "NaN", "inf", "-inf", "NA", "n/a", "?",
                     "", " ", "a", "b", "1e-320", "4.9e-324", "1_0", "0x1", "٣", '"', '""', "\x00", "1e308", "-0",
                     "<script>", "[x](y)", "$x$"]),
    st.text(max_size=6),
    st.floats().map(repr),
    st.integers(-(10**20), 10**20).map(str),
)


@st.composite
def csv_like(draw) -> bytes:
    """Header + rows that are mostly, but not always, rectangular; assorted separators, newlines, encodings."""
    width = draw(st.integers(0, 5))
    header = draw(st.lists(st.one_of(st.sampled_from(["x", "y", "a", "", "x1", "<b>y</b>"]), st.text(max_size=4)),
                           min_size=width, max_size=width))
    rows = draw(st.lists(st.lists(CELL, min_size=max(0, width - draw(st.integers(0, 1))),
                                  max_size=width + draw(st.integers(0, 1))), max_size=14))
    sep, nl = draw(st.sampled_from([",", ";", "\t", ", "])), draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = nl.join(sep.join(r) for r in [header, *rows])
    return text.encode(draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"])), errors="replace")


@st.composite
def learnable_csv(draw) -> bytes:
    """A well-formed numeric CSV (some of them degenerate: one class, constant columns, extreme values)."""
    n, d = draw(st.integers(1, 30)), draw(st.integers(1, 4))
    num = st.one_of(st.integers(-3, 3), st.floats(-1e15, 1e15, allow_nan=False), st.sampled_from([0.0, 1e-300]))
    rows = [[repr(float(draw(num))) for _ in range(d)] + [str(draw(st.integers(0, draw(st.integers(0, 25)))))]
            for _ in range(n)]
    return "\n".join([",".join([*(f"f{j}" for j in range(d)), "y"]), *(",".join(r) for r in rows)]).encode()


def assert_loads_or_says_why(data: bytes, target: str | None, task: str | None) -> None:
    try:
        ds = bp.load_csv(data, target, task=task)
    except bp.CSVError as exc:
        assert str(exc).strip(), type(exc)
        assert isinstance(exc.code, str) and exc.code
        return
    for a in (ds.X_train, ds.Y_train, ds.X_test, ds.Y_test):
        assert np.isfinite(a).all()
    s = bp.Session(bp.Config(dataset="csv", hidden=(2,), lr=0.1), ds)  # and it trains (or reports divergence)
    s.run(2)
    assert s.iteration == 2 or s.diverged is not None


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(csv_like(), learnable_csv()), st.one_of(st.none(), st.sampled_from(["x", "y", "", "<b>y</b>"])),
       st.sampled_from([None, "binary", "multiclass", "regression"]))
def test_any_csv_text_loads_or_raises_a_csv_error_with_a_message(data, target, task):
    assert_loads_or_says_why(data, target, task)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_load_or_raise_a_csv_error_with_a_message(data):
    assert_loads_or_says_why(data, None, None)
    try:
        cols = bp.csv_columns(data)
    except bp.CSVError as exc:
        assert str(exc).strip()
    else:
        assert 2 <= len(cols) <= MAX_CSV_COLUMNS and all(cols)


@pytest.mark.parametrize(("data", "code"), [
    (MB3, "too_many_bytes"),
    (b"a,y\n" + b"1," * ((MAX_CSV_BYTES - 3) // 2) + b"1", "too_many_bytes"),  # one byte over the limit
    (b"a,y\n" + b"1,0\n" * (MAX_CSV_ROWS + 1), "too_many_rows"),
    (",".join(f"c{i}" for i in range(MAX_CSV_COLUMNS + 1)).encode() + b"\n", "too_many_columns"),
    (b"", "empty"),
    (b"\xff\xfe\x00\x00", "encoding"),
    (b"a,y\n1,0\n2,1\n", "too_few_rows"),
])
def test_limits_are_enforced_with_their_own_codes(data, code):
    with pytest.raises(bp.CSVError) as err:
        bp.load_csv(data)
    assert err.value.code == code and str(err.value)


# -- CSV: what the UI shows --------------------------------------------------------------------------
MARKDOWN_PUNCTUATION = set("\\`*_{}[]()<>#+-.!|~$:&\"'=")


def commonmark_unescape(text: str) -> str:
    """CommonMark's rule, written out: a backslash before ASCII punctuation stands for that character."""
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in MARKDOWN_PUNCTUATION:
            out.append(text[i + 1])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(sorted(MARKDOWN_PUNCTUATION) + list("ab 🙂\t")), max_size=60) | st.text())
def test_plain_markdown_leaves_no_markup_and_shows_the_text_unchanged(text):
    text = text.replace("\n", " ").replace("\r", " ")  # messages are one line; newlines become hard breaks
    escaped = plain_markdown(text)
    assert commonmark_unescape(escaped) == text
    i = 0
    while i < len(escaped):  # every markdown-active character is escaped by a backslash
        if escaped[i] == "\\":
            assert escaped[i + 1] in MARKDOWN_PUNCTUATION
            i += 2
            continue
        assert escaped[i] not in MARKDOWN_PUNCTUATION, (escaped, i)
        i += 1


def test_a_csv_error_shows_its_translated_headline_and_the_escaped_detail():
    with pytest.raises(bp.CSVError) as err:
        bp.load_csv(b"[c](https://evil.example),y\noops,1\n1,0\n1,1\n2,0\n")
    text = csv_error_text(err.value)
    head, detail = text.split("\n\n", 1)
    assert head == translate("csv.err.not_numeric", "en")
    assert commonmark_unescape(detail) == str(err.value)
    assert "](" not in detail and "\\]\\(https\\:" in detail


def fresh_csv_app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.session_state["w_dataset"] = "csv"
    at.run()
    assert not at.exception
    return at


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="w_csv_file").set_value((name, data, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


BAD_CSVS = [
    ("big.csv", MB3, "csv.err.too_many_bytes"),
    ("junk.csv", bytes(range(256)) * 20, "csv.err.encoding"),
    ("short.csv", b"a,b\n1,2\n", "csv.err.too_few_rows"),
    ("inject.csv", b"x1,y\n![i](http://evil.example/i.png),1\n1,0\n1,1\n2,0\n", "csv.err.not_numeric"),
    ("ragged.csv", b"x1,x2,y\n1,2,3\n1,2\n1,2,3\n1,2,3\n", "csv.err.parse_error"),
]
GOOD_CSV = b"x1,x2,y\n" + b"".join(f"{i % 7},{i % 5},{(i % 7 + i % 5) % 2}\n".encode() for i in range(40))


def test_bad_csv_uploads_show_an_error_and_keep_the_current_run():
    at = fresh_csv_app()
    app = at.session_state[KEY]
    before = (app.session.dataset, app.session.iteration, app.session.net.flatten().copy())
    for name, data, headline in BAD_CSVS:  # no CSV yet: the current (XOR) run stays
        upload(at, name, data)
        errors = [e.value for e in at.error]
        assert len(errors) == 1 and errors[0].startswith(translate(headline, "en")), (name, errors)
        assert "](http" not in errors[0]  # the file's own text cannot become a link or an image
        s = at.session_state[KEY].session
        assert (s.dataset, s.iteration) == before[:2] and np.array_equal(s.net.flatten(), before[2])
        assert at.session_state[KEY].csv is None


def test_a_bad_csv_after_a_good_one_keeps_the_csv_run():
    at = upload(fresh_csv_app(), "good.csv", GOOD_CSV)
    app = at.session_state[KEY]
    ds = app.session.dataset
    assert app.csv is ds and ds.n_features == 2 and ds.n_train + ds.n_test == 40
    app.session.run(3)  # three steps through the core (the step page's buttons are tested elsewhere)
    at.run()
    params = app.session.net.flatten().copy()
    for name, data, _ in BAD_CSVS[:3]:
        upload(at, name, data)
        assert at.error
        s = at.session_state[KEY].session
        assert s.dataset is ds and s.iteration == 3 and np.array_equal(s.net.flatten(), params)


# -- run files ---------------------------------------------------------------------------------------
def saved(cfg: bp.Config, k: int, dataset: bp.Dataset | None = None) -> bp.Session:
    s = bp.Session(cfg, dataset)
    s.run(k)
    return s


BASE_RUN = json.loads(run_json(saved(bp.Config(optimizer="adam", hidden=(3,)), 4)))
RAW = {  # JSON texts no Python value dumps to: put in through a placeholder string
    "@big": "1e400", "@nbig": "-1e400", "@int30": "1" * 30, "@int5000": "7" * 5000, "@nan": "NaN",
    "@inf": "Infinity", "@tiny": "1e-400", "@bomb": "[" * 3000 + "]" * 3000,
    "@objbomb": '{"a":' * 3000 + "1" + "}" * 3000,
}
HOSTILE_VALUES = st.one_of(
    st.sampled_from(sorted(RAW)),
    st.sampled_from(["1.5", "nan", "", "<script>", "x" * 500, True, False, None, {}, [], [[]], [[[]]], 0, -1, 1,
                     10**9, 10**9 + 1, 0.5, -0.0, {"a": 1}, ["1", "2"], [True, False], [None]]),
    st.lists(st.floats(allow_nan=False, allow_infinity=False), max_size=5),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
)


def paths(obj, prefix=()):
    """Every place in a JSON tree (dict keys and list indices), the root excluded."""
    items = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else ()
    for k, v in items:
        yield (*prefix, k)
        yield from paths(v, (*prefix, k))


ALL_PATHS = list(paths(BASE_RUN))


DROP = object()


def mutated(changes: list[tuple[tuple, object]], drop: list[tuple]) -> bytes:
    obj = copy.deepcopy(BASE_RUN)
    for path, value in [*changes, *((p, DROP) for p in drop)]:
        node = obj
        try:  # an earlier change may have replaced the way there: then this one has nothing to do
            for k in path[:-1]:
                node = node[k]
            if value is DROP:
                del node[path[-1]]
            else:
                node[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            pass
    text = json.dumps(obj)
    for key, raw in RAW.items():
        text = text.replace(json.dumps(key), raw)
    return text.encode()


def assert_loads_fully_or_says_why(data: bytes, dataset: bp.Dataset | None = None) -> bp.Session | None:
    try:
        s = load_run(data, dataset)
    except RunFileError as exc:
        assert str(exc).strip()
        return None
    # a complete session: parameters and optimizer slots finite and shaped for its network, history in order
    shapes = s.net.spec.shapes
    assert [w.shape for w in s.net.weights] == list(shapes)
    assert all(np.isfinite(a).all() for a in (*s.net.weights, *s.net.biases))
    fresh_state = s.settings.make_optimizer().init(s.net)
    assert len(s.state.opt_state.slots) == len(fresh_state.slots)
    for slot, template in zip(s.state.opt_state.slots, fresh_state.slots):
        assert [a.shape for a in slot] == [a.shape for a in template]
        assert all(np.isfinite(a).all() for a in slot)
    its = s.history.column("iteration")
    assert np.all(np.diff(its) > 0) and (its.size == 0 or its[-1] <= s.iteration)
    before = s.iteration
    s.step()
    assert s.iteration == before + 1 or s.diverged is not None
    return s


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(ALL_PATHS), HOSTILE_VALUES), min_size=1, max_size=3),
       st.lists(st.sampled_from(ALL_PATHS), max_size=2))
def test_a_run_file_with_wrong_values_in_any_place_is_refused_with_a_message(changes, drop):
    assert_loads_fully_or_says_why(mutated(changes, drop))


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode),
                 st.sampled_from(list(RAW.values())).map(str.encode)))
def test_any_bytes_as_a_run_file_are_refused_with_a_message(data):
    with pytest.raises(RunFileError) as err:
        load_run(data)
    assert str(err.value).strip()


def with_weights(layer0) -> bytes:
    return mutated([(("weights", 0), layer0)], [])


@pytest.mark.parametrize(("data", "says"), [
    (with_weights([["@big", 0, 0], [0, 0, 0]]), "not finite"),  # 1e400 parses as inf
    (with_weights([["@int30"] * 3] * 2), "30 digits"),
    (with_weights([["@int5000"] * 3] * 2), "5,000 digits"),
    (with_weights([["1", "2", "3"], ["4", "5", "6"]]), "list of numbers shaped 2 × 3"),  # strings for numbers
    (with_weights([[True, False, True], [1, 0, 1]]), "list of numbers shaped 2 × 3"),  # booleans for numbers
    (with_weights([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]), "shaped 2 × 3"),  # transposed
    (with_weights("@bomb"), "nested too deeply"),
    (mutated([(("config", "hidden"), "<b>[x](http://e)</b>")], []), "setting 'hidden'"),
    (mutated([(("version",), list(range(10_000)))], []), "version"),
    (mutated([(("iteration",), -1)], []), "iteration"),
    (mutated([(("iteration",), 1)], []), "history"),  # the history goes past the run's own iteration
    (mutated([(("history", "rows"), BASE_RUN["history"]["rows"][::-1])], []), "increasing order"),
    (mutated([(("optimizer",), "sgd")], []), "optimizer"),
    (mutated([(("optimizer_state", "slots"), [])], []), "optimizer_state"),
    (b"[" + b"0.0," * (MAX_RUN_BYTES // 4) + b"0]", "at most"),  # just over the size limit
    (json.dumps({**BASE_RUN, "pad": [0.0] * (MAX_RUN_BYTES // 4)}).encode()[:MAX_RUN_BYTES], "not valid JSON"),
], ids=["1e400", "30-digit ints", "5000-digit ints", "strings", "booleans", "transposed", "depth bomb",
        "markup in config", "huge version", "negative iteration", "history past iteration", "history reversed",
        "optimizer mismatch", "no slots", "over the size limit", "truncated"])
def test_specific_hostile_run_files_name_what_is_wrong(data, says):
    with pytest.raises(RunFileError) as err:
        load_run(data)
    assert says in str(err.value)
    assert len(str(err.value)) < 300  # a message, not an echo of the file


def test_a_huge_array_within_the_size_limit_is_refused_quickly_and_plainly():
    data = mutated([(("weights", 0), [[0.0] * 3] * 280_000)], [])
    assert len(data) < MAX_RUN_BYTES
    with pytest.raises(RunFileError, match="shaped 2 × 3"):
        load_run(data)


CONFIGS = st.builds(
    bp.Config,
    dataset=st.sampled_from(("xor", "moons", "blobs", "sine", "worked")),
    n_samples=st.integers(20, 60),
    hidden=st.lists(st.integers(1, 5), max_size=3).map(tuple),
    hidden_act=st.sampled_from(bp.HIDDEN_ACTIVATIONS),
    optimizer=st.sampled_from(tuple(bp.OPTIMIZERS)),
    lr=st.sampled_from((0.01, 0.1, 0.5)),
    batch=st.sampled_from(("full", "mini", "single")),
    batch_size=st.integers(1, 16),
    reg=st.sampled_from(bp.REGULARIZATIONS),
    reg_rate=st.sampled_from((0.0, 0.01)),
    train_biases=st.booleans(),
    seed=st.integers(0, 2**31 - 1),
).map(lambda c: bp.config.make_consistent(c)[0])


def same_step(a: bp.StepRecord, b: bp.StepRecord) -> bool:
    arrays = lambda r: (*r.update.new_weights, *r.update.new_biases, r.batch, r.forward.output)  # noqa: E731
    return a.backward.loss == b.backward.loss and all(np.array_equal(x, y) for x, y in zip(arrays(a), arrays(b)))


@settings(max_examples=60, deadline=None)
@given(CONFIGS, st.integers(0, 25))
def test_a_saved_run_reloads_and_its_next_step_is_bit_for_bit_the_same(cfg, k):
    original = saved(cfg, k)
    loaded = load_run(run_json(original).encode())
    assert loaded.config == original.config and loaded.iteration == original.iteration
    assert np.array_equal(loaded.net.flatten(), original.net.flatten())
    a, b = original.step(), loaded.step()
    assert (a is None) == (b is None)
    if a is not None:
        assert same_step(a, b)
    assert run_json(loaded) == run_json(original)


def test_a_csv_run_reloads_with_its_csv_and_not_without_it():
    ds = bp.load_csv(GOOD_CSV, "y")
    original = saved(bp.Config(dataset="csv", hidden=(4,), optimizer="momentum", batch="mini", batch_size=8), 6, ds)
    data = run_json(original).encode()
    with pytest.raises(RunFileError, match="upload that CSV first"):
        load_run(data)
    loaded = load_run(data, ds)
    assert loaded.dataset is ds and loaded.config == original.config
    assert same_step(original.step(), loaded.step())


def test_a_built_in_run_ignores_a_csv_that_happens_to_be_loaded():
    original = saved(bp.Config(dataset="moons", hidden=(2,)), 3)
    loaded = load_run(run_json(original).encode(), bp.load_csv(GOOD_CSV, "y"))  # same 2 features, 1 output
    assert loaded.dataset.name == "moons"
    assert same_step(original.step(), loaded.step())


def save_page_upload(data: bytes) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("pages/save.py").run()
    at.file_uploader(key="run_upload").set_value(("run.json", data, "application/json")).run()
    next(b for b in at.button if b.label == translate("save.load_button", "en")).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_save_page_shows_a_bad_run_files_error_and_keeps_the_run():
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("pages/save.py").run()
    s = at.session_state[KEY].session
    s.run(2)
    params = s.net.flatten().copy()
    at.file_uploader(key="run_upload").set_value(("x.json", with_weights([["@big", 0, 0], [0, 0, 0]]), "text/json"))
    at.run()
    next(b for b in at.button if b.label == translate("save.load_button", "en")).click().run()
    assert not at.exception
    assert at.session_state[KEY].session is s and s.iteration == 2 and np.array_equal(s.net.flatten(), params)
    assert any(e.value.startswith(translate("save.bad", "en")) for e in at.error)


def test_the_save_page_loads_a_good_run_file():
    original = saved(bp.Config(dataset="moons", hidden=(4,), optimizer="adam", lr=0.1), 7)
    at = save_page_upload(run_json(original).encode())
    s = at.session_state[KEY].session
    assert s.iteration == 7 and s.config == original.config
    assert same_step(original.step(), s.step())


def test_the_save_page_shows_the_files_own_text_literally():
    at = save_page_upload(mutated([(("config", "hidden"), "[x](http://evil.example)")], []))
    assert at.error and not any("](http" in e.value for e in at.error)


# -- nothing can deserialise code ----------------------------------------------------------------------
SOURCES = [p for d in ("backprop_core", "ui", "pages", "viz") for p in sorted((ROOT / d).rglob("*.py"))]
SOURCES.append(ROOT / "app.py")
BANNED_MODULES = {"pickle", "cPickle", "_pickle", "marshal", "shelve", "dill", "cloudpickle", "joblib"}
BANNED_BUILTINS = {"eval", "exec", "compile", "__import__"}  # as bare names (re.compile is fine)
BANNED_METHODS = {"read_pickle", "load_pickle"}


def unsafe_deserialisation(source: str) -> list[str]:
    """Imports of pickle-like modules, eval/exec-like calls, and np.load(..., allow_pickle=<anything but False>)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] + ([node.module] if isinstance(node, ast.ImportFrom) else [])
            found += [f"import {n}" for n in names if n and n.split(".")[0] in BANNED_MODULES]
        elif isinstance(node, ast.Call):
            f = node.func
            name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
            builtin = isinstance(f, ast.Name) or (isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name)
                                                  and f.value.id == "builtins")
            if (builtin and name in BANNED_BUILTINS) or name in BANNED_METHODS:
                found.append(f"{name}()")
            for kw in node.keywords:
                if kw.arg == "allow_pickle" and not (isinstance(kw.value, ast.Constant) and kw.value.value is False):
                    found.append(f"{name}(allow_pickle=...)")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in BANNED_MODULES:
            found.append(f"{node.value.id}.{node.attr}")
    return found


def test_the_scanner_finds_each_way_of_deserialising_code():
    bad = ("import pickle\nfrom marshal import loads\nimport shelve as s\nx = eval('1')\nexec('y=1')\n"
           "np.load(f, allow_pickle=True)\nnp.load(f, allow_pickle=flag)\npd.read_pickle(f)\n__import__('os')\n"
           "builtins.eval(s)\ncompile(s, 'f', 'exec')\n")
    assert len(unsafe_deserialisation(bad)) == 11
    clean = "np.load(f, allow_pickle=False)\njson.loads(s)\nmodel.evaluate(x)\nre.compile('x')\nnet.eval()\n"
    assert unsafe_deserialisation(clean) == []


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_source_file_can_unpickle_or_eval(path):
    assert unsafe_deserialisation(path.read_text(encoding="utf-8")) == []
