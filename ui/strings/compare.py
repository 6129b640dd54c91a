"""The Compare page (and its figures' labels, under compare.fig.*)."""

STRINGS = {
    "compare.title": ("Compare runs", "对比训练"),
    "compare.intro": ("Two to four runs of the sidebar's network that start from **exactly the same initial "
                      "weights** (its seed and initialisation) and differ in **one** setting. Everything else — data, "
                      "network, the other settings — comes from the sidebar.",
                      "把侧边栏中的网络训练二到四次：每次都从**完全相同的初始权重**出发（同样的随机种子和初始化），"
                      "只有**一个**设置不同。其余一切（数据、网络和其他设置）都取自侧边栏。"),
    "compare.base": ("Base run from the sidebar: {ds} · network {sizes} · hidden {act} · {opt}, lr {lr} · {batch} · "
                     "seed {seed}",
                     "基准（来自侧边栏）：{ds} · 网络 {sizes} · 隐藏层 {act} · {opt}，学习率 {lr} · {batch} · "
                     "种子 {seed}"),
    "compare.setting": ("Setting to vary", "要改变的设置"),
    "compare.setting.lr": ("learning rate", "学习率"),
    "compare.setting.optimizer": ("optimizer", "优化器"),
    "compare.setting.hidden_act": ("hidden activation", "隐藏层激活函数"),
    "compare.setting.batch": ("batch", "批次"),
    "compare.values": ("Values to compare (2 to 4)", "要对比的取值（2 到 4 个）"),
    "compare.values.help": ("Each value is one run; the runs differ only in this setting.",
                            "每个取值对应一次训练；各次训练只在这一项设置上不同。"),
    "compare.iterations": ("Iterations per run", "每次训练的迭代数"),
    "compare.capped": ("This network is large: each run is capped at {n} iterations (instead of {asked}) so one "
                       "click takes only a few seconds. Mini-batches or a smaller network allow longer runs.",
                       "这个网络较大：每次训练最多 {n} 次迭代（而不是 {asked} 次），让一次点击只需几秒钟。"
                       "使用小批次或更小的网络可以训练更久。"),
    "compare.need_two": ("Pick at least 2 values: a comparison needs two runs.",
                         "请至少选择 2 个取值：对比至少需要两次训练。"),
    "compare.too_many": ("At most 4 values: with more, the curves and paths become unreadable. The first {n} were "
                         "kept.", "最多 4 个取值：再多的话曲线和路径就看不清了。已保留前 {n} 个。"),
    "compare.no_hidden": ("This network has no hidden layer, so there is no hidden activation to vary. Add a hidden "
                          "layer in the sidebar, or vary another setting.",
                          "这个网络没有隐藏层，因此没有隐藏层激活函数可以改变。请在侧边栏添加隐藏层，或改变其他设置。"),
    "compare.run": ("Run comparison", "开始对比"),
    "compare.running": ("Training the runs…", "正在训练各次运行…"),
    "compare.surface": ("Computing the shared landscape…", "正在计算共同的损失地形…"),
    "compare.press_run": ("Choose what to compare, then press **Run comparison**.",
                          "选择要对比的内容，然后按 **开始对比**。"),
    "compare.stale": ("Shown: the last comparison ({what}). Press **Run comparison** for the current choice.",
                      "当前显示的是上一次对比（{what}）。按 **开始对比** 运行当前的选择。"),
    "compare.what": ("{setting}: {values}; {n} iterations", "{setting}：{values}；{n} 次迭代"),
    "compare.error": ("The comparison could not run: {msg}", "无法运行对比：{msg}"),
    "compare.final": ("final loss", "最终损失"),
    "compare.last": ("loss before it stopped", "停止前的损失"),
    "compare.done": ("{n} iterations, finished", "{n} 次迭代，已完成"),
    "compare.diverged": ("Stopped at iteration {it}: {what}.", "在第 {it} 次迭代停止：{what}。"),
    "compare.value.lr": ("lr {v}", "学习率 {v}"),
    "compare.value.full": ("full batch", "全批量"),
    "compare.value.single": ("one sample", "单个样本"),
    "compare.value.mini": ("batch of {n}", "每批 {n} 个"),
    "compare.curve": ("Curve", "曲线"),
    "compare.curve.batch": ("loss of each step's batch", "每一步所用批次的损失"),
    "compare.curve.train": ("loss on the whole training set", "整个训练集上的损失"),
    "compare.curve.test": ("loss on the test set", "测试集上的损失"),
    "compare.log": ("log scale", "对数刻度"),
    "compare.off_chart": ("{names} shot off the top of the chart (the axis stops at {top}); switch on the log scale "
                          "to see how far.",
                          "{names} 冲出了图表上方（纵轴截止于 {top}）；打开对数刻度可以看到它冲了多远。"),
    "compare.dir": ("direction {k} ({pct:.0f}% of the movement)", "方向 {k}（占移动的 {pct:.0f}%）"),
    "compare.plane_caption": ("The map is a plane through the common start (open circles) along the two directions "
                              "in which the runs moved farthest (PCA of all their paths); it shows {pct:.1f}% of "
                              "their movement, the rest points out of the screen. Shading: the loss on the training "
                              "set at each point of the plane.",
                              "这张图是一个平面：它经过共同的起点（空心圆），沿着各次训练移动最远的两个方向展开"
                              "（对所有路径做主成分分析）；它展示了 {pct:.1f}% 的移动，其余部分垂直于屏幕。"
                              "底色：平面上每一点在训练集上的损失。"),
    "compare.plane_act": ("Each activation has its own landscape; this one belongs to “{base}”. The other paths "
                          "are drawn on it but climbed different hills.",
                          "每种激活函数都有自己的损失地形；这里画的是“{base}”的。其他路径也画在上面，"
                          "但它们实际走的是另一片地形。"),
    "compare.plane_batch": ("Mini-batch runs step downhill on their batch's loss, not on this whole-set surface: "
                            "that is why their paths zig-zag.",
                            "小批次训练沿着所用批次的损失下坡，而不是沿着这张整个训练集的地形：所以它们的路径是锯齿状的。"),
    "compare.plane_diverged": ("{names} diverged and left the map; the map is framed around the other runs.",
                               "{names} 发散并离开了地图；地图范围按其他训练确定。"),
    "compare.plane_still": ("{names}: barely moved at this scale (the path hides under its start circle).",
                            "{names}：在这个比例下几乎没有移动（路径藏在起点圆圈下面）。"),
    "compare.subsampled": ("Shading computed on {n} of the {total} training samples.",
                           "底色用 {total} 个训练样本中的 {n} 个计算。"),
    "compare.look": ("What to look for", "观察要点"),
    "compare.look.optimizer": (
        "- **SGD** steps straight down the local slope: step = lr × gradient. On a flat plateau (XOR at the start) "
        "it crawls.\n"
        "- **Momentum** keeps a running sum of its past steps (β from the sidebar), so it speeds up along a steady "
        "slope, **overshoots** the bottom of a valley and swings back before it settles: look for a path that "
        "curls past the minimum and a loss curve with bumps.\n"
        "- **Adam** divides each parameter's step by that parameter's own recent gradient size, so every weight "
        "moves about lr per step whatever its gradient: it leaves plateaus fast, but with a large lr it jumps far "
        "(a long path). Adam usually wants an lr of 0.001–0.01.\n"
        "- All runs start at the same open circle and see the same data in the same order: every difference comes "
        "from the update rule.",
        "- **SGD** 沿着局部坡度直接下降：步长 = 学习率 × 梯度。在平坦的高原上（例如刚开始的 XOR）它走得很慢。\n"
        "- **动量法** 累积过去的步伐（β 取自侧边栏），所以在稳定的坡上越走越快，会**冲过**谷底再荡回来，"
        "然后才稳定：注意路径会绕过最低点，损失曲线会出现起伏。\n"
        "- **Adam** 把每个参数的步长除以该参数最近梯度的大小，所以无论梯度大小，每个权重每步大约移动"
        "一个学习率：它能很快离开高原，但学习率大时会跳得很远（路径很长）。Adam 通常适合 0.001–0.01 的学习率。\n"
        "- 所有训练都从同一个空心圆出发，按相同顺序看到相同的数据：所有差别都来自更新规则。"),
    "compare.look.lr": (
        "- **Too small:** the path barely leaves the start and the loss curve stays almost flat.\n"
        "- **About right:** the loss falls steadily and the path runs downhill across the contours.\n"
        "- **Too large:** steps overshoot the valley, the loss jumps up and down, or grows until training stops "
        "(shown in red above) and the path leaves the map.\n"
        "- Every run starts with the same gradient, so their first steps point the same way: only the step length "
        "differs.",
        "- **太小：** 路径几乎离不开起点，损失曲线几乎是平的。\n"
        "- **合适：** 损失稳定下降，路径穿过等高线一路下坡。\n"
        "- **太大：** 每一步都冲过谷底，损失上下跳动，甚至不断增大直到训练停止（上方红色提示），路径也会离开地图。\n"
        "- 所有训练开始时的梯度都相同，所以第一步方向一致：只有步长不同。"),
    "compare.look.hidden_act": (
        "- Same starting numbers, different functions. Sigmoid and tanh flatten out for large inputs, where their "
        "slope — and so the gradient — nearly vanishes; ReLU passes positive inputs unchanged and zeroes negative "
        "ones (a unit whose input is negative for every sample stops learning: it is “dead”).\n"
        "- tanh is centred on 0 with slope 1 there (sigmoid's slope is at most ¼), so at the same lr it usually "
        "learns faster than sigmoid.\n"
        "- The map shows one activation's landscape; the other paths are drawn on it but moved on their own "
        "landscapes, so read them against the loss curves, not against these contours.",
        "- 起始数值相同，函数不同。sigmoid 和 tanh 在输入很大时变平，斜率（也就是梯度）几乎为零；"
        "ReLU 让正输入原样通过、把负输入变成 0（若某个神经元对所有样本的输入都是负数，它就不再学习，即“死亡”）。\n"
        "- tanh 以 0 为中心，在 0 处斜率为 1（sigmoid 的斜率最大只有 ¼），所以在相同学习率下通常比 sigmoid 学得快。\n"
        "- 地图只画出一种激活函数的损失地形；其他路径虽然画在上面，实际是在各自的地形上移动，"
        "所以请结合损失曲线来看，而不是对照这些等高线。"),
    "compare.look.batch": (
        "- **Full batch:** every step uses all training samples — the exact gradient and a smooth loss curve.\n"
        "- **Mini-batches and single samples:** each step uses a few samples, so its gradient is a noisy estimate: "
        "cheaper steps, zig-zag paths and a jagged batch-loss curve.\n"
        "- Compare the “loss on the whole training set” for a fair picture: a single sample's loss jumps around by "
        "nature.\n"
        "- The same number of iterations is not the same amount of data: a full-batch iteration sees every sample, "
        "a single-sample iteration sees one.",
        "- **全批量：** 每一步都用全部训练样本——精确的梯度，平滑的损失曲线。\n"
        "- **小批次和单个样本：** 每一步只用少量样本，梯度是带噪声的估计：每步更省计算，路径呈锯齿状，"
        "批次损失曲线起伏不定。\n"
        "- 公平的对比请看“整个训练集上的损失”：单个样本的损失本来就会大幅跳动。\n"
        "- 迭代次数相同并不等于看过的数据量相同：全批量的一次迭代看过所有样本，单样本的一次迭代只看一个。"),
    # figure labels (viz.landscape COMPARE_LABELS and the LANDSCAPE_LABELS compare_landscape uses)
    "compare.fig.title": ("Loss of each run", "各次训练的损失"),
    "compare.fig.landscape_title": ("Each run's path over one loss landscape", "各次训练在同一损失地形上的路径"),
    "compare.fig.x": ("iteration", "迭代次数"),
    "compare.fig.y": ("loss", "损失"),
    "compare.fig.dir_x": ("direction 1", "方向 1"),
    "compare.fig.dir_y": ("direction 2", "方向 2"),
    "compare.fig.start": ("{name}: start", "{name}：起点"),
    "compare.fig.dropped": ("{n} non-finite or non-positive value(s) not drawn", "{n} 个非有限或非正的值未画出"),
    "compare.fig.empty": ("no runs to compare", "没有可对比的训练"),
    "compare.fig.loss": ("loss", "损失"),
    "compare.fig.log_loss": ("loss (log scale)", "损失（对数刻度）"),
    "compare.fig.clipped": ("colours capped at loss {value:.3g} (the {pct:g}th percentile)",
                            "颜色上限为损失 {value:.3g}（第 {pct:g} 百分位）"),
    "compare.fig.gaps": ("{n} non-finite cell(s) left blank", "{n} 个非有限的格子留空"),
    "compare.fig.floored": ("{n} cell(s) ≤ 0 drawn at the smallest positive loss", "{n} 个 ≤ 0 的格子按最小正损失绘制"),
    "compare.fig.path_dropped": ("{n} non-finite path point(s) not drawn", "{n} 个非有限的路径点未画出"),
}
