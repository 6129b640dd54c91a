"""Saving and loading: the current iteration's trace (JSON, CSV), the history (CSV), and whole runs
(JSON: config + parameters + optimizer state + history). Loading is strict: a bad file raises
RunFileError with a plain message and changes nothing. Only JSON is read: no pickle, no eval."""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import replace
from typing import Any

import numpy as np

from .config import Config, decode, encode, make_consistent
from .datasets import Dataset
from .optimizers import OptState
from .session import Session, State, StepRecord
from .traces import frozen_copy

FORMAT = "backprop-lab-run"
VERSION = 1
MAX_RUN_BYTES = 5_000_000
MAX_INT_DIGITS = 18  # JSON integers longer than this are refused while parsing


class RunFileError(ValueError):
    """A run file that cannot be used; ``str(e)`` says why in a sentence fit for the UI."""


# -- writing ---------------------------------------------------------------------------------------
def _arr(a: np.ndarray) -> list:
    return np.asarray(a, dtype=float).tolist()


def trace_dict(rec: StepRecord) -> dict[str, Any]:
    """Every number of one iteration, layer by layer (layers numbered from 1 as on screen)."""
    layers = []
    for i, (lf, lb) in enumerate(zip(rec.forward.layers, rec.backward.layers)):
        layers.append({
            "layer": i + 1, "activation": rec.settings.activations[i],
            "z": _arr(lf.z), "a": _arr(lf.a), "dA": _arr(lb.dA), "dZ": _arr(lb.dZ), "dW": _arr(lb.dW),
            "db": _arr(lb.db), "W_old": _arr(rec.update.old_weights[i]), "b_old": _arr(rec.update.old_biases[i]),
            "W_new": _arr(rec.update.new_weights[i]), "b_new": _arr(rec.update.new_biases[i]),
        })
    return {"iteration": rec.iteration, "epoch": rec.epoch, "batch": rec.batch.tolist(), "x": _arr(rec.forward.x),
            "y": _arr(rec.Y), "loss": rec.backward.loss, "data_loss": rec.backward.data_loss,
            "penalty": rec.backward.penalty, "loss_name": rec.settings.loss, "optimizer": rec.settings.optimizer,
            "lr": rec.settings.lr, "layers": layers}


def trace_json(rec: StepRecord) -> str:
    return json.dumps(trace_dict(rec), indent=1)


def trace_csv(rec: StepRecord) -> str:
    """Long format: one row per number — quantity, layer, row (the sample, or W's input neuron), column,
    value. Layer, row and column count from 1, as the app names them (W⁽ˡ⁾[i, j], sample k)."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["iteration", "quantity", "layer", "row", "column", "value"])
    it = rec.iteration
    for i, lay in enumerate(trace_dict(rec)["layers"], start=1):
        for q in ("z", "a", "dA", "dZ", "dW", "db", "W_old", "b_old", "W_new", "b_new"):
            m = np.atleast_2d(np.asarray(lay[q]))
            for r, row in enumerate(m, start=1):
                for c, v in enumerate(row, start=1):
                    w.writerow([it, q, i, r, c, repr(float(v))])
    w.writerow([it, "loss", "", "", "", repr(rec.backward.loss)])
    return out.getvalue()


def history_csv(s: Session) -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(s.history.columns)
    for row in s.history.as_rows():
        w.writerow(["" if isinstance(v, float) and math.isnan(v) else repr(v) for v in row.values()])
    return out.getvalue()


def run_dict(s: Session) -> dict[str, Any]:
    st = s.state
    return {
        "format": FORMAT, "version": VERSION, "config": encode(s.config), "iteration": st.iteration,
        "epoch": st.epoch, "pos": st.pos, "optimizer": st.opt_name,
        "weights": [_arr(w) for w in st.net.weights], "biases": [_arr(b) for b in st.net.biases],
        "optimizer_state": {"t": st.opt_state.t, "slots": [[_arr(a) for a in slot] for slot in st.opt_state.slots]},
        "history": {"columns": list(s.history.columns),
                    "rows": [[None if isinstance(v, float) and math.isnan(v) else v for v in r.values()]
                             for r in s.history.as_rows()]},
    }


def run_json(s: Session) -> str:
    return json.dumps(run_dict(s), separators=(",", ":"))


# -- reading ---------------------------------------------------------------------------------------
def _reject_constant(name: str) -> float:
    raise RunFileError(f"The file contains {name}, which is not a finite number.")


def _is_number(v: Any) -> bool:
    return type(v) in (int, float)  # not bool, not str: a file must not smuggle "1.5" or true in


def _shaped(value: Any, shape: tuple[int, ...]) -> bool:
    """value is nested lists of exactly ``shape`` with JSON numbers (not strings, not booleans) at the leaves."""
    if not shape:
        return _is_number(value)
    if not isinstance(value, list) or len(value) != shape[0]:
        return False
    if len(shape) == 1:
        return all(map(_is_number, value))
    return all(_shaped(v, shape[1:]) for v in value)


def _matrix(value: Any, shape: tuple[int, ...], what: str) -> np.ndarray:
    if not _shaped(value, shape):
        need = " × ".join(map(str, shape))
        raise RunFileError(f"{what} must be a list of numbers shaped {need}, as this network needs.")
    arr = np.array(value, dtype=float)  # ints are at most MAX_INT_DIGITS long (parse_run): no overflow
    if not np.isfinite(arr).all():
        raise RunFileError(f"{what} contains a number that is not finite.")
    return arr


def _int(value: Any, what: str, lo: int = 0, hi: int = 10**9) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise RunFileError(f"{what} must be a whole number from {lo} to {hi}.")
    return value


def _parse_int(text: str) -> int:
    if len(text) > MAX_INT_DIGITS:  # huge ints overflow floats (and Python refuses over 4300 digits)
        raise RunFileError(f"The file contains a whole number with {len(text):,} digits; this is not a saved run.")
    return int(text)


def parse_run(data: bytes) -> dict[str, Any]:
    """Bytes -> the run's JSON object, checked for size, encoding, syntax and format marker."""
    if len(data) > MAX_RUN_BYTES:
        raise RunFileError(f"The file is {len(data):,} bytes; run files may be at most {MAX_RUN_BYTES:,} bytes.")
    try:
        obj = json.loads(data.decode("utf-8-sig"), parse_constant=_reject_constant, parse_int=_parse_int)
    except UnicodeDecodeError:
        raise RunFileError("The file is not UTF-8 text; is it really a saved run (.json)?") from None
    except RecursionError:
        raise RunFileError("The file is nested too deeply to be a saved run.") from None
    except json.JSONDecodeError as exc:
        raise RunFileError(f"The file is not valid JSON (line {exc.lineno}, column {exc.colno}).") from None
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        raise RunFileError("This is not a Backprop Lab run file (the 'format' marker is missing).")
    if obj.get("version") != VERSION:
        version = repr(obj.get("version"))
        version = version if len(version) <= 20 else version[:20] + "…"  # echo only a little of the file
        raise RunFileError(f"This run file has version {version}; this app reads version {VERSION}.")
    return obj


def load_run(data: bytes, dataset: Dataset | None = None) -> Session:
    """A Session continuing the saved run. Raises RunFileError; never returns a half-built session."""
    obj = parse_run(data)
    raw_cfg = obj.get("config")
    if not isinstance(raw_cfg, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in raw_cfg.items()):
        raise RunFileError("The run's 'config' must map setting names to text values.")
    cfg = _config(raw_cfg, dataset)
    try:  # built-in data is rebuilt from the config; only a CSV run uses the uploaded dataset
        s = Session(cfg, dataset if cfg.dataset == "csv" else None)
    except ValueError as exc:
        raise RunFileError(f"The run's settings cannot be built: {exc}") from None
    _restore(s, obj)
    return s


def _config(raw: dict[str, str], dataset: Dataset | None) -> Config:
    """The run's Config; every setting must be valid as saved (nothing is silently repaired)."""
    is_csv = raw.get("dataset") == "csv"  # not a URL value: the data itself cannot travel in the file
    if is_csv and dataset is None:
        raise RunFileError("This run trained on an uploaded CSV; upload that CSV first, then the run.")
    cfg, notices = decode({k: v for k, v in raw.items() if not (is_csv and k == "dataset")}, Config())
    if is_csv:
        cfg, notices = make_consistent(replace(cfg, dataset="csv"), notices, task=dataset.task)
    if notices:
        n = notices[0]
        raise RunFileError(f"The run's setting '{n.key}' = '{n.given}' is not valid: expected {n.expected}.")
    return cfg


def _restore(s: Session, obj: dict[str, Any]) -> None:
    net = s.state.net
    ws, bs = obj.get("weights"), obj.get("biases")
    if not isinstance(ws, list) or not isinstance(bs, list) or len(ws) != net.n_layers or len(bs) != net.n_layers:
        raise RunFileError(f"The run must hold {net.n_layers} weight and bias arrays for this network.")
    shapes = net.spec.shapes
    weights = [_matrix(w, shape, f"Weights of layer {i + 1}") for i, (w, shape) in enumerate(zip(ws, shapes))]
    biases = [_matrix(b, (shape[1],), f"Biases of layer {i + 1}") for i, (b, shape) in enumerate(zip(bs, shapes))]
    new_net = net.with_params(weights, biases)
    it = _int(obj.get("iteration"), "iteration")
    epoch, pos = _int(obj.get("epoch"), "epoch"), _int(obj.get("pos"), "pos", 0, s.dataset.n_train)
    opt_name = obj.get("optimizer")
    if opt_name != s.settings.optimizer:
        raise RunFileError("The run's optimizer does not match its settings.")
    opt_state = _opt_state(obj.get("optimizer_state"), s, new_net)
    rows = _history_rows(obj.get("history"), s, it)
    s.resume(State(it, epoch, pos, new_net, opt_state, opt_name), rows)


def _opt_state(raw: Any, s: Session, net) -> OptState:
    template = s.settings.make_optimizer().init(net)
    if not isinstance(raw, dict) or not isinstance(raw.get("slots"), list):
        raise RunFileError("The run's optimizer_state is missing or malformed.")
    t = _int(raw.get("t"), "optimizer_state.t")
    if len(raw["slots"]) != len(template.slots):
        raise RunFileError("The run's optimizer_state does not fit its optimizer.")
    slots = []
    for k, (slot, tmpl) in enumerate(zip(raw["slots"], template.slots)):
        if not isinstance(slot, list) or len(slot) != len(tmpl):
            raise RunFileError("The run's optimizer_state does not fit this network.")
        slots.append(tuple(frozen_copy(_matrix(v, a.shape, f"Optimizer slot {k + 1}")) for v, a in zip(slot, tmpl)))
    return OptState(t, tuple(slots))


def _history_rows(raw: Any, s: Session, last: int) -> list[dict[str, float]]:
    columns = list(s.history.columns)
    if not isinstance(raw, dict) or raw.get("columns") != columns or not isinstance(raw.get("rows"), list):
        raise RunFileError("The run's history does not fit this network (columns differ).")
    rows = []
    for r in raw["rows"]:
        if not isinstance(r, list) or len(r) != len(s.history.columns):
            raise RunFileError("A history row has the wrong number of values.")
        vals = []
        for v in r:
            if v is None:
                vals.append(math.nan)
            elif isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
                vals.append(float(v))
            else:
                raise RunFileError("History values must be finite numbers or null.")
        rows.append(dict(zip(s.history.columns, vals)))
    its = [row["iteration"] for row in rows]
    if (any(math.isnan(i) or i != int(i) for i in its) or any(b <= a for a, b in zip(its, its[1:]))
            or (its and (its[0] < 1 or its[-1] > last))):
        raise RunFileError("The run's history must list iterations in increasing order, up to the run's own.")
    return rows
