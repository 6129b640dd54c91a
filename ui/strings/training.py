"""The Training page, and the labels of its figures (keys training.fig.<figure>.<label>)."""

STRINGS = {
    "training.title": ("Training run", "训练过程"),
    "training.intro": ("Train many iterations at once and watch what changes: the loss falls, the decision "
                       "boundary bends around the data, and the gradients show whether every layer is learning.",
                       "一次训练多次迭代，观察变化：损失下降，决策边界绕着数据弯曲，梯度显示每一层是否在学习。"),
    "training.n": ("Iterations to train", "训练迭代次数"),
    "training.start": ("Start", "开始"),
    "training.stop": ("Stop", "停止"),
    "training.controls.help": ("Runs in small chunks so the page stays responsive. Stop keeps everything trained "
                               "so far; Back on the Step-through page still works.",
                               "分成小段运行，页面始终可以操作。“停止”会保留已训练的结果；"
                               "逐步演示页上的“后退”仍然可用。"),
    "training.job.running": ("Training… {done} of {total} iterations (now at iteration {it})",
                             "训练中… 已完成 {done}/{total} 次迭代（当前第 {it} 次迭代）"),
    "training.job.done": ("Done: trained {done} iterations (now at iteration {it}).",
                          "完成：共训练 {done} 次迭代（当前第 {it} 次迭代）。"),
    "training.job.stopped": ("Stopped after {done} of {total} iterations (now at iteration {it}).",
                             "已停止：完成 {done}/{total} 次迭代（当前第 {it} 次迭代）。"),
    "training.job.diverged": ("Stopped after {done} of {total} iterations: training diverged (see the message above).",
                              "已停止：完成 {done}/{total} 次迭代后训练发散（见上方提示）。"),
    "training.job.interrupted": ("The run changed during training (new settings, Reset or steps on another page): "
                                 "stopped after {done} of {total} iterations.",
                                 "训练期间运行发生了变化（新设置、重置或在其他页面单步）："
                                 "完成 {done}/{total} 次迭代后停止。"),
    "training.metric.loss": ("Training loss", "训练损失"),
    "training.metric.test_acc": ("Test accuracy", "测试准确率"),
    "training.metric.train_acc": ("Training accuracy", "训练准确率"),
    "training.curves": ("Loss and accuracy", "损失与准确率"),
    "training.log": ("Log scale for the loss", "损失使用对数坐标"),
    "training.log.help": ("A log axis shows the slow late decrease that a linear axis flattens.",
                          "对数坐标能显示后期缓慢的下降，线性坐标会把它压平。"),
    "training.history_thinned": ("Long run: older points are every {k}th iteration (memory stays bounded).",
                                 "长时间训练：较早的点每 {k} 次迭代保留一个（内存有上限）。"),
    "training.plane.2d": ("What the network computes over the input plane", "网络在输入平面上的计算结果"),
    "training.plane.1d": ("The fitted curve and each hidden unit", "拟合曲线与每个隐藏单元"),
    "training.fixed_size": ("This dataset is a fixed set of points: the test points are the training points "
                            "(drawn once).",
                            "该数据集是固定的几个点：测试点就是训练点（只画一次）。"),
    "training.units.none": ("No hidden layer: the output is one weighted sum of the inputs, so the boundary is a "
                            "straight line.", "没有隐藏层：输出是输入的一个加权和，所以边界是一条直线。"),
    "training.units.layer": ("Hidden layer shown", "显示的隐藏层"),
    "training.units.layer_fmt": ("Layer {l} ({n} units, {act})", "第 {l} 层（{n} 个单元，{act}）"),
    "training.health": ("Gradient health", "梯度健康状况"),
    "training.health.explain": (
        "**How to read this.** The gradient norm ‖dL/dW‖ is how hard the loss pulls on a layer's weights. "
        "On its way back, the gradient is multiplied by f′(z) at every layer. The sigmoid's slope is at most 0.25, "
        "so with sigmoid each layer passes back at most a quarter: the early layers get tiny gradients "
        "(*vanishing gradients*) and learn slowly, worse still when units saturate (output stuck near 0 or 1, "
        "slope ≈ 0). ReLU's slope is 1 wherever a unit is active, so gradients pass back undiminished; but a unit "
        "that is inactive for every sample gets no gradient at all and stops learning (*dead ReLU*). "
        "The update/weight ratio ‖ΔW‖/‖W‖ says how fast a layer changes: around 10⁻³ is a common rule of thumb; "
        "far below, the layer hardly moves; far above, the learning rate is probably too large.",
        "**如何解读。** 梯度范数 ‖dL/dW‖ 表示损失对该层权重“拉动”的力度。梯度反向传播时，每经过一层都要乘以 f′(z)。"
        "sigmoid 的斜率最大只有 0.25，因此使用 sigmoid 时每层最多只把四分之一传回去：靠前的层得到的梯度非常小"
        "（*梯度消失*），学得很慢；单元饱和时（输出卡在 0 或 1 附近，斜率 ≈ 0）更是如此。"
        "ReLU 在单元激活时斜率为 1，梯度可以不打折扣地传回；但如果某个单元对所有样本都不激活，"
        "它就完全得不到梯度，停止学习（*死亡 ReLU*）。更新/权重比 ‖ΔW‖/‖W‖ 表示该层变化的快慢："
        "常用的经验值约为 10⁻³；远小于它，该层几乎不动；远大于它，学习率很可能过大。"),
    "training.results": ("Results", "结果"),
    "training.confusion.test": ("On the test set: data the network never trained on.",
                                "在测试集上：网络从未用来训练的数据。"),
    "training.confusion.train": ("On the training set (there is no separate test set).",
                                 "在训练集上（没有单独的测试集）。"),
    "training.confusion.explain": ("Each row is a true class, each column what the network predicted: the diagonal "
                                   "counts the right answers, everything off the diagonal is a mistake, and which "
                                   "cell it lands in tells which classes the network confuses.",
                                   "每一行是真实类别，每一列是网络的预测：对角线上是预测正确的数量，对角线以外都是错误；"
                                   "错误落在哪个格子，说明网络把哪两个类别弄混了。"),
    "training.digits": ("Test images and first-layer weights", "测试图像与第一层权重"),
    "training.digits.not_prob": ("The output layer is not softmax: the number in brackets is the output of the "
                                 "predicted class, not a probability.",
                                 "输出层不是 softmax：括号中的数值是预测类别的输出值，而不是概率。"),
    "training.filters.explain": ("Each image is one hidden unit's 64 incoming weights laid out as the 8×8 picture: "
                                 "blue pixels raise the unit's input, vermillion ones lower it.",
                                 "每张图是一个隐藏单元的 64 个输入权重，按 8×8 图像排列：蓝色像素使该单元的输入增大，"
                                 "朱红色像素使其减小。"),
    # figure labels: loss and accuracy curves
    "training.fig.curves.loss_title": ("Loss", "损失"),
    "training.fig.curves.acc_title": ("Accuracy", "准确率"),
    "training.fig.curves.x": ("iteration", "迭代"),
    "training.fig.curves.loss": ("loss", "损失"),
    "training.fig.curves.acc": ("accuracy", "准确率"),
    "training.fig.curves.epoch": ("epoch", "轮次"),
    "training.fig.curves.batch_loss": ("batch loss", "批次损失"),
    "training.fig.curves.train_loss": ("training loss", "训练损失"),
    "training.fig.curves.train_loss_full": ("training loss (whole set)", "训练损失（全部训练集）"),
    "training.fig.curves.test_loss": ("test loss", "测试损失"),
    "training.fig.curves.batch_acc": ("batch accuracy", "批次准确率"),
    "training.fig.curves.train_acc": ("training accuracy", "训练准确率"),
    "training.fig.curves.train_acc_full": ("training accuracy (whole set)", "训练准确率（全部训练集）"),
    "training.fig.curves.test_acc": ("test accuracy", "测试准确率"),
    "training.fig.curves.empty": ("no iterations yet", "尚无迭代"),
    "training.fig.curves.no_acc": ("accuracy is not defined for regression", "回归任务没有准确率"),
    "training.fig.curves.dropped": ("{n} infinite or non-positive value(s) not drawn", "{n} 个无穷大或非正值未绘出"),
    # the input plane
    "training.fig.boundary.title": ("Prediction over the input plane", "输入平面上的预测"),
    "training.fig.boundary.title_1d": ("The network's fitted curve", "网络的拟合曲线"),
    "training.fig.boundary.x": ("x\u2081", "x\u2081"),
    "training.fig.boundary.y": ("x\u2082", "x\u2082"),
    "training.fig.boundary.target": ("y", "y"),
    "training.fig.boundary.train": ("train: {cls}", "训练：{cls}"),
    "training.fig.boundary.test": ("test: {cls}", "测试：{cls}"),
    "training.fig.boundary.train_points": ("training points", "训练点"),
    "training.fig.boundary.test_points": ("test points", "测试点"),
    "training.fig.boundary.prob": ("P({cls})", "P({cls})"),
    "training.fig.boundary.boundary": ("P = 0.5", "P = 0.5"),
    "training.fig.boundary.fit": ("network output", "网络输出"),
    "training.fig.boundary.output": ("output", "输出"),
    "training.fig.boundary.class": ("class {k}", "类别 {k}"),
    "training.fig.boundary.confidence": ("colour strength = confidence of the predicted class",
                                         "颜色深浅 = 对预测类别的把握"),
    "training.fig.boundary.dropped": ("{n} non-finite output(s) left blank", "{n} 个非有限输出留空"),
    # hidden units
    "training.fig.units.title": ("Each hidden unit's output", "每个隐藏单元的输出"),
    "training.fig.units.unit": ("unit {j}", "单元 {j}"),
    "training.fig.units.more": ("first {m} of {n} units shown", "显示 {n} 个单元中的前 {m} 个"),
    "training.fig.units.value": ("a", "a"),
    "training.fig.units.x": ("x\u2081", "x\u2081"),
    "training.fig.units.y": ("x\u2082", "x\u2082"),
    "training.fig.units.dropped": ("{n} non-finite value(s) left blank", "{n} 个非有限值留空"),
    # gradient and unit health
    "training.fig.health.title": ("Gradient health per layer", "各层梯度健康状况"),
    "training.fig.health.grad": ("gradient norm \u2016dL/dW\u2016", "梯度范数 \u2016dL/dW\u2016"),
    "training.fig.health.ratio": ("update / weight ratio \u2016\u0394W\u2016 / \u2016W\u2016",
                                  "更新/权重比 \u2016\u0394W\u2016 / \u2016W\u2016"),
    "training.fig.health.reference": ("10\u207b\u00b3 (rule of thumb)", "10\u207b\u00b3（经验值）"),
    "training.fig.health.x": ("iteration", "迭代"),
    "training.fig.health.layer": ("layer {l}", "第 {l} 层"),
    "training.fig.health.dropped": ("{n} zero or non-finite value(s) cannot be drawn on a log axis",
                                    "{n} 个零或非有限值无法在对数坐标上绘出"),
    "training.fig.health.unit_title": ("Dead and saturated units", "死亡与饱和单元"),
    "training.fig.health.dead": ("layer {l}: dead (ReLU never active)", "第 {l} 层：死亡（ReLU 从不激活）"),
    "training.fig.health.saturated": ("layer {l}: saturated (sigmoid/tanh)", "第 {l} 层：饱和（sigmoid/tanh）"),
    "training.fig.health.fraction": ("fraction of units", "单元比例"),
    "training.fig.health.none": ("no ReLU, sigmoid or tanh layer to watch", "没有需要观察的 ReLU、sigmoid 或 tanh 层"),
    "training.fig.health.empty": ("no iterations yet", "尚无迭代"),
    # confusion matrix
    "training.fig.confusion.title": ("Confusion matrix: accuracy {acc:.1%} on {n} samples",
                                     "混淆矩阵：{n} 个样本上准确率 {acc:.1%}"),
    "training.fig.confusion.empty_title": ("Confusion matrix", "混淆矩阵"),
    "training.fig.confusion.x": ("predicted class", "预测类别"),
    "training.fig.confusion.y": ("true class", "真实类别"),
    "training.fig.confusion.count": ("samples", "样本数"),
    "training.fig.confusion.hover": ("true {y}, predicted {x}", "真实 {y}，预测 {x}"),
    "training.fig.confusion.row_share": ("of this true class", "占该真实类别"),
    "training.fig.confusion.empty": ("no samples", "没有样本"),
    # digits
    "training.fig.digits.title": ("Test images: predicted class (probability)", "测试图像：预测类别（概率）"),
    "training.fig.digits.right": ("{pred} ({p:.0%})", "{pred}（{p:.0%}）"),
    "training.fig.digits.wrong": ("\u2717 {pred} ({p:.0%}), true {true}", "\u2717 {pred}（{p:.0%}），实为 {true}"),
    "training.fig.digits.mistakes": ("{k} of {n} shown are wrong (vermillion)",
                                     "所示 {n} 张中 {k} 张预测错误（朱红色）"),
    "training.fig.digits.filters_title": ("First-layer weights: what each hidden unit looks for",
                                          "第一层权重：每个隐藏单元在寻找什么"),
    "training.fig.digits.unit": ("unit {j}", "单元 {j}"),
    "training.fig.digits.more": ("first {m} of {n} units shown", "显示 {n} 个单元中的前 {m} 个"),
    "training.fig.digits.weight": ("w", "w"),
    "training.fig.digits.pixel": ("row {r}, column {c}", "第 {r} 行，第 {c} 列"),
}
