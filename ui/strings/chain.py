"""The Chain-rule page (and its words inside the equations: keys chain.eq.*)."""

STRINGS = {
    "chain.title": ("The chain rule for one weight", "单个权重的链式法则"),
    "chain.intro": ("Pick any weight or bias (with the selectors, or by clicking an edge or a neuron in the "
                    "diagram). Below, backprop's gradient for it is built factor by factor from the numbers "
                    "the engine computed, then checked against a brute-force estimate.",
                    "选择任意一个权重或偏置（用选择框，或在网络图中点击一条连线或一个神经元）。下方用引擎算出的数值，"
                    "逐个因子地写出反向传播对它的梯度，再与一种暴力估计进行核对。"),
    "chain.src.preview": ("Preview of iteration {k}: computed from the current weights without changing the run. "
                          "Step applies it.",
                          "第 {k} 次迭代的预览：用当前权重计算，训练本身不变。按“单步”才会真正执行。"),
    "chain.src.walking": ("Iteration {k}, being walked through on the Step page (phase {p} of {n}): its update is "
                          "applied when that walk finishes.",
                          "第 {k} 次迭代，正在“逐步演示”页中逐阶段展示（第 {p}/{n} 阶段）：演示结束时才会执行其更新。"),
    "chain.src.done": ("Iteration {k}, the last one taken: its gradient and the update it applied.",
                       "第 {k} 次迭代（最近执行的一次）：它的梯度和它已执行的更新。"),
    "chain.src.batch": ("Batch of {n} sample(s); optimizer {opt}, learning rate η = {lr}.",
                        "批次含 {n} 个样本；优化器 {opt}，学习率 η = {lr}。"),
    "chain.no_preview": ("Could not compute the next iteration: {err}", "无法计算下一次迭代：{err}"),
    "chain.step": ("Step", "单步"),
    "chain.step.help": ("Take one full iteration; the page then shows that iteration's numbers.",
                        "执行一次完整迭代；随后页面显示该次迭代的数值。"),
    "chain.layer": ("Weight layer", "权重层"),
    "chain.layer.help": ("Layer l holds the weights from layer l−1's units into layer l's units.",
                         "第 l 层的权重连接第 l−1 层的单元与第 l 层的单元。"),
    "chain.layer.fmt": ("{l}: {a} → {b}", "{l}：{a} → {b}"),
    "chain.kind": ("Parameter", "参数"),
    "chain.kind.W": ("weight w", "权重 w"),
    "chain.kind.b": ("bias b", "偏置 b"),
    "chain.from": ("From i ({name})", "起点 i（{name}）"),
    "chain.from.help": ("The unit the weight starts from. A bias has none.", "权重出发的单元。偏置没有起点。"),
    "chain.to": ("To j ({name})", "终点 j（{name}）"),
    "chain.digits": ("Digits shown", "显示位数"),
    "chain.digits.help": ("Significant digits in the derivation (the exact values are the engine's).",
                          "推导中显示的有效数字位数（数值本身就是引擎算出的值）。"),
    "chain.sample": ("Sample s (of {b})", "样本 s（共 {b} 个）"),
    "chain.sample.help": ("The per-sample factors below are for this row of the batch; the gradient itself is "
                          "the sum over all rows.", "下方逐样本的因子对应批次中的这一行；梯度本身是所有行的求和。"),
    "chain.sample.one": ("The batch is one sample ({row}).", "批次只有一个样本（{row}）。"),
    "chain.fig.title": ("Gradients ∂L/∂w (layer {layer} highlighted)", "梯度 ∂L/∂w（高亮第 {layer} 层）"),
    "chain.fig.click": ("Click an edge to pick its weight, a neuron to pick its bias.",
                        "点击连线选择对应权重，点击神经元选择其偏置。"),
    "chain.fig.click_big": ("Large network: the diagram shows the picked neuron's connections. Click an edge to "
                            "pick its weight, a neuron to pick its bias (and move there).",
                            "网络较大：图中只显示所选神经元的连接。点击连线选择权重，点击神经元选择其偏置（并移到该神经元）。"),
    "chain.h.rule": ("The chain rule", "链式法则"),
    "chain.rule.note": ("L is the mean loss over the batch, so the gradient is a sum over the samples s of the "
                        "batch; each factor is evaluated at that sample.",
                        "L 是批次上的平均损失，因此梯度是对批次中各样本 s 的求和；每个因子都在该样本处取值。"),
    "chain.h.sample": ("1 · One sample: s = {s} ({row})", "1 · 单个样本：s = {s}（{row}）"),
    "chain.sample.note": ("Per-sample numbers: they belong to this row only. ∂L/∂a already carries the 1/n of "
                          "the batch mean.", "逐样本数值：只属于这一行。∂L/∂a 已包含批次平均中的 1/n。"),
    "chain.h.batch": ("2 · The whole batch: the sum over all samples (n = {n})", "2 · 整个批次：对全部样本求和（n = {n}）"),
    "chain.batch.note": ("Batch sum: every sample's term from step 1, added up. This is the gradient the "
                         "optimizer uses.", "批次求和：把第 1 步中每个样本的那一项加起来，这就是优化器使用的梯度。"),
    "chain.h.update": ("3 · The update", "3 · 更新"),
    "chain.check": ("Check: central differences", "核对：中心差分"),
    "chain.check.backprop": ("g: backprop (chain rule)", "g：反向传播（链式法则）"),
    "chain.check.numeric": ("ĝ: central difference", "ĝ：中心差分"),
    "chain.check.rel": ("Relative error", "相对误差"),
    "chain.check.good": ("They agree: backprop's chain of factors gives the true slope of the loss.",
                         "两者一致：反向传播的因子链给出了损失的真实斜率。"),
    "chain.check.close": ("Close, but not to full precision (a kink nearby, such as ReLU at 0, or rounding).",
                          "接近，但未达到完全精度（附近可能有折点，例如 ReLU 在 0 处，或舍入误差）。"),
    "chain.check.bad": ("They disagree: the loss is not smooth here (a ReLU kink within ±h), or the "
                        "numbers overflowed.", "两者不一致：损失在此处不光滑（±h 内有 ReLU 折点），或数值溢出。"),
    "chain.check.tiny": ("This gradient is smaller than central differences can resolve (rounding in L is about "
                         "as large as the change), so the relative error means little here.",
                         "这个梯度小于中心差分能分辨的程度（L 的舍入误差与其变化量相当），此处相对误差意义不大。"),
    "chain.check.nonfinite": ("These numbers are not finite (the network overflowed): there is nothing to compare. "
                              "Try a smaller learning rate, then Reset.",
                              "这些数值不是有限数（网络溢出）：无法比较。请减小学习率，然后重置。"),
    "chain.check.explain": ("Central differences ignore the chain rule: nudge this one parameter up by h = {h} and "
                            "down by h, recompute the loss of the same batch each time, and divide the change by 2h. "
                            "The slope of that tiny chord is the derivative, up to an error of about h². Backprop "
                            "gets the same number from one backward pass for all parameters at once.",
                            "中心差分不使用链式法则：把这一个参数增加 h = {h}、再减少 h，每次对同一批次重新计算损失，"
                            "再把变化量除以 2h。这条极短割线的斜率就是导数，误差约为 h²。"
                            "而反向传播只需一次反向计算，就能同时得到所有参数的这个数。"),
    # words inside the equations (viz.equations.EQUATION_LABELS)
    "chain.eq.more_terms": ("{n} more terms", "另外 {n} 项"),
    "chain.eq.optimizer": ("optimizer: {name}", "优化器：{name}"),
    "chain.eq.frozen_bias": ("biases are not trained: b stays", "偏置不训练：b 保持不变"),
    "chain.eq.fused": ("{act} + {loss}: the f′(z) cancels, so ∂L/∂z = (a − y)/n directly",
                       "{act} + {loss}：f′(z) 被约去，因此直接得到 ∂L/∂z = (a − y)/n"),
    "chain.eq.relu_on": ("z > 0", "z > 0"),
    "chain.eq.relu_off": ("z ≤ 0", "z ≤ 0"),
    "chain.eq.not_yet": ("not computed yet at this phase", "该阶段尚未计算"),
}
