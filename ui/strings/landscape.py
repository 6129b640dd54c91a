"""The Loss-landscape page (and its figure's labels, under landscape.fig.*)."""

STRINGS = {
    "landscape.title": ("Loss landscape", "损失曲面"),
    "landscape.recentre": ("Re-centre", "重新居中"),
    "landscape.recentre.help": ("Redraw the fixed picture through the current weights.",
                                "让固定的图改为穿过当前权重重新绘制。"),
    "landscape.plane": ("Plane through weight space", "权重空间中的平面"),
    "landscape.plane.params": ("two parameters", "两个参数"),
    "landscape.plane.random": ("two random directions", "两个随机方向"),
    "landscape.plane.pca": ("PCA of the path", "训练路径的主成分"),
    "landscape.p1": ("Horizontal axis", "横轴"),
    "landscape.p2": ("Vertical axis", "纵轴"),
    "landscape.steepest": ("This network has {n} parameters: the {k} with the largest gradient at the start are "
                           "offered.", "该网络共有 {n} 个参数：这里列出开始时梯度绝对值最大的 {k} 个。"),
    "landscape.same_param": ("Pick two different parameters.", "请选择两个不同的参数。"),
    "landscape.seed": ("Direction seed", "方向的随机种子"),
    "landscape.centre": ("Centre of the picture", "图的中心"),
    "landscape.centre.start": ("start of the run (fixed)", "训练开始处（固定）"),
    "landscape.centre.current": ("current weights (redrawn each step)", "当前权重（每步重画）"),
    "landscape.res": ("Resolution (grid points per side)", "分辨率（每边的网格点数）"),
    "landscape.res.help": ("Each grid point costs one forward pass over the data.",
                           "每个网格点都要对数据做一次前向传播。"),
    "landscape.zoom": ("Range", "范围"),
    "landscape.zoom.help": ("×2 shows twice as far in each direction. The window also doubles by itself when the "
                            "path leaves it.", "×2 表示每个方向看两倍远。路径走出窗口时，窗口也会自动加倍。"),
    "landscape.surface3d": ("3-D surface", "三维曲面"),
    "landscape.log": ("Log colour scale", "对数色阶"),
    "landscape.log.help": ("Colour by log10(loss): shows detail near the minimum.",
                           "按 log10(损失) 着色：能看清最小值附近的细节。"),
    "landscape.computing": ("Computing the loss at {n} grid points over {rows} rows…",
                            "正在 {rows} 行数据上计算 {n} 个网格点的损失……"),
    "landscape.pca_short": ("The PCA plane needs a path of at least 3 points: take a few steps first.",
                            "主成分平面至少需要路径上的 3 个点：请先走几步。"),
    "landscape.axis.random": ("random direction {k} (seed {seed})", "随机方向 {k}（种子 {seed}）"),
    "landscape.axis.pc": ("PC{k} ({pct}% of the path's variance)", "主成分 {k}（占路径方差的 {pct}%）"),
    "landscape.moved.params": ("Moved {a} to **{va}** and {b} to **{vb}**; the optimizer starts afresh here. Press "
                               "**Step** to see where gradient descent takes it.",
                               "已把 {a} 移到 **{va}**，{b} 移到 **{vb}**；优化器从这里重新开始。按 **单步** 看梯度下降"
                               "把它带到哪里。"),
    "landscape.moved.plane": ("Moved the weights to **({va}, {vb})** on this plane; the optimizer starts afresh "
                              "here. Press **Step** to see where gradient descent takes it.",
                              "已把权重移到该平面上的 **({va}, {vb})**；优化器从这里重新开始。按 **单步** 看梯度下降"
                              "把它带到哪里。"),
    "landscape.arrow.params": ("**Next step** ({opt}, lr = {lr}), the arrow: {a} {a0} → {a1} (**{da}**), "
                               "{b} {b0} → {b1} (**{db}**).",
                               "**下一步**（{opt}，学习率 = {lr}），即箭头：{a} {a0} → {a1}（**{da}**），"
                               "{b} {b0} → {b1}（**{db}**）。"),
    "landscape.arrow.plane": ("**Next step** ({opt}, lr = {lr}), projected onto this plane, the arrow: "
                              "({a0}, {b0}) → ({a1}, {b1}), i.e. (**{da}**, **{db}**).",
                              "**下一步**（{opt}，学习率 = {lr}）投影到该平面上，即箭头：({a0}, {b0}) → ({a1}, {b1})，"
                              "也就是 (**{da}**, **{db}**)。"),
    "landscape.arrow.share": ("The whole step has length {full}; {pct}% of it lies in this plane.",
                              "整步的长度为 {full}，其中 {pct}% 落在该平面内。"),
    "landscape.loss.down": ("Loss on this step's batch: {before} now → **{after}** after the step ({delta}).",
                            "这一步所用批次上的损失：现在 {before} → 这一步之后 **{after}**（{delta}）。"),
    "landscape.loss.up": ("The step overshoots: the loss on its batch goes **up**, {before} → {after} ({delta}). A smaller "
                          "learning rate would not jump so far.",
                          "这一步冲过头了：该批次上的损失反而 **上升**，{before} → {after}（{delta}）。"
                          "较小的学习率不会跳得这么远。"),
    "landscape.loss.nonfinite": ("The next step gives a non-finite loss: the learning rate is far too large.",
                                 "下一步会得到无穷大或 NaN 的损失：学习率太大了。"),
    "landscape.about.start": ("**Fixed picture.** The surface is a slice through the weights of iteration {it} (the "
                              "start of the run, or where you pressed Re-centre); every parameter off the two axes "
                              "keeps that value. It is computed once and reused while you step (the window only "
                              "doubles when the path leaves it), so the ball visibly travels across it. The ball's "
                              "other weights keep changing, though, so after many steps the real landscape under it "
                              "differs: press Re-centre to redraw the slice through the current weights.",
                              "**固定的图。** 曲面是穿过第 {it} 次迭代时权重（训练开始处，或你按下“重新居中”的位置）"
                              "的一个切片：两条轴以外的参数都保持那时的值。它只计算一次，单步时直接复用（只有路径走出"
                              "窗口时窗口才加倍），所以能看到小球在图上移动。不过小球的其他权重也在变化，走了很多步之后，"
                              "它脚下真正的曲面"
                              "会有所不同：按“重新居中”即可穿过当前权重重画切片。"),
    "landscape.about.current": ("**Following the weights.** The slice goes through the current weights and is "
                                "redrawn after every step, so it is exactly the landscape the next step starts on "
                                "(slower on large networks).",
                                "**跟随权重。** 切片穿过当前权重，每走一步都重画，因此正是下一步出发时所在的曲面"
                                "（大网络上较慢）。"),
    "landscape.about.pca": ("The plane through the current weights spanned by the two main directions of the path "
                            "so far (PCA of {m} kept checkpoints; each axis title says how much of the path's spread "
                            "it holds). It is redrawn after every step.",
                            "穿过当前权重、由迄今路径的两个主方向张成的平面（对保存的 {m} 个检查点做主成分分析；轴标题"
                            "给出每个方向占路径方差的比例）。每走一步都会重画。"),
    "landscape.pca_fallback": ("The path has no spread in two directions yet: a missing direction was filled in "
                               "with a fixed random one (0% of the variance).",
                               "路径还没有在两个方向上展开：缺少的方向用一个固定的随机方向代替（方差占比 0%）。"),
    "landscape.drift": ("Under the star this picture shows a loss of {pic}; at the current weights (all of them) it is "
                        "**{real}**. The gap is how much the other weights have moved the landscape since the picture "
                        "was drawn: Re-centre closes it.",
                        "图上星形处显示的损失是 {pic}；而在当前的全部权重下，损失是 **{real}**。两者之差说明画图之后，"
                        "其他权重的变化让曲面移动了多少：按“重新居中”即可消除。"),
    "landscape.click": ("Click anywhere on the contour plot to drop the ball there: the weights move along the "
                        "plane's two directions only (for two chosen parameters: just those two). Then press Step "
                        "to see where gradient descent takes it.",
                        "在等高线图上任意点击，可以把小球放到那里：权重只沿该平面的两个方向移动（选两个参数时只改这两个）。"
                        "然后按“单步”，看梯度下降把它带到哪里。"),
    "landscape.click3d": ("Switch the 3-D surface off to drop the ball with a click.",
                          "关闭三维曲面后，可以点击放置小球。"),
    "landscape.subsample": ("The surface is computed on a fixed random subset of {k} of the {n} training rows "
                            "(seed {seed}), the same for everybody; each grid point is one forward pass over them.",
                            "曲面在 {n} 行训练数据中固定的 {k} 行随机子集上计算（种子 {seed}），每个人都一样；"
                            "每个网格点都要对它们做一次前向传播。"),
    "landscape.minibatch": ("Steps use mini-batches of {b} of the {n} training rows, the surface all of them (or the "
                            "fixed subset): the arrow is the step the next batch takes and need not point straight downhill "
                            "on this picture.",
                            "每一步只用 {n} 行训练数据中的 {b} 行（小批量），而曲面用的是全部训练数据（或上述固定子集）：箭头是下一个批次"
                            "实际走的一步，在这张图上不一定正指下坡方向。"),
    # the figure (viz.landscape.LANDSCAPE_LABELS), looked up as landscape.fig.<key>
    "landscape.fig.title.params": ("Loss over {a} and {b}, all other parameters fixed",
                                   "损失随 {a} 和 {b} 的变化（其他参数固定）"),
    "landscape.fig.title.random": ("Loss over two random filter-normalised directions",
                                   "损失沿两个随机（按滤波器归一化）方向的变化"),
    "landscape.fig.title.pca": ("Loss over the plane of the training path (PCA)",
                                "损失在训练路径所在平面（主成分）上的变化"),
    "landscape.fig.x": ("direction 1", "方向 1"),
    "landscape.fig.y": ("direction 2", "方向 2"),
    "landscape.fig.loss": ("loss", "损失"),
    "landscape.fig.log_loss": ("loss (log scale)", "损失（对数刻度）"),
    "landscape.fig.trajectory": ("path of training", "训练路径"),
    "landscape.fig.current": ("current weights", "当前权重"),
    "landscape.fig.arrow": ("next step (projected)", "下一步（投影）"),
    "landscape.fig.hover": ("({a:.3f}, {b:.3f})<br>loss {loss}", "({a:.3f}, {b:.3f})<br>损失 {loss}"),
    "landscape.fig.clipped": ("colours capped at loss {value:.3g} (the {pct:g}th percentile)",
                              "颜色上限为损失 {value:.3g}（第 {pct:g} 百分位）"),
    "landscape.fig.gaps": ("{n} non-finite cell(s) left blank", "{n} 个非有限值的格子留空"),
    "landscape.fig.floored": ("{n} cell(s) ≤ 0 drawn at the smallest positive loss",
                              "{n} 个 ≤ 0 的格子按最小正损失绘制"),
    "landscape.fig.empty": ("no finite loss values to draw", "没有可绘制的有限损失值"),
    "landscape.fig.path_dropped": ("{n} non-finite path point(s) not drawn", "{n} 个非有限的路径点未绘制"),
}
