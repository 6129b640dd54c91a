"""The whole run as a frozen record of names and numbers, and one table that encodes, decodes and
validates it (URL query parameters are strings and untrusted)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from .activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from .datasets import DATASETS, IMAGE_SETS
from .losses import LOSSES, losses_for
from .network import INITS, REGULARIZATIONS
from .optimizers import OPTIMIZERS

BATCH_MODES = ("full", "mini", "single")
MAX_HIDDEN_LAYERS = 6
MAX_WIDTH = 256
MAX_STEP = 20_000  # the most iterations a shared link may ask to replay
MAX_SAMPLES = max(s.n_samples for s in IMAGE_SETS.values())  # the largest bundled set (mnist: 5,000)
MAX_GENERATED_SAMPLES = 2000  # generated sets (moons, spirals, ...): the sidebar slider's range
OUTPUT_ACTIVATIONS = tuple(ACTIVATIONS)
INIT_CHOICES = INITS + ("worked",)  # "worked": the published weights of the 2-2-2 example
# The learning rates the sidebar and Compare offer: 1, 2, 3, 5, 7 per decade from 1e-5, and 10.
LR_OPTIONS = tuple(sorted({float(f"{m}e{d}") for d in range(-5, 1) for m in (1, 2, 3, 5, 7)} | {10.0}))


def snap_lr(lr: float) -> float:
    """The learning-rate option nearest (in log scale) to lr."""
    return min(LR_OPTIONS, key=lambda o: abs(math.log(o) - math.log(lr)))


@dataclass(frozen=True)
class Config:
    """Everything that defines a run. ``hidden`` lists hidden-layer widths (may be empty)."""

    dataset: str = "xor"
    n_samples: int = 200
    noise: float = 0.1
    test_ratio: float = 0.2
    standardize: bool = False
    hidden: tuple[int, ...] = (3,)
    hidden_act: str = "sigmoid"
    output_act: str = "sigmoid"
    loss: str = "mse"
    optimizer: str = "sgd"
    lr: float = 7.0
    beta: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    batch: str = "full"
    batch_size: int = 32
    reg: str = "none"
    reg_rate: float = 0.0
    init: str = "xavier"
    train_biases: bool = True
    seed: int = 0

    def replace(self, **changes: Any) -> Config:
        return replace(self, **changes)


@dataclass(frozen=True)
class Field:
    """How one Config field is written to and read from a string, and which values are allowed."""

    name: str
    parse: Callable[[str], Any]
    check: Callable[[Any], bool]
    describe: str
    dump: Callable[[Any], str] = str


def _choice(options: tuple[str, ...]) -> Callable[[Any], bool]:
    return lambda v: v in options


def _range(lo: float, hi: float) -> Callable[[Any], bool]:
    return lambda v: isinstance(v, (int, float)) and math.isfinite(v) and lo <= v <= hi


def _bool(s: str) -> bool:
    low = s.strip().lower()
    if low in ("1", "true", "yes", "on"):
        return True
    if low in ("0", "false", "no", "off"):
        return False
    raise ValueError(s)


def _hidden(s: str) -> tuple[int, ...]:
    s = s.strip()
    return tuple(int(p) for p in s.replace(",", "-").split("-") if p.strip()) if s else ()


def _hidden_ok(v: tuple[int, ...]) -> bool:
    return len(v) <= MAX_HIDDEN_LAYERS and all(1 <= w <= MAX_WIDTH for w in v)


FIELDS: tuple[Field, ...] = (
    Field("dataset", str, _choice(tuple(DATASETS)), f"one of {', '.join(DATASETS)}"),
    Field("n_samples", int, _range(20, MAX_SAMPLES), f"a whole number from 20 to {MAX_SAMPLES}"),
    Field("noise", float, _range(0.0, 1.0), "a number from 0 to 1"),
    Field("test_ratio", float, _range(0.0, 0.5), "a number from 0 to 0.5"),
    Field("standardize", _bool, lambda v: isinstance(v, bool), "true or false", lambda v: "1" if v else "0"),
    Field("hidden", _hidden, _hidden_ok,
          f"up to {MAX_HIDDEN_LAYERS} widths of 1..{MAX_WIDTH} joined by '-'", lambda v: "-".join(map(str, v))),
    Field("hidden_act", str, _choice(HIDDEN_ACTIVATIONS), f"one of {', '.join(HIDDEN_ACTIVATIONS)}"),
    Field("output_act", str, _choice(OUTPUT_ACTIVATIONS), f"one of {', '.join(OUTPUT_ACTIVATIONS)}"),
    Field("loss", str, _choice(tuple(LOSSES)), f"one of {', '.join(LOSSES)}"),
    Field("optimizer", str, _choice(tuple(OPTIMIZERS)), f"one of {', '.join(OPTIMIZERS)}"),
    Field("lr", float, _range(1e-5, 10.0), "a number from 0.00001 to 10", repr),
    Field("beta", float, _range(0.0, 0.999), "a number from 0 to 0.999", repr),
    Field("beta1", float, _range(0.0, 0.999), "a number from 0 to 0.999", repr),
    Field("beta2", float, _range(0.0, 0.99999), "a number from 0 to 0.99999", repr),
    Field("eps", float, _range(1e-12, 1e-2), "a number from 1e-12 to 0.01", repr),
    Field("batch", str, _choice(BATCH_MODES), f"one of {', '.join(BATCH_MODES)}"),
    Field("batch_size", int, _range(1, 1024), "a whole number from 1 to 1024"),
    Field("reg", str, _choice(REGULARIZATIONS), f"one of {', '.join(REGULARIZATIONS)}"),
    Field("reg_rate", float, _range(0.0, 1.0), "a number from 0 to 1", repr),
    Field("init", str, _choice(INIT_CHOICES), f"one of {', '.join(INIT_CHOICES)}"),
    Field("train_biases", _bool, lambda v: isinstance(v, bool), "true or false", lambda v: "1" if v else "0"),
    Field("seed", int, _range(0, 2**31 - 1), "a whole number from 0 to 2147483647"),
)
FIELD_BY_NAME = {f.name: f for f in FIELDS}
assert tuple(f.name for f in FIELDS) == tuple(f.name for f in fields(Config))

MAX_PARAM_CHARS = 64  # no field needs more; longer values are refused before parsing


@dataclass(frozen=True)
class Notice:
    """A value that was not accepted: which key, what was given (truncated), what is allowed."""

    key: str
    given: str
    expected: str


def encode(cfg: Config) -> dict[str, str]:
    """Config -> query parameters, only the fields that differ from the defaults (short links)."""
    base = Config()
    out = {}
    for f in FIELDS:
        v = getattr(cfg, f.name)
        if v != getattr(base, f.name):
            out[f.name] = f.dump(v)
    return out


def decode(params: Mapping[str, Any], base: Config | None = None) -> tuple[Config, list[Notice]]:
    """Query parameters -> (Config, notices). Never raises: a bad value keeps ``base``'s value and
    adds a Notice; unknown keys are ignored (other parts of the app own them)."""
    cfg = base or Config()
    notices: list[Notice] = []
    changes: dict[str, Any] = {}
    for key, raw in params.items():
        f = FIELD_BY_NAME.get(key)
        if f is None:
            continue
        text = raw[-1] if isinstance(raw, (list, tuple)) and raw else raw
        text = text if isinstance(text, str) else str(text)
        try:
            if len(text) > MAX_PARAM_CHARS:
                raise ValueError("too long")
            value = f.parse(text)
            ok = f.check(value)
        except (ValueError, TypeError, OverflowError):
            ok = False
        if ok:
            changes[key] = value
        else:
            notices.append(Notice(key, text[:40], f.describe))
    cfg = replace(cfg, **changes)
    return make_consistent(cfg, notices)


def make_consistent(cfg: Config, notices: list[Notice] | None = None,
                    task: str | None = None) -> tuple[Config, list[Notice]]:
    """Repair combinations that cannot run (a loss that does not fit the output activation,
    the worked weights on another shape), saying what was changed. ``task`` overrides the
    registry's (for uploaded data)."""
    notices = list(notices or [])
    task = task or (DATASETS[cfg.dataset].task if cfg.dataset in DATASETS else None)
    if cfg.output_act == "softmax" and task in ("binary", "regression") and cfg.dataset != "worked":
        act = "sigmoid" if task == "binary" else "linear"  # softmax of one output is always 1: nothing to learn
        notices.append(Notice("output_act", "softmax", f"not softmax for a single output: {act} was used"))
        cfg = replace(cfg, output_act=act)
    if cfg.loss not in losses_for(cfg.output_act):
        fixed = losses_for(cfg.output_act)[0]
        notices.append(Notice("loss", cfg.loss, f"a loss that fits output {cfg.output_act}: {fixed} was used"))
        cfg = replace(cfg, loss=fixed)
    if task == "regression" and cfg.loss != "mse":
        notices.append(Notice("loss", cfg.loss, "mse for a regression target, with a linear output"))
        act = "linear" if cfg.dataset != "worked" else cfg.output_act
        if act != cfg.output_act:  # name every key that was changed, not only the loss
            notices.append(Notice("output_act", cfg.output_act, "linear for a regression target: linear was used"))
        cfg = replace(cfg, loss="mse", output_act=act)
    if cfg.init == "worked" and (cfg.dataset != "worked" or cfg.hidden != (2,)):
        notices.append(Notice("init", "worked", "the worked weights need the worked dataset and 2-2-2: xavier used"))
        cfg = replace(cfg, init="xavier")
    most = sample_cap(cfg.dataset)
    if most is not None and cfg.n_samples > most:
        notices.append(Notice("n_samples", str(cfg.n_samples), f"at most {most} for {cfg.dataset}: {most} used"))
        cfg = replace(cfg, n_samples=most)
    return cfg, notices


def sample_cap(dataset: str) -> int | None:
    """The most samples a Config may ask of a dataset: a bundled set has no more images than it
    ships, a generated one is held to the sidebar's range; None for data that ignores the size
    (fixed sets) or brings its own (an uploaded CSV)."""
    spec = DATASETS.get(dataset)
    if spec is None or spec.fixed_size:
        return None
    return IMAGE_SETS[dataset].n_samples if dataset in IMAGE_SETS else MAX_GENERATED_SAMPLES


def parse_step(raw: Any) -> tuple[int, Notice | None]:
    """The iteration number from a URL: 0..MAX_STEP, else 0 with a notice."""
    text = raw[-1] if isinstance(raw, (list, tuple)) and raw else raw
    text = "" if text is None else str(text)
    try:
        if len(text) > 12:
            raise ValueError
        k = int(text)
        if 0 <= k <= MAX_STEP:
            return k, None
        if k > MAX_STEP:
            return MAX_STEP, Notice("step", text[:40], f"at most {MAX_STEP}: replayed to {MAX_STEP}")
    except (ValueError, TypeError):
        pass
    return 0, Notice("step", text[:40], f"a whole number from 0 to {MAX_STEP}")
