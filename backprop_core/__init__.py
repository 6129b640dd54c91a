"""backprop_core: a NumPy engine that exposes every number of forward and backward propagation.

Notation, stated once (row-vector convention, as in most code and unlike Nielsen's book):
    a_0 = X                      (n, n_0)      a batch of n samples, one per row
    z_l = a_{l-1} @ W_l + b_l    (n, n_l)      W_l: (n_{l-1}, n_l), b_l: (n_l,)
    a_l = f_l(z_l)
    L   = mean over the batch of the per-sample loss (+ regularisation penalty)
    dA_l = dL/da_l, dZ_l = dL/dz_l  (n, n_l)   per sample, already carrying the 1/n of the mean
    dW_l = a_{l-1}.T @ dZ_l (+ penalty gradient), db_l = sum of dZ_l over the batch
Layers are indexed from 0 in code (``trace.layers[0]`` is the first weight layer, l = 1 on screen).

Imports NumPy and the standard library only, so it runs in a notebook or script without the app.
"""

from .activations import ACTIVATIONS, HIDDEN_ACTIVATIONS, Activation
from .config import Config, Notice
from .datasets import DATASETS, CSVError, Dataset, csv_columns, image_side, load_csv, make_dataset
from .gradcheck import gradcheck, numeric_gradient
from .landscape import (
                        Plane,
                        filter_normalize,
                        loss_surface,
                        param_directions,
                        param_index,
                        param_plane,
                        pca_directions,
                        project,
                        random_directions,
                        random_plane,
)
from .losses import LOSSES, Loss, losses_for
from .network import INITS, REGULARIZATIONS, Network
from .optimizers import OPTIMIZERS, SGD, Adam, Momentum, OptState, make_optimizer
from .presets import PRESETS
from .session import Divergence, History, Phase, Session, Settings, State, StepRecord
from .traces import BackwardTrace, ForwardTrace, LayerBackward, LayerForward, Update

__all__ = [
    "ACTIVATIONS", "HIDDEN_ACTIVATIONS", "Activation", "Config", "Notice", "DATASETS", "CSVError", "Dataset",
    "csv_columns", "image_side", "load_csv", "make_dataset", "gradcheck", "numeric_gradient", "LOSSES", "Loss",
    "losses_for",
    "INITS", "REGULARIZATIONS", "Network", "OPTIMIZERS", "SGD", "Adam", "Momentum", "OptState",
    "make_optimizer", "PRESETS", "Divergence", "History", "Phase", "Session", "Settings", "State", "StepRecord",
    "BackwardTrace", "ForwardTrace", "LayerBackward", "LayerForward", "Update",
    "Plane", "filter_normalize", "loss_surface", "param_directions", "param_index", "param_plane",
    "pca_directions", "project", "random_directions", "random_plane",
]
