"""Config <-> URL query parameters: roundtrips, untrusted input that never raises, and repairs."""

from __future__ import annotations

from dataclasses import fields

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import backprop_core as bp
from backprop_core.config import FIELD_BY_NAME, MAX_STEP, decode, encode, make_consistent, parse_step
from backprop_core.presets import PRESETS
from backprop_core.session import dataset_for, initial_network

NAMES = tuple(f.name for f in fields(bp.Config))


def test_defaults_are_the_xor_preset():
    assert bp.Config() == PRESETS["xor"]
    assert encode(bp.Config()) == {}


@pytest.mark.parametrize("name", tuple(PRESETS))
def test_every_preset_roundtrips_and_is_consistent(name):
    cfg = PRESETS[name]
    assert make_consistent(cfg) == (cfg, [])
    params = encode(cfg)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in params.items())
    assert decode(params) == (cfg, [])


def test_encode_writes_only_changed_fields_and_floats_exactly():
    cfg = bp.Config(lr=0.1 + 0.2, hidden=(4, 5), standardize=True)
    assert encode(cfg) == {"lr": repr(0.1 + 0.2), "hidden": "4-5", "standardize": "1"}
    assert decode(encode(cfg))[0].lr == 0.1 + 0.2  # 0.30000000000000004, bit for bit


@pytest.mark.parametrize(
    ("key", "value"),
    [("lr", "nan"), ("lr", "inf"), ("lr", "-0.1"), ("lr", "11"), ("seed", "-1"), ("seed", "1.5"),
     ("hidden", "3-0"), ("hidden", "1-2-3-4-5-6-7"), ("hidden", "300"), ("hidden_act", "softmax"),
     ("dataset", "cifar10"), ("standardize", "maybe"), ("batch", "huge"), ("n_samples", "9" * 70),
     ("noise", "١٫٥"), ("eps", "0"), ("beta", "1"), ("loss", "hinge")],
)
def test_a_bad_value_keeps_the_base_value_and_names_the_key(key, value):
    base = PRESETS["moons"]
    cfg, notices = decode({key: value, "unrelated": "x"}, base)
    assert cfg == base
    assert [n.key for n in notices] == [key]
    assert notices[0].given == value[:40]
    assert notices[0].expected == FIELD_BY_NAME[key].describe


def test_overlong_values_are_refused_before_parsing():
    cfg, notices = decode({"lr": "0.5" + "0" * 80, "seed": "1" * 5000})  # both would parse
    assert cfg == bp.Config() and [n.key for n in notices] == ["lr", "seed"]
    assert len(notices[1].given) == 40


def test_unicode_digits_and_whitespace_parse_as_numbers():
    cfg, notices = decode({"seed": " ٤٢ ", "hidden": "4, 5"})
    assert (cfg.seed, cfg.hidden, notices) == (42, (4, 5), [])


def test_repairs_name_what_they_changed():
    cfg, notices = decode({"output_act": "sigmoid", "loss": "ce"})
    assert (cfg.output_act, cfg.loss) == ("sigmoid", "mse")
    assert [n.key for n in notices] == ["loss"]
    cfg, notices = decode({"dataset": "sine", "output_act": "softmax", "loss": "ce"})
    assert (cfg.loss, cfg.output_act) == ("mse", "linear")
    cfg, notices = decode({"init": "worked"})  # the worked weights only fit the worked 2-2-2 example
    assert cfg.init == "xavier" and [n.key for n in notices] == ["init"]


def test_digits_cannot_ask_for_more_samples_than_exist():
    cfg, notices = decode({"dataset": "digits", "n_samples": "2000"})
    assert cfg.n_samples == 1797
    assert [n.key for n in notices] == ["n_samples"]
    assert dataset_for(cfg).n_train + dataset_for(cfg).n_test == 1797


def test_each_dataset_asks_for_at_most_what_it_can_give():
    cfg, notices = decode({"dataset": "mnist", "n_samples": "5000"})  # the mnist preset's own link
    assert (cfg.n_samples, notices) == (5000, [])
    cfg, notices = decode({"dataset": "mnist", "n_samples": "5001"})  # past the field's range: base value kept
    assert cfg.n_samples == bp.Config().n_samples and [n.key for n in notices] == ["n_samples"]
    cfg, notices = decode({"dataset": "moons", "n_samples": "3000"})  # generated: the sidebar slider's 2000
    assert cfg.n_samples == 2000 and [(n.key, n.given) for n in notices] == [("n_samples", "3000")]
    cfg, notices = decode({"dataset": "xor", "n_samples": "3000"})  # a fixed set ignores the size
    assert cfg.n_samples == 3000 and notices == []
    assert decode(encode(PRESETS["mnist"])) == (PRESETS["mnist"], [])
    assert dataset_for(PRESETS["mnist"]).n_train == 4000


def test_parse_step_bounds():
    assert parse_step("0") == (0, None)
    assert parse_step(str(MAX_STEP)) == (MAX_STEP, None)
    assert parse_step(["3", "17"]) == (17, None)
    k, notice = parse_step(str(MAX_STEP + 1))
    assert k == MAX_STEP and notice.key == "step"
    for bad in ("-1", "abc", "1e3", "", None, "9" * 13, "nan", "2.5"):
        k, notice = parse_step(bad)
        assert k == 0 and notice is not None and notice.key == "step", bad


# -- untrusted query parameters -----------------------------------------------------------------
NASTY = ("nan", "NaN", "inf", "-inf", "1e309", "-1", "-0", "0", "1", "1e-300", "true", "", " ", "1-2-3", "3,3",
         "0x10", "٣", "１２", "\x00", "🙂", "2000", "20000", "-5-3")
CHOICES = ("xor", "digits", "worked", "sine", "blobs", "spirals", "moons", "sigmoid", "tanh", "relu",
           "leaky_relu", "linear", "softmax", "mse", "bce", "ce", "sgd", "momentum", "adam", "full", "mini",
           "single", "none", "l1", "l2", "xavier", "he", "uniform", "zeros", "worked", "0.5", "64", "2-2")
VALUES = st.one_of(
    st.sampled_from(NASTY + CHOICES),
    st.text(max_size=20),
    st.text(min_size=60, max_size=3000),
    st.integers(-10**30, 10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
KEYS = st.one_of(st.sampled_from(NAMES), st.text(max_size=12))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(KEYS, VALUES, max_size=12))
def test_decode_never_raises_and_always_gives_a_runnable_config(params):
    cfg, notices = decode(params)
    assert isinstance(cfg, bp.Config)
    for f in FIELD_BY_NAME.values():  # every field holds an allowed value
        assert f.check(getattr(cfg, f.name)), f.name
    assert {n.key for n in notices} <= set(NAMES)
    for key, raw in params.items():  # a given field either took the value or has a notice naming it
        if key in FIELD_BY_NAME and not any(n.key == key for n in notices):
            assert getattr(cfg, key) == FIELD_BY_NAME[key].parse(raw)
    # what Session needs: the dataset and a network whose output activation fits the loss
    ds = dataset_for(cfg)
    net = initial_network(cfg, ds.n_features, ds.n_outputs)
    assert net.sizes == (ds.n_features, *cfg.hidden, ds.n_outputs)
    bp.make_optimizer(cfg.optimizer, cfg.lr, cfg.beta, cfg.beta1, cfg.beta2, cfg.eps)


VALID = st.builds(
    bp.Config,
    dataset=st.sampled_from(tuple(bp.DATASETS)),
    n_samples=st.integers(20, 5000),
    hidden=st.lists(st.integers(1, 8), max_size=3).map(tuple),
    hidden_act=st.sampled_from(bp.HIDDEN_ACTIVATIONS),
    output_act=st.sampled_from(tuple(bp.ACTIVATIONS)),
    loss=st.sampled_from(tuple(bp.LOSSES)),
    optimizer=st.sampled_from(tuple(bp.OPTIMIZERS)),
    lr=st.floats(1e-5, 10.0),
    reg_rate=st.floats(0.0, 1.0),
    train_biases=st.booleans(),
    seed=st.integers(0, 2**31 - 1),
)


@settings(max_examples=100, deadline=None)
@given(VALID)
def test_encode_decode_roundtrip_for_valid_configs(cfg):
    fixed, _ = make_consistent(cfg)
    assert decode(encode(fixed)) == (fixed, [])
    assert make_consistent(fixed) == (fixed, [])  # repairs are final


def test_learning_rate_options_and_snapping():
    from backprop_core.config import LR_OPTIONS, snap_lr

    assert LR_OPTIONS[:5] == (1e-5, 2e-5, 3e-5, 5e-5, 7e-5) and LR_OPTIONS[-6:] == (1.0, 2.0, 3.0, 5.0, 7.0, 10.0)
    assert len(LR_OPTIONS) == 31 and list(LR_OPTIONS) == sorted(LR_OPTIONS)
    assert snap_lr(2.0) == 2.0
    assert snap_lr(0.04) == 0.05  # log-nearest: ln(0.05/0.04) = 0.223 < ln(0.04/0.03) = 0.288
    assert snap_lr(0.025) == 0.03  # ln(0.03/0.025) = 0.182 < ln(0.025/0.02) = 0.223
    assert snap_lr(1e-9) == 1e-5 and snap_lr(1e3) == 10.0
