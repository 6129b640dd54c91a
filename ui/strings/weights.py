"""The Weights page, and the labels of its figures (keys weights.fig.<figure>.<label>)."""

STRINGS = {
    "weights.title": ("Weight matrices", "权重矩阵"),
    "weights.intro": ("W[i, j] is the weight from input i (rows) to neuron j (columns): Z = A·W + b. "
                      "Blue is positive, vermillion negative, white zero. Each row of pictures shares one colour "
                      "scale across all layers, so a pale layer really has small numbers.",
                      "W[i, j] 是从输入 i（行）到神经元 j（列）的权重：Z = A·W + b。蓝色为正，朱红色为负，白色为零。"
                      "同一组图中所有层共用一个颜色刻度，所以颜色浅的层数值确实小。"),
    "weights.w": ("Weights W now", "当前权重 W"),
    "weights.grad": ("Gradient dL/dW of iteration {it}", "第 {it} 次迭代的梯度 dL/dW"),
    "weights.delta": ("Update ΔW = new − old of iteration {it}", "第 {it} 次迭代的更新量 ΔW = 新值 − 旧值"),
    "weights.no_record": ("Take a step (Step through page, or Training) to see gradients and updates.",
                          "请先迭代一步（在“逐步演示”或“训练过程”页），才能看到梯度和更新量。"),
    "weights.mid": ("Iteration {it} is being walked through on the Step page: W is still before its update; "
                    "dL/dW and ΔW below belong to it.",
                    "第 {it} 次迭代正在逐步演示页中进行：W 还是更新之前的值；下面的 dL/dW 和 ΔW 属于这次迭代。"),
    "weights.delta.sgd": ("With SGD, ΔW = −η·dL/dW (η = {lr}): the same picture as the gradient, colours swapped.",
                          "使用 SGD 时 ΔW = −η·dL/dW（η = {lr}）：与梯度图相同，只是颜色互换。"),
    "weights.delta.other": ("With {opt}, ΔW is not simply −η·dL/dW (η = {lr}): the optimizer's memory of earlier "
                            "gradients shapes every step.",
                            "使用 {opt} 时，ΔW 并不只是 −η·dL/dW（η = {lr}）：优化器对以往梯度的记忆会影响每一步。"),
    "weights.lines": ("Chosen weights over the iterations", "所选权重随迭代的变化"),
    "weights.lines.text": ("Pick a few weights to follow. Where the line is steep, that weight's gradient was large.",
                           "选几个权重来跟踪。曲线陡峭的地方，说明该权重的梯度较大。"),
    "weights.pick": ("Weights to follow", "要跟踪的权重"),
    "weights.pick.help": ("W{l}[i,j]: layer l, from input i to neuron j (counting from 1).",
                          "W{l}[i,j]：第 l 层，从输入 i 到神经元 j（从 1 开始计数）。"),
    "weights.pick.placeholder": ("Choose weights", "选择权重"),
    "weights.layer": ("Layer", "层"),
    "weights.i": ("input i", "输入 i"),
    "weights.i.help": ("Row of W: the unit in the layer below.", "W 的行：下一层（输入侧）的单元。"),
    "weights.j": ("neuron j", "神经元 j"),
    "weights.j.help": ("Column of W: the neuron this weight feeds.", "W 的列：该权重连接到的神经元。"),
    "weights.add": ("Add", "添加"),
    "weights.thinned": ("Only {m} of the {n} iterations are kept as checkpoints (older ones thinned to bound "
                        "memory): the lines join the kept ones.",
                        "{n} 次迭代中只保留了 {m} 个检查点（较早的被稀疏化以限制内存）：曲线连接的是保留的点。"),
    "weights.fig.grad_title": ("Gradients dL/dW per layer (one colour scale, white = 0)",
                               "各层梯度 dL/dW（统一颜色刻度，白色 = 0）"),
    "weights.fig.delta_title": ("Updates ΔW per layer (one colour scale, white = 0)",
                                "各层更新量 ΔW（统一颜色刻度，白色 = 0）"),
    # figure labels: heatmaps
    "weights.fig.heatmap.title": ("Weights per layer (one colour scale, white = 0)",
                                  "各层权重（统一颜色刻度，白色 = 0）"),
    "weights.fig.heatmap.x": ("neuron j", "神经元 j"),
    "weights.fig.heatmap.y": ("input i", "输入 i"),
    "weights.fig.heatmap.value": ("value", "数值"),
    "weights.fig.heatmap.hover": ("(i, j) = (%{y}, %{x})", "(i, j) = (%{y}, %{x})"),
    "weights.fig.heatmap.all_zero": ("all values are 0", "所有值都为 0"),
    "weights.fig.heatmap.dropped": ("{n} non-finite value(s) left blank", "{n} 个非有限值留空"),
    "weights.fig.heatmap.scale": ("colour scale \u00b1{top:.3g}", "颜色刻度 \u00b1{top:.3g}"),
    # lines
    "weights.fig.lines.title": ("Chosen weights over the iterations", "所选权重随迭代的变化"),
    "weights.fig.lines.x": ("iteration", "迭代"),
    "weights.fig.lines.y": ("value", "数值"),
    "weights.fig.lines.empty": ("no weights chosen yet", "尚未选择权重"),
    "weights.fig.lines.dropped": ("{n} non-finite value(s) not drawn", "{n} 个非有限值未绘出"),
}
