"""The words of viz/names.py (one 1-based numbering everywhere): keys name.<WORDS key>."""

STRINGS = {
    "name.sample": ("sample {k} of the batch", "批次中第 {k} 个样本"),
    "name.sample_row": ("sample {k} of the batch (training row {r})", "批次中第 {k} 个样本（训练集第 {r} 行）"),
    "name.row": ("training row {r}", "训练集第 {r} 行"),
    "name.neuron": ("neuron {j} of layer {l}", "第 {l} 层神经元 {j}"),
}
