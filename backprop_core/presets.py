"""Named starting points: each a Config (and, for the worked example, the published weights)."""

from __future__ import annotations

import numpy as np

from .config import Config

# Mazur's "A Step by Step Backpropagation Example": w1..w4 into the hidden layer, w5..w8 out,
# written in the row-vector layout W[i, j] = weight from input i to neuron j.
WORKED_WEIGHTS = (np.array([[0.15, 0.25], [0.20, 0.30]]), np.array([[0.40, 0.50], [0.45, 0.55]]))
WORKED_BIASES = (np.array([0.35, 0.35]), np.array([0.60, 0.60]))

PRESETS: dict[str, Config] = {
    "xor": Config(dataset="xor", hidden=(3,), hidden_act="sigmoid", output_act="sigmoid", loss="mse",
                  optimizer="sgd", lr=7.0, init="xavier", seed=0),
    "worked": Config(dataset="worked", hidden=(2,), hidden_act="sigmoid", output_act="sigmoid",
                     loss="mse", optimizer="sgd", lr=0.5, init="worked", train_biases=False, test_ratio=0.0),
    "digits": Config(dataset="digits", n_samples=1797, hidden=(128,), hidden_act="sigmoid", output_act="sigmoid",
                     loss="mse", optimizer="sgd", lr=2.0, batch="full", test_ratio=0.2, init="xavier"),
    "digits_fast": Config(dataset="digits", n_samples=1797, hidden=(32,), hidden_act="relu", output_act="softmax",
                          loss="ce", optimizer="adam", lr=0.01, batch="mini", batch_size=64,
                          test_ratio=0.2, init="he"),
    # the articles' MNIST network: DenseLayer(784, 100) -> ReLU -> DenseLayer(100, 10) -> softmax, trained with
    # SGD on mini-batches; lr 0.3 reaches 93% test accuracy in 500 iterations (tests/test_mnist.py)
    "mnist": Config(dataset="mnist", n_samples=5000, hidden=(100,), hidden_act="relu", output_act="softmax",
                    loss="ce", optimizer="sgd", lr=0.3, batch="mini", batch_size=64, test_ratio=0.2, init="he"),
    "spirals": Config(dataset="spirals", n_samples=400, noise=0.1, hidden=(8, 8), hidden_act="tanh",
                      output_act="sigmoid", loss="bce", optimizer="adam", lr=0.03, standardize=True),
    "moons": Config(dataset="moons", n_samples=200, noise=0.15, hidden=(4,), hidden_act="tanh",
                    output_act="sigmoid", loss="bce", optimizer="sgd", lr=0.5, standardize=True),
}

DEFAULT_PRESET = "xor"


def preset_of(cfg: Config) -> str | None:
    """The preset a Config equals, if any (so the sidebar can show it)."""
    return next((name for name, p in PRESETS.items() if p == cfg), None)
