"""The loader a generated script uses for a bundled image set (digits, MNIST), as real code.

``export`` writes this function's own source text into the scripts (``inspect.getsource``), and calls
the very same function to check, before a script is offered, that it gives ``make_dataset``'s four
arrays bit for bit: no generated text is ever executed by the app. NumPy and ``math`` only, so the
scripts stay standalone.
"""

import math

import numpy as np


def load_images(path, n, n_images, max_value, test_ratio, seed, standardize, n_classes):
    """(X_train, Y_train, X_test, Y_test) from an .npz of uint8 'images' (N, pixels) and 'labels' (N,),
    as the app makes them: a seeded subsample of n images (kept in file order), pixels scaled to
    [0, 1], a stratified seeded split, optional standardising, one-hot targets."""
    with np.load(path, allow_pickle=False) as f:
        images, labels = f["images"], f["labels"]
    rng = np.random.default_rng(seed)  # one generator: the subsample, then the split
    rows = np.arange(n_images)
    if n < n_images:  # a seeded subsample of n images, kept in file order
        rows = np.sort(rng.permutation(n_images)[:n])
    X = images[rows].astype(np.float64) / float(max_value)  # pixels scaled to [0, 1]
    y = labels[rows].astype(np.int64)
    # stratified split: test_ratio of every class to the test set (largest remainder), seeded
    n_test = min(math.floor(n * test_ratio + 0.5), n - 1)
    order = rng.permutation(n)
    classes, counts = np.unique(y, return_counts=True)
    exact = counts * (n_test / counts.sum())
    cap = np.maximum(counts - 1, 0)  # at least one training row per class
    take = np.minimum(np.floor(exact).astype(np.int64), cap)
    for i in np.argsort(-(exact - take), kind="stable"):
        if take.sum() >= n_test:
            break
        if take[i] < cap[i]:
            take[i] += 1
    test = np.zeros(n, dtype=bool)
    for c, k in zip(classes, take):
        test[order[y[order] == c][:k]] = True  # the first k of class c in shuffled order
    train_idx, test_idx = order[~test[order]], order[test[order]]
    X_train, X_test = X[train_idx], X[test_idx]
    if standardize:  # with the training set's mean and std (constant pixels are left as they are)
        mean, std = X_train.mean(axis=0), X_train.std(axis=0)
        constant = (X_train.max(axis=0) == X_train.min(axis=0)) | ~(std > 0)
        mean, std = np.where(constant, 0.0, mean), np.where(constant, 1.0, std)
        X_train, X_test = (X_train - mean) / std, (X_test - mean) / std
    Y = np.eye(n_classes)[y]  # one-hot targets
    return X_train, Y[train_idx], X_test, Y[test_idx]
