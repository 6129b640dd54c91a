"""Build ``backprop_core/data/digits.npz`` from the copy of the UCI digits shipped by scikit-learn.

Run once at development time: ``python tools/make_digits.py``.
scikit-learn is only used to *locate* ``digits.csv.gz``; parsing is plain gzip + csv.

Output arrays:
    images  uint8 (1797, 64)  pixel counts 0..16, row-major 8x8
    labels  uint8 (1797,)     digit class 0..9
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import importlib.util
from pathlib import Path

import numpy as np

N_SAMPLES = 1797
N_PIXELS = 64
OUT_PATH = Path(__file__).resolve().parent.parent / "backprop_core" / "data" / "digits.npz"


def find_source() -> Path:
    """Return the path of ``sklearn/datasets/data/digits.csv.gz`` without importing sklearn."""
    spec = importlib.util.find_spec("sklearn.datasets")
    if spec is None or spec.origin is None:
        raise SystemExit("scikit-learn is not installed; `pip install scikit-learn` to build digits.npz")
    path = Path(spec.origin).parent / "data" / "digits.csv.gz"
    if not path.is_file():
        raise SystemExit(f"digits file not found at {path}")
    return path


def parse(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Parse the gzipped CSV: 65 numbers per row (64 pixels, then label). Returns (images, labels)."""
    with gzip.open(path, "rt", newline="") as fh:
        rows = [[int(float(v)) for v in row] for row in csv.reader(fh) if row]
    table = np.asarray(rows, dtype=np.int64)  # (1797, 65)
    if table.shape != (N_SAMPLES, N_PIXELS + 1):
        raise SystemExit(f"unexpected shape {table.shape}")
    images, labels = table[:, :N_PIXELS], table[:, N_PIXELS]
    # Sanity-check value ranges before narrowing to uint8.
    if images.min() < 0 or images.max() > 16 or labels.min() < 0 or labels.max() > 9:
        raise SystemExit("values out of expected range")
    return images.astype(np.uint8), labels.astype(np.uint8)


def main() -> None:
    """Write the compressed npz and print its size and SHA-256."""
    images, labels = parse(find_source())
    OUT_PATH.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT_PATH, images=images, labels=labels)
    digest = hashlib.sha256(OUT_PATH.read_bytes()).hexdigest()
    print(f"wrote {OUT_PATH} ({OUT_PATH.stat().st_size} bytes, sha256 {digest})")
    print("class counts:", np.bincount(labels, minlength=10).tolist())


if __name__ == "__main__":
    main()
