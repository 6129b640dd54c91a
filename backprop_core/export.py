"""This run as code: a standalone NumPy script and a PyTorch script that train the same network on
the same data from the same initial weights with the same settings, printing the loss per iteration.

Both are text, generated here (NumPy and the standard library only); neither imports this package.
The NumPy script writes the forward pass, the loss, the backward pass and the update out layer by
layer, with the app's operations in the app's order, so its losses equal the Session's to rounding
(tests: 1e-12 over the first 20 iterations). The PyTorch script uses ``nn.Linear`` layers, autograd,
the same loss and ``torch.optim`` configured to the app's definitions (tests: 1e-9).

What a script carries:
- data: small sets as literals (``repr`` of each float, which reads back bit for bit), larger ones
  (up to ``MAX_EMBED_NUMBERS``) as base64 of zlib-compressed float64 bytes; a bundled image set
  (digits, MNIST) as a loader of its shipped ``.npz`` with the app's subsample, stratified split and
  scaling written out, checked against ``make_dataset`` before it is offered;
- the initial weights exactly (literals, or the base64 form for more than ``MAX_LITERAL_PARAMS``);
- every setting: activations, loss, regularisation, optimizer and its numbers, learning rate,
  batch mode and size with the app's mini-batch order, bias training, seed.

A run that cannot be written as one script raises ``ExportError`` (``check``) with a code and a
sentence: data too large to embed, or a bundled set whose loader would not give the app's arrays.
A session whose history is not its config's run from iteration 0 (settings changed mid-run, weights
moved by hand, a loaded run file) is reported by ``run_differs``: the scripts then reproduce the
current settings from iteration 0, as the link does, and the run file is the exact record.
"""

from __future__ import annotations

import base64
import functools
import inspect
import textwrap
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import datasets
from .config import Config
from .datasets import Dataset, make_dataset
from .export_loader import load_images
from .losses import EPS, LOSSES
from .network import Network
from .session import EXPLODED, Session, initial_network, settings_of

Array = np.ndarray

KINDS = ("numpy", "torch")
MAX_LITERAL_NUMBERS = 20_000  # data numbers (X and Y, train and test) written as readable literals
MAX_EMBED_NUMBERS = 250_000  # beyond this the data is not embedded (about 2.7 MB of base64)
MAX_LITERAL_PARAMS = 10_000  # initial weights and biases written as literals up to this many
DEFAULT_ITERATIONS = 100  # what a script runs when exported at iteration 0
APP_LEAKY_SLOPE = 0.01  # activations.LEAKY_SLOPE, restated in the scripts


class ExportError(ValueError):
    """A run the scripts cannot carry; ``code`` names why ('data_too_large' | 'loader_mismatch'),
    ``params`` holds the numbers in the message (for a translated one)."""

    def __init__(self, message: str, code: str, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = dict(params)


@dataclass(frozen=True)
class ImageSet:
    """A bundled image dataset: its .npz file (arrays 'images' (N, side²) uint8, 'labels' (N,)),
    N images, pixel values 0..max_value (scaled to [0, 1] by dividing by it)."""

    path: Path
    n_images: int
    max_value: int


def image_set(name: str) -> ImageSet | None:
    """The bundled image set a dataset name loads, or None (generated or uploaded data)."""
    sets = getattr(datasets, "IMAGE_SETS", None)  # the registry of bundled images (issue 13's data part)
    if sets is not None:
        spec = sets.get(name)
        return None if spec is None else ImageSet(spec.path, spec.n_samples, spec.max_value)
    if name == "digits":  # before that registry: digits is the one bundled set, 0..16 per pixel
        return ImageSet(datasets.DIGITS_PATH, datasets.DIGITS_N_SAMPLES, 16)
    return None


@dataclass(frozen=True)
class ScriptInputs:
    """What a script is generated from: immutable, so a deferred download can build it later.
    ``iterations``: how many the script runs by default; ``app_losses``: (iteration, loss) pairs the
    app recorded for this run, printed beside the script's own for comparison."""

    config: Config
    dataset: Dataset
    iterations: int
    app_losses: tuple[tuple[int, float], ...] = ()


# -- is this session its config's run? ---------------------------------------------------------------
def run_differs(s: Session) -> tuple[str, dict] | None:
    """Why the session's run is not ``s.config``'s run from iteration 0, or None when it is:
    ('changed', {'iteration': k}) settings changed mid-run (from iteration k on), ('edited', {}) the
    weights were moved by hand, ('loaded', {}) the run continues a loaded run file."""
    if s.edited:
        return "edited", {}
    ckpts = s.checkpoints
    if ckpts.floor != 0:
        return "loaded", {}
    start = ckpts.states()[0]
    fresh = initial_network(s.config, s.dataset.n_features, s.dataset.n_outputs)
    if (start.epoch, start.pos, start.opt_state.t) != (0, 0, 0) or not np.array_equal(
            start.net.flatten(), fresh.flatten()) or any(np.any(a) for slot in start.opt_state.slots for a in slot):
        return "loaded", {}
    own = settings_of(s.config)
    if all(st == own for _, st in s.segments):
        return None
    first = next((b for (b, st), (_, prev) in zip(s.segments[1:], s.segments) if st != prev), 0)
    return "changed", {"iteration": first + 1}  # the first iteration that ran with other settings


def inputs_of(s: Session) -> ScriptInputs:
    """The session's config, data and iteration count, with the app's losses when the scripts
    reproduce this very run (first and last iteration of its history)."""
    k = s.iteration or DEFAULT_ITERATIONS
    losses: tuple[tuple[int, float], ...] = ()
    if run_differs(s) is None and len(s.history):
        its, loss = s.history.column("iteration"), s.history.column("loss")
        pick = sorted({0, len(its) - 1})
        losses = tuple((int(its[i]), float(loss[i])) for i in pick)
    return ScriptInputs(s.config, s.dataset, k, losses)


# -- can it be carried? --------------------------------------------------------------------------------
def _same_test_set(ds: Dataset) -> bool:
    return (ds.X_test.shape == ds.X_train.shape and ds.Y_test.shape == ds.Y_train.shape
            and np.array_equal(ds.X_test, ds.X_train) and np.array_equal(ds.Y_test, ds.Y_train))


def data_numbers(ds: Dataset) -> int:
    """How many numbers embedding the data takes (the test set only when it differs from training)."""
    n = ds.X_train.size + ds.Y_train.size
    return n if _same_test_set(ds) else n + ds.X_test.size + ds.Y_test.size


def check(cfg: Config, ds: Dataset) -> None:
    """Raise ExportError when the scripts cannot carry this run's data exactly."""
    images = image_set(cfg.dataset) if cfg.dataset == ds.name else None
    if images is not None:
        n = ds.n_train + ds.n_test
        if not _loader_matches(cfg.dataset, n, cfg.test_ratio, cfg.seed, cfg.standardize):
            raise ExportError(
                f"The script's loader for {cfg.dataset} does not reproduce the app's split of it; "
                "download the run file instead.", "loader_mismatch", dataset=cfg.dataset)
        return
    numbers = data_numbers(ds)
    if numbers > MAX_EMBED_NUMBERS:
        raise ExportError(
            f"This data has {numbers:,} numbers; a script embeds at most {MAX_EMBED_NUMBERS:,}. "
            "Download the run file instead (it loads with the same CSV).",
            "data_too_large", numbers=f"{numbers:,}", limit=f"{MAX_EMBED_NUMBERS:,}")


@functools.lru_cache(maxsize=16)  # process-wide, thread-safe; keyed by the dataset's own arguments
def _loader_matches(name: str, n: int, test_ratio: float, seed: int, standardize: bool) -> bool:
    """True when the loader written into the scripts (load_images, called with the numbers the script
    passes it) gives make_dataset's four arrays bit for bit."""
    images = image_set(name)
    ds = make_dataset(name, n_samples=n, test_ratio=test_ratio, seed=seed, standardize=standardize)
    got = load_images(images.path, n=n, n_images=images.n_images, max_value=images.max_value,
                      test_ratio=test_ratio, seed=seed, standardize=standardize, n_classes=ds.n_outputs)
    want = (ds.X_train, ds.Y_train, ds.X_test, ds.Y_test)
    return all(g.shape == w.shape and g.dtype == w.dtype and np.array_equal(g, w) for g, w in zip(got, want))


# -- writing numbers ---------------------------------------------------------------------------------------
def _num(x: float) -> str:
    return repr(float(x))  # the shortest text that reads back as the same float64


def _literal(arr: Array, indent: str = "    ") -> str:
    """np.array([...]) of a 1-D or 2-D float array, one row per line, exact."""
    arr = np.asarray(arr, dtype=float)
    if arr.ndim == 1:
        return f"np.array([{', '.join(map(_num, arr))}])"
    if arr.shape[0] == 0:
        return f"np.zeros({arr.shape})"
    rows = ",\n".join(f"{indent}[{', '.join(map(_num, r))}]" for r in arr)
    return f"np.array([\n{rows},\n])"


def _packed(arr: Array) -> str:
    """unpack(\"\"\"base64\"\"\", shape): zlib-compressed little-endian float64 bytes, exact."""
    raw = np.ascontiguousarray(arr, dtype="<f8").tobytes()
    text = base64.b64encode(zlib.compress(raw, 6)).decode("ascii")
    lines = "\n".join(textwrap.wrap(text, 100))
    return f'unpack("""\n{lines}\n""", {tuple(arr.shape)!r})'


UNPACK_SOURCE = '''
def unpack(text, shape):
    """float64 numbers from base64 of zlib-compressed little-endian bytes: exact, bit for bit."""
    return np.frombuffer(zlib.decompress(base64.b64decode(text)), dtype="<f8").reshape(shape).copy()
'''


def _wrap(text: str, prefix: str = "") -> str:
    """Prose wrapped at 100 columns (each line starting with ``prefix``, e.g. '# ')."""
    return "\n".join(textwrap.wrap(text, 100, initial_indent=prefix, subsequent_indent=prefix))


def _array_code(name: str, arr: Array, literal: bool) -> str:
    return f"{name} = {_literal(arr) if literal else _packed(arr)}"


# -- the data block -------------------------------------------------------------------------------------
def _loader_source(name: str, images: ImageSet, n: int, test_ratio: float, seed: int, standardize: bool,
                   n_classes: int) -> str:
    """load_data(path) -> (X_train, Y_train, X_test, Y_test): export_loader.load_images's own source
    (what make_dataset does for a bundled image set), called with this run's numbers."""
    return f'''

{inspect.getsource(load_images).rstrip()}


def load_data(path):
    """The {name} images as the app splits them: (X_train, Y_train, X_test, Y_test)."""
    return load_images(path, n={n}, n_images={images.n_images}, max_value={images.max_value},
                       test_ratio={test_ratio!r}, seed={seed}, standardize={standardize}, n_classes={n_classes})
'''


def _data_block(cfg: Config, ds: Dataset) -> tuple[str, str, str]:
    """(imports needed, code defining X_train, Y_train, X_test, Y_test, a sentence about the data)."""
    images = image_set(cfg.dataset) if cfg.dataset == ds.name else None
    if images is not None:
        n = ds.n_train + ds.n_test
        rel = f"backprop_core/data/{images.path.name}"
        code = _loader_source(cfg.dataset, images, n, cfg.test_ratio, cfg.seed, cfg.standardize, ds.n_outputs)
        code += f'''

def data_file(given):
    """The shipped {images.path.name}: --data, else beside this script, else in a Backprop Lab checkout."""
    here = Path(__file__).resolve().parent
    for path in ([Path(given)] if given else [here / "{images.path.name}", Path("{rel}"), here / "{rel}"]):
        if path.is_file():
            return path
    raise SystemExit("{images.path.name} not found: download it from the Save page (or take {rel} from "
                     "Backprop Lab) and put it beside this script, or pass --data PATH.")
'''
        about = (f"{cfg.dataset}: {n:,} images from the shipped {images.path.name} ({rel}, see its licence "
                 f"note there), split and scaled below exactly as the app does")
        return "import math\nfrom pathlib import Path\n", code, about
    literal = data_numbers(ds) <= MAX_LITERAL_NUMBERS
    lines = [_array_code("X_train", ds.X_train, literal), _array_code("Y_train", ds.Y_train, literal)]
    if _same_test_set(ds):
        lines.append("X_test, Y_test = X_train, Y_train  # the app tests on the same points")
    else:
        lines += [_array_code("X_test", ds.X_test, literal), _array_code("Y_test", ds.Y_test, literal)]
    scaled = " (standardised with the training set's mean and std, as the app did)" if cfg.standardize else ""
    source = "an uploaded CSV" if cfg.dataset == "csv" else f"the app's {cfg.dataset!r} data, seed {cfg.seed}"
    about = (f"{source}: {ds.n_train} training and {ds.n_test} test rows, embedded exactly{scaled}")
    imports = "" if literal else "import base64\nimport zlib\n"
    return imports, "\n".join(lines) + "\n", about


# -- the shared pieces --------------------------------------------------------------------------------
def _init_about(cfg: Config) -> str:
    return {
        "xavier": "Xavier/Glorot uniform, W ~ U(-sqrt(6/(n_in+n_out)), +sqrt(6/(n_in+n_out))), biases 0",
        "he": "He normal, W ~ N(0, 2/n_in), biases 0",
        "uniform": "uniform U(-0.5, 0.5), biases too",
        "zeros": "all zeros",
        "worked": "the published weights of the worked example",
    }[cfg.init]


def _params_block(net: Network, cfg: Config) -> tuple[str, str]:
    """(imports, code defining W1, b1, W2, b2, ... in the app's layout W (n_in, n_out))."""
    literal = net.spec.n_params <= MAX_LITERAL_PARAMS
    how = ("drawn layer by layer from np.random.default_rng(seed)" if cfg.init not in ("worked", "zeros") else "")
    head = _wrap(f"Initial weights and biases: iteration 0 of this run, {_init_about(cfg)}"
                 f"{', ' + how if how else ''}; embedded exactly, W shaped (n_in, n_out): z = a_prev @ W + b.",
                 "# ") + "\n"
    lines = []
    for i, (w, b) in enumerate(zip(net.weights, net.biases), start=1):
        lines += [_array_code(f"W{i}", w, literal), _array_code(f"b{i}", b, literal)]
    return ("" if literal else "import base64\nimport zlib\n"), head + "\n".join(lines) + "\n"


def _batch_words(cfg: Config, n: int) -> str:
    b = _batch_size(cfg, n)
    if b >= n:
        return "full batch (the whole training set, in order, every iteration)"
    return (f"mini-batches of {b} (reshuffled every epoch by np.random.default_rng([seed, epoch, n])"
            f".permutation(n); an epoch's last batch may be smaller)")


def _batch_size(cfg: Config, n: int) -> int:
    if cfg.batch == "full":
        return n
    if cfg.batch == "single":
        return 1
    return max(1, min(cfg.batch_size, n))


def _optimizer_words(cfg: Config) -> str:
    if cfg.optimizer == "sgd":
        return f"SGD, lr {cfg.lr!r}"
    if cfg.optimizer == "momentum":
        return f"SGD with momentum {cfg.beta!r}, lr {cfg.lr!r}"
    return f"Adam, lr {cfg.lr!r}, betas ({cfg.beta1!r}, {cfg.beta2!r}), eps {cfg.eps!r}"


def _settings_block(cfg: Config, ds: Dataset) -> str:
    n = ds.n_train
    rows = [
        ("SEED", repr(cfg.seed), "the run's seed (data, initial weights, mini-batch order)"),
        ("LR", repr(cfg.lr), "learning rate"),
    ]
    if cfg.optimizer == "momentum":
        rows.append(("BETA", repr(cfg.beta), "momentum: v = BETA * v + g; p = p - LR * v"))
    if cfg.optimizer == "adam":
        rows += [("BETA1", repr(cfg.beta1), "Adam's first-moment decay"),
                 ("BETA2", repr(cfg.beta2), "Adam's second-moment decay"),
                 ("EPS", repr(cfg.eps), "added to sqrt(v_hat) in Adam's denominator")]
    rows.append(("BATCH", repr(_batch_size(cfg, n)), f"rows per iteration, of {n} training rows"))
    if cfg.reg == "l2":
        rows.append(("L2", repr(cfg.reg_rate), "penalty 0.5 * L2 * sum(W**2) over the weights (not the biases)"))
    if cfg.reg == "l1":
        rows.append(("L1", repr(cfg.reg_rate), "penalty L1 * sum(|W|) over the weights (not the biases)"))
    rows.append(("TRAIN_BIASES", repr(cfg.train_biases), "False: the biases keep their initial values"))
    rows.append(("EXPLODED", f"{EXPLODED:g}".replace("e+0", "e"),
                 "a loss or weight past this stops training, as in the app"))
    width = max(len(f"{k} = {v}") for k, v, _ in rows)
    return "\n".join(f"{f'{k} = {v}':<{width}}  # {c}" for k, v, c in rows) + "\n"


def _header(kind: str, cfg: Config, ds: Dataset, about_data: str, sizes: tuple[int, ...], inputs: ScriptInputs) -> str:
    acts = (cfg.hidden_act,) * len(cfg.hidden) + (cfg.output_act,)
    arch = "-".join(map(str, sizes))
    what = ("a standalone NumPy script.\n\nThe forward pass, the loss, the backward pass and the update are "
            "written out layer\nby layer; it does not import Backprop Lab." if kind == "numpy" else
            "a PyTorch script.\n\nAn nn.Module of nn.Linear layers, autograd, the same loss and torch.optim\n"
            "configured to the app's update rules; it does not import Backprop Lab.")
    needs = "Python 3.9+ and NumPy" if kind == "numpy" else "Python 3.9+, NumPy and PyTorch"
    data_arg = " [--data PATH]" if image_set(cfg.dataset) and cfg.dataset == ds.name else ""
    reg = "" if cfg.reg == "none" else f", {cfg.reg.upper()} {cfg.reg_rate!r}"
    return f'''#!/usr/bin/env python3
"""Backprop Lab, this run as {what}

{_wrap(f"Network {arch}: activations {', '.join(acts)}; loss {cfg.loss}{reg}; {_optimizer_words(cfg)}; "
       f"{_batch_words(cfg, ds.n_train)}; biases {'trained' if cfg.train_biases else 'not trained'}; "
       f"initial weights: {_init_about(cfg)}.")}
{_wrap(f"Data: {about_data}.")}
Notation as in the app: a batch is rows, z = a_prev @ W + b with W shaped (n_in, n_out); the loss
is the mean over the batch's rows. It prints the loss of every iteration (before that
iteration's update, as the app's history does), then the final loss and accuracy.

Run:   python3 {script_name(kind, cfg)} [--iterations N]{data_arg}   (default N = {inputs.iterations})
Needs: {needs}.
"""
'''


def _argparse_block(cfg: Config, ds: Dataset, iterations: int) -> str:
    data = ('parser.add_argument("--data", help="path of the shipped .npz file")\n'
            if image_set(cfg.dataset) and cfg.dataset == ds.name else "")
    return (f'parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])\n'
            f'parser.add_argument("--iterations", type=int, default={iterations}, help="iterations to run")\n'
            f'{data}args = parser.parse_args()\n')


def _load_call(cfg: Config, ds: Dataset) -> str:
    if image_set(cfg.dataset) and cfg.dataset == ds.name:
        return "X_train, Y_train, X_test, Y_test = load_data(data_file(args.data))\n"
    return ""


def _batch_code(cfg: Config, n: int, pad: str) -> str:
    """Code setting xb, yb for one iteration (the app's order: next_batch in session.py)."""
    if _batch_size(cfg, n) >= n:
        return f"{pad}xb, yb = X_train, Y_train  # full batch: every row, in order\n"
    return (f"{pad}idx = np.random.default_rng([SEED, epoch, N]).permutation(N)[pos:pos + BATCH]\n"
            f"{pad}pos += len(idx)\n"
            f"{pad}if pos >= N:  # the epoch is over: the next one is shuffled anew\n"
            f"{pad}    epoch, pos = epoch + 1, 0\n"
            f"{pad}xb, yb = X_train[idx], Y_train[idx]\n")


def _app_losses_block(inputs: ScriptInputs) -> str:
    if not inputs.app_losses:
        return ""
    pairs = ", ".join(f"{k}: {_num(v)}" for k, v in inputs.app_losses)
    return f'''
APP_LOSSES = {{{pairs}}}  # iteration: the loss the app recorded for this run
for k, app_loss in APP_LOSSES.items():
    if k <= len(losses):
        print(f"iteration {{k}}: the app's loss {{app_loss!r}}, this script's {{losses[k - 1]!r}}, "
              f"difference {{abs(losses[k - 1] - app_loss):.1e}}")
'''


def script_name(kind: str, cfg: Config) -> str:
    """The download's file name, e.g. backprop_lab_xor_numpy.py."""
    return f"backprop_lab_{cfg.dataset}_{kind}.py"


# -- the NumPy script ------------------------------------------------------------------------------------
_NP_ACT = {
    "sigmoid": 'def sigmoid(z):\n    return 1.0 / (1.0 + np.exp(-z))\n',
    "tanh": 'def tanh(z):\n    return np.tanh(z)\n',
    "relu": 'def relu(z):\n    return np.maximum(z, 0.0)\n',
    "leaky_relu": f'def leaky_relu(z):\n    return np.where(z > 0, z, {APP_LEAKY_SLOPE!r} * z)\n',
    "linear": 'def linear(z):\n    return z\n',
    "softmax": ('def softmax(z):\n    e = np.exp(z - z.max(axis=1, keepdims=True))  # shifted: no overflow\n'
                '    return e / e.sum(axis=1, keepdims=True)\n'),
}
# dZ = dL/dz from dA = dL/da, elementwise f'(z) in the app's order of operations
_NP_DZ = {
    "sigmoid": "dZ{l} = (1.0 - a{l}) * a{l} * dA{l}  # sigmoid'(z) = a (1 - a)",
    "tanh": "dZ{l} = (1.0 - a{l} * a{l}) * dA{l}  # tanh'(z) = 1 - a^2",
    "relu": "dZ{l} = (z{l} > 0) * dA{l}  # ReLU'(z) = 1 for z > 0, else 0",
    "leaky_relu": f"dZ{{l}} = np.where(z{{l}} > 0, 1.0, {APP_LEAKY_SLOPE!r}) * dA{{l}}  # 1 for z > 0, else the slope",
    "linear": "dZ{l} = dA{l}  # f'(z) = 1",
    "softmax": ("dZ{l} = a{l} * (dA{l} - np.sum(dA{l} * a{l}, axis=1, keepdims=True))"
                "  # the softmax Jacobian times dA"),
}


def _np_loss_lines(cfg: Config, L: int) -> list[str]:
    if cfg.loss == "mse":
        return [f"data_loss = 0.5 * np.sum((a{L} - yb) ** 2) / n  # mean over rows of 1/2 sum_k (a - y)^2"]
    if cfg.loss == "bce":
        return [f"p = np.clip(a{L}, {EPS!r}, 1.0 - {EPS!r})  # clipped inside the logs, as in the app",
                "data_loss = -np.sum(yb * np.log(p) + (1.0 - yb) * np.log1p(-p)) / n"]
    return [f"data_loss = -np.sum(yb * np.log(np.clip(a{L}, {EPS!r}, None))) / n  # cross-entropy, clipped log"]


def _penalty_expr(cfg: Config, L: int, w: str = "W{i}") -> str:
    if cfg.reg == "l2":
        return "0.5 * L2 * (" + " + ".join(f"np.sum({w.format(i=i)} * {w.format(i=i)})" for i in range(1, L + 1)) + ")"
    if cfg.reg == "l1":
        return "L1 * (" + " + ".join(f"np.sum(np.abs({w.format(i=i)}))" for i in range(1, L + 1)) + ")"
    return "0.0"


def _plus_penalty(cfg: Config, L: int) -> str:
    return "" if cfg.reg == "none" else " + " + _penalty_expr(cfg, L)


def _np_update_lines(cfg: Config, L: int) -> list[str]:
    names = [f"W{i}" for i in range(1, L + 1)]
    if cfg.train_biases:
        names = [p for i in range(1, L + 1) for p in (f"W{i}", f"b{i}")]
    out = []
    if cfg.optimizer == "adam":
        out += ["t += 1", "c1, c2 = 1.0 - BETA1 ** t, 1.0 - BETA2 ** t  # bias corrections"]
    for p in names:
        g = "d" + p
        if cfg.optimizer == "sgd":
            out.append(f"{p} = {p} - LR * {g}")
        elif cfg.optimizer == "momentum":
            out += [f"v{p} = BETA * v{p} + {g}", f"{p} = {p} - LR * v{p}"]
        else:
            out += [f"m{p} = BETA1 * m{p} + (1.0 - BETA1) * {g}",
                    f"v{p} = BETA2 * v{p} + (1.0 - BETA2) * ({g} * {g})",
                    f"{p} = {p} - LR * (m{p} / c1) / (np.sqrt(v{p} / c2) + EPS)"]
    return out


def _np_slots(cfg: Config, L: int) -> str:
    names = [p for i in range(1, L + 1) for p in ((f"W{i}", f"b{i}") if cfg.train_biases else (f"W{i}",))]
    if cfg.optimizer == "momentum":
        return "".join(f"v{p} = np.zeros_like({p})\n" for p in names)
    if cfg.optimizer == "adam":
        return "t = 0  # Adam's step count\n" + "".join(
            f"m{p}, v{p} = np.zeros_like({p}), np.zeros_like({p})\n" for p in names)
    return ""


def _accuracy_source(task: str) -> str:
    if task == "binary":
        return ('def accuracy(out, y):\n    """Share of rows whose class (output > 0.5) is the target\'s."""\n'
                '    return float(np.mean((out[:, 0] > 0.5) == (y[:, 0] > 0.5)))\n')
    if task == "multiclass":
        return ('def accuracy(out, y):\n    """Share of rows whose largest output is the target\'s class."""\n'
                '    return float(np.mean(np.argmax(out, axis=1) == np.argmax(y, axis=1)))\n')
    return ""


@dataclass(frozen=True)
class _Parts:
    """What both scripts share: the checked inputs, the initial network, and the text blocks."""

    cfg: Config
    ds: Dataset
    net: Network
    imports: str
    data: str
    about: str
    params: str
    images: bool

    @property
    def L(self) -> int:
        return self.net.n_layers

    @property
    def acts(self) -> tuple[str, ...]:
        return self.net.activations

    @property
    def mini(self) -> bool:
        return _batch_size(self.cfg, self.ds.n_train) < self.ds.n_train

    def names(self, biases: bool = True) -> str:
        """'W1, b1, W2, b2' (or the weights only)."""
        return ", ".join(p for i in range(1, self.L + 1) for p in ((f"W{i}", f"b{i}") if biases else (f"W{i}",)))


def _parts(inputs: ScriptInputs, extra_imports: str) -> _Parts:
    cfg, ds = inputs.config, inputs.dataset
    check(cfg, ds)
    net = initial_network(cfg, ds.n_features, ds.n_outputs)
    data_imports, data_code, about = _data_block(cfg, ds)
    param_imports, params_code = _params_block(net, cfg)
    lines = set((data_imports + param_imports + extra_imports).splitlines(True))
    imports = "".join(sorted(lines, key=lambda ln: (ln.startswith("from"), ln)))
    images = image_set(cfg.dataset) is not None and cfg.dataset == ds.name
    return _Parts(cfg, ds, net, imports, data_code, about, params_code, images)


def _prologue(kind: str, parts: _Parts, inputs: ScriptInputs, libraries: str) -> str:
    """Docstring, imports, settings, data and initial weights."""
    return (_header(kind, parts.cfg, parts.ds, parts.about, parts.net.sizes, inputs)
            + f"\n{parts.imports}\n{libraries}\n"
            + "# -- the settings of this run --\n" + _settings_block(parts.cfg, parts.ds) + "\n"
            + (UNPACK_SOURCE + "\n\n" if "unpack(" in parts.data + parts.params else "")
            + "# -- the data --\n" + parts.data + "\n" + parts.params + "\n")


def _np_backward(parts: _Parts) -> list[str]:
    """The backward pass, output layer first: dA, dZ, dW, db of every layer."""
    cfg, L, acts = parts.cfg, parts.L, parts.acts
    lines = []
    for li in range(L, 0, -1):
        if li == L and LOSSES[cfg.loss].fused_output == acts[-1]:
            lines.append(f"dZ{L} = (a{L} - yb) / n  # {acts[-1]} + {cfg.loss}: dL/dz simplifies to (a - y) / n")
        else:
            if li == L:
                lines.append(f"dA{L} = (a{L} - yb) / n  # dL/da of the MSE")
            lines.append(_NP_DZ[acts[li - 1]].format(l=li))
        pen = {"l2": f" + L2 * W{li}", "l1": f" + L1 * np.sign(W{li})"}.get(cfg.reg, "")
        lines += [f"dW{li} = a{li - 1}.T @ dZ{li}{pen}", f"db{li} = dZ{li}.sum(axis=0)"]
        if li > 1:
            lines.append(f"dA{li - 1} = dZ{li} @ W{li}.T")
    return lines


def _np_functions(parts: _Parts) -> str:
    """The activations used, forward(), loss_of() and accuracy()."""
    L, sizes = parts.L, parts.net.sizes
    zs = ", ".join(f"z{i}, a{i}" for i in range(1, L + 1))
    fwd = "".join(f"    z{i} = a{i - 1} @ W{i} + b{i}\n    a{i} = {parts.acts[i - 1]}(z{i})\n" for i in range(1, L + 1))
    loss = "".join(f"    {ln.replace(f'a{L}', 'a_out')}\n" for ln in _np_loss_lines(parts.cfg, L))
    acc = _accuracy_source(parts.ds.task)
    return ("# -- activations (a = f(z)); their derivatives are written out in the backward pass --\n"
            + "\n\n".join(_NP_ACT[a] for a in sorted(set(parts.acts))) + "\n\n"
            + f'def forward(a0):\n    """z and a of every layer for a batch a0 (n, {sizes[0]})."""\n{fwd}'
            + f"    return {zs}\n\n\n"
            + 'def loss_of(a_out, yb):\n    """The data loss of outputs a_out for targets yb, plus the penalty."""\n'
            + f"    n = a_out.shape[0]\n{loss}    return float(data_loss{_plus_penalty(parts.cfg, L)})\n\n\n"
            + (acc + "\n\n" if acc else ""))


def _diverged(pad: str, finite: str, weights: str, restore: str) -> str:
    """The app's stop rule (session.divergence_of): a non-finite loss or parameter, or one past EXPLODED."""
    return (f"{pad}if not (np.isfinite(loss) and {finite}) \\\n"
            f"{pad}        or loss > EXPLODED or {weights} > EXPLODED:\n"
            f'{pad}    print(f"training stopped at iteration {{it}}: the loss or a weight diverged '
            f'(learning rate too large?)")\n'
            f"{pad}    {restore}  # the app keeps the last good parameters\n"
            f"{pad}    break\n"
            f'{pad}losses.append(loss)\n{pad}print(f"iteration {{it:6d}}  loss {{loss!r}}")\n\n')


def _np_loop(parts: _Parts) -> str:
    """The training loop: batch, forward, loss, backward, update, stop rule, print."""
    cfg, L, pad = parts.cfg, parts.L, "    "
    zs = ", ".join(f"z{i}, a{i}" for i in range(1, L + 1))
    params = parts.names()
    text = "N = X_train.shape[0]\n" + _np_slots(cfg, L)
    text += "epoch, pos = 0, 0  # full passes done, rows into the current pass\n" if parts.mini else ""
    text += "losses = []\nfor it in range(1, args.iterations + 1):\n" + _batch_code(cfg, parts.ds.n_train, pad)
    text += f"{pad}n = xb.shape[0]\n{pad}a0 = xb\n{pad}# forward, layer by layer\n{pad}{zs} = forward(a0)\n"
    text += f"{pad}# the loss (before this iteration's update)\n{pad}loss = loss_of(a{L}, yb)\n"
    text += f"{pad}# backward, from the output layer to the first\n"
    text += "".join(f"{pad}{ln}\n" for ln in _np_backward(parts))
    text += f"{pad}# update\n{pad}before = ({params})\n" + "".join(f"{pad}{ln}\n" for ln in _np_update_lines(cfg, L))
    return text + _diverged(pad, f"all(np.isfinite(p).all() for p in ({params},))",
                            f"max(np.abs(W).max() for W in ({parts.names(False)},))", f"{params} = before")


def _np_epilogue(parts: _Parts) -> str:
    acc = ', f"accuracy {accuracy(out, Y):.4f}"' if _accuracy_source(parts.ds.task) else ""
    return ('for name, X, Y in (("train", X_train, Y_train), ("test", X_test, Y_test)):\n'
            "    if X.shape[0]:\n        out = forward(X)[-1]\n"
            f'        print(f"final {{name}}: loss {{loss_of(out, Y)!r}}"{acc})\n')


def numpy_script(inputs: ScriptInputs) -> str:
    """The standalone NumPy script of a run (raises ExportError when ``check`` would)."""
    parts = _parts(inputs, "import argparse\n")
    libraries = ("import numpy as np\n\n"
                 'np.seterr(all="ignore")  # as in the app: overflow is caught below as a diverged run\n')
    return (_prologue("numpy", parts, inputs, libraries) + _np_functions(parts)
            + _argparse_block(parts.cfg, parts.ds, inputs.iterations) + _load_call(parts.cfg, parts.ds)
            + _np_loop(parts) + _np_epilogue(parts) + _app_losses_block(inputs))


# -- the PyTorch script --------------------------------------------------------------------------------
_TORCH_ACT = {
    "sigmoid": "torch.sigmoid({x})",
    "tanh": "torch.tanh({x})",
    "relu": "torch.relu({x})",
    "leaky_relu": f"F.leaky_relu({{x}}, {APP_LEAKY_SLOPE!r})",
    "linear": "{x}",
    "softmax": "torch.softmax({x}, dim=1)",
}


def _torch_optimizer(cfg: Config) -> str:
    if cfg.optimizer == "sgd":
        return "optimizer = torch.optim.SGD(params, lr=LR)  # p = p - LR * g\n"
    if cfg.optimizer == "momentum":
        return ("# PyTorch's momentum: v = momentum * v + (1 - dampening) * g, p = p - lr * v (v = g at the first\n"
                "# step): with dampening 0 and nesterov off this is the app's v = BETA * v + g, p = p - LR * v.\n"
                "optimizer = torch.optim.SGD(params, lr=LR, momentum=BETA, dampening=0.0, nesterov=False)\n")
    return ("# PyTorch's Adam is the app's: m, v moving averages of g and g*g, both bias-corrected, and EPS added\n"
            "# to sqrt(v_hat) (not inside the root): p = p - LR * m_hat / (sqrt(v_hat) + EPS). No weight decay,\n"
            "# no amsgrad. (It computes m by lerp and divides sqrt(v) by sqrt(c2): the same numbers to rounding.)\n"
            "optimizer = torch.optim.Adam(params, lr=LR, betas=(BETA1, BETA2), eps=EPS, weight_decay=0.0,\n"
            "                             amsgrad=False)\n")


def _torch_loss(cfg: Config) -> tuple[str, str]:
    """(loss code on the model's output `out`, how to turn `out` into the network's output a)."""
    if cfg.loss == "mse":
        return ('0.5 * F.mse_loss(out, yb, reduction="sum") / n  # the app\'s MSE: mean over rows of '
                '1/2 sum_k (a - y)^2', "out")
    note = ("  # the app's clipped log equals this except where an output is within 1e-12 of 0 or 1;\n"
            "        # its gradient (a - y) / n is exactly the app's")
    if cfg.loss == "bce":
        return (f'F.binary_cross_entropy_with_logits(out, yb, reduction="sum") / n{note}', "torch.sigmoid(out)")
    return (f'F.cross_entropy(out, yb, reduction="sum") / n  # yb one-hot (class probabilities){note}',
            "torch.softmax(out, dim=1)")


def _torch_model(parts: _Parts) -> str:
    """class Net(nn.Module) with one nn.Linear per layer, and the app's initial weights copied in."""
    L, acts, sizes = parts.L, parts.acts, parts.net.sizes
    logits = parts.cfg.loss in ("bce", "ce")
    fwd = []
    for i in range(1, L + 1):
        z = f"self.fc{i}({'x' if i == 1 else 'a'})"
        if i == L and logits:
            fwd.append(f"        return {z}  # z{L}: the logits; the loss applies the {acts[-1]}")
        elif i == L:
            fwd.append(f"        return {_TORCH_ACT[acts[-1]].format(x=z)}")
        else:
            fwd.append(f"        a = {_TORCH_ACT[acts[i - 1]].format(x=z)}")
    layers = "".join(f"        self.fc{i} = nn.Linear({sizes[i - 1]}, {sizes[i]})\n" for i in range(1, L + 1))
    copies = "".join(f"    model.fc{i}.weight.copy_(torch.from_numpy(W{i}.T))\n"
                     f"    model.fc{i}.bias.copy_(torch.from_numpy(b{i}))\n" for i in range(1, L + 1))
    text = (f'\nclass Net(nn.Module):\n    """{"-".join(map(str, sizes))}: {", ".join(acts)}."""\n\n'
            f"    def __init__(self):\n        super().__init__()\n{layers}\n"
            f"    def layers(self):\n        return [{', '.join(f'self.fc{i}' for i in range(1, L + 1))}]\n\n"
            "    def forward(self, x):\n" + "\n".join(fwd) + "\n\n\n"
            "model = Net()\n"
            "with torch.no_grad():  # nn.Linear keeps its weight as (n_out, n_in): the app's W transposed\n"
            + copies)
    if not parts.cfg.train_biases:
        text += "for layer in model.layers():\n    layer.bias.requires_grad_(False)  # TRAIN_BIASES is False\n"
    return text + "params = [p for p in model.parameters() if p.requires_grad]\n" + _torch_optimizer(parts.cfg)


def _torch_functions(parts: _Parts) -> str:
    loss_code, _ = _torch_loss(parts.cfg)
    pen = {"l2": " + 0.5 * L2 * sum((layer.weight ** 2).sum() for layer in model.layers())",
           "l1": " + L1 * sum(layer.weight.abs().sum() for layer in model.layers())"}.get(parts.cfg.reg, "")
    acc = _accuracy_source(parts.ds.task)
    return ('\n\ndef loss_of(out, yb):\n'
            '    """The data loss of the model\'s output for targets yb, plus the penalty on the weights."""\n'
            f"    n = out.shape[0]\n    data_loss = {loss_code}\n    return data_loss{pen}\n\n\n"
            + (acc + "\n\n" if acc else ""))


def _torch_loop(parts: _Parts) -> str:
    pad = "    "
    batch = _batch_code(parts.cfg, parts.ds.n_train, pad).replace("X_train, Y_train", "Xt, Yt").replace(
        "X_train[idx], Y_train[idx]", "Xt[idx], Yt[idx]")
    text = "N = X_train.shape[0]\nXt, Yt = torch.from_numpy(X_train), torch.from_numpy(Y_train)\n"
    text += "epoch, pos = 0, 0  # full passes done, rows into the current pass\n" if parts.mini else ""
    text += "losses = []\nfor it in range(1, args.iterations + 1):\n" + batch
    text += (f"{pad}before = copy.deepcopy(model.state_dict())\n{pad}optimizer.zero_grad()\n"
             f"{pad}loss_t = loss_of(model(xb), yb)  # forward and loss\n"
             f"{pad}loss_t.backward()  # backward: autograd fills every parameter's .grad\n"
             f"{pad}optimizer.step()  # update\n{pad}loss = loss_t.item()\n")
    return text + _diverged(pad, "all(torch.isfinite(p).all() for p in model.parameters())",
                            "max(layer.weight.abs().max().item() for layer in model.layers())",
                            "model.load_state_dict(before)")


def _torch_epilogue(parts: _Parts) -> str:
    _, to_output = _torch_loss(parts.cfg)
    acc = ', f"accuracy {accuracy(a_out.numpy(), Y):.4f}"' if _accuracy_source(parts.ds.task) else ""
    return ("with torch.no_grad():\n"
            '    for name, X, Y in (("train", X_train, Y_train), ("test", X_test, Y_test)):\n'
            "        if X.shape[0]:\n            out = model(torch.from_numpy(X))\n"
            f"            a_out = {to_output}\n"
            "            loss = loss_of(out, torch.from_numpy(Y)).item()\n"
            f'            print(f"final {{name}}: loss {{loss!r}}"{acc})\n')


def torch_script(inputs: ScriptInputs) -> str:
    """The PyTorch script of a run (raises ExportError when ``check`` would)."""
    parts = _parts(inputs, "import argparse\nimport copy\n")
    libraries = ("import numpy as np\nimport torch\nimport torch.nn.functional as F\nfrom torch import nn\n\n"
                 "torch.set_default_dtype(torch.float64)  # the app computes in float64\n")
    return (_prologue("torch", parts, inputs, libraries) + _torch_model(parts) + _torch_functions(parts)
            + _argparse_block(parts.cfg, parts.ds, inputs.iterations) + _load_call(parts.cfg, parts.ds)
            + _torch_loop(parts) + _torch_epilogue(parts) + _app_losses_block(inputs))


def script(inputs: ScriptInputs, kind: str) -> str:
    """The script of ``kind`` ('numpy' | 'torch')."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    return numpy_script(inputs) if kind == "numpy" else torch_script(inputs)
