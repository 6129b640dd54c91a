"""The Save & share page."""

STRINGS = {
    "save.title": ("Save, export and share", "保存、导出与分享"),
    "save.share": ("Share link", "分享链接"),
    "save.share.text": ("This address reproduces the same network, data, seed and iteration on any laptop:",
                        "此地址可在任何电脑上重现相同的网络、数据、种子和迭代："),
    "save.share.changed": ("Settings were changed mid-run (or the weights were moved by hand); a link replays the current settings from iteration 0. "
                           "To hand over this exact run, download the run file below.",
                           "训练中途修改过设置（或手动移动过权重）；链接会用当前设置从第 0 次迭代重放。若要交付这次训练的精确状态，请下载下方的运行文件。"),
    "save.share.capped": ("A link replays at most {cap} iterations of this network (to open quickly on every laptop); "
                          "to hand over this run exactly, download the run file below.",
                          "对这个网络，链接最多重放 {cap} 次迭代（以便每台电脑都能快速打开）；若要精确交付这次训练，请下载下方的运行文件。"),
    "save.export": ("Download", "下载"),
    "save.trace_json": ("This iteration's trace (JSON)", "本次迭代的全部数值（JSON）"),
    "save.trace_csv": ("This iteration's trace (CSV)", "本次迭代的全部数值（CSV）"),
    "save.history_csv": ("History (CSV)", "训练历史（CSV）"),
    "save.run_json": ("Whole run: settings, parameters, history (JSON)", "完整运行：设置、参数、历史（JSON）"),
    "save.no_trace": ("Take a step first: there is no iteration to export yet.", "请先运行一步：还没有可导出的迭代。"),
    "save.upload": ("Continue a saved run", "继续已保存的运行"),
    "save.upload.help": ("A .json file downloaded here. It is checked strictly; a bad file changes nothing.",
                         "此处下载的 .json 文件。会被严格检查；无效文件不会改变任何内容。"),
    "save.loaded": ("Run loaded: iteration {it}. Training continues from there.", "已载入运行：第 {it} 次迭代，可从此继续训练。"),
    "save.bad": ("This file was not loaded; your current run is unchanged.", "文件未载入；当前运行保持不变。"),
    "save.load_button": ("Load this run", "载入此运行"),
    "save.code": ("This run as code", "这次训练的代码"),
    "save.code.text": ("Take the code that produced these numbers home: a standalone NumPy script with the forward pass, "
                       "the loss, the backward pass and the update written out layer by layer, and the same run in "
                       "PyTorch (`nn.Linear` layers, the same loss, the same `torch.optim` optimizer). Both carry this "
                       "run's data, initial weights and settings, and print the loss of every iteration.",
                       "把产生这些数字的代码带回家：一个独立的 NumPy 脚本，逐层写出前向传播、损失、反向传播和更新；以及同一次训练的 "
                       "PyTorch 版本（`nn.Linear` 层、相同的损失、相同的 `torch.optim` 优化器）。两者都带有这次训练的数据、初始权重和设置，"
                       "并打印每次迭代的损失。"),
    "save.code.numpy": ("NumPy script (.py)", "NumPy 脚本（.py）"),
    "save.code.torch": ("PyTorch script (.py)", "PyTorch 脚本（.py）"),
    "save.code.data": ("The data file ({file})", "数据文件（{file}）"),
    "save.code.data_note": ("The scripts read the shipped {file} with the app's split and scaling written out: "
                            "download it too and put it beside the script (or pass `--data PATH`).",
                            "脚本读取随应用提供的 {file}，并写出与应用相同的划分和缩放：请一并下载，放在脚本旁边（或使用 `--data PATH`）。"),
    "save.code.run": ("Run it with `python3 {file} --iterations N` (N is {it} unless given). Its losses equal this "
                      "run's history to rounding; it prints the app's own first and last loss beside them.",
                      "运行：`python3 {file} --iterations N`（不指定时 N 为 {it}）。其损失与本次训练的历史在舍入误差内相同；"
                      "脚本还会在旁边打印应用记录的第一个和最后一个损失以供对照。"),
    "save.code.changed": ("Settings were changed mid-run (from iteration {iteration} on). A script runs one set of "
                          "settings from iteration 0, so these scripts reproduce the current settings from the start, "
                          "as the link does; the exact record of this run is the run file above.",
                          "训练中途修改过设置（从第 {iteration} 次迭代起）。脚本从第 0 次迭代起使用同一组设置，因此这些脚本会像链接一样，"
                          "用当前设置从头重现；这次训练的精确记录是上方的运行文件。"),
    "save.code.edited": ("The weights were moved by hand, which a script cannot replay: these scripts start from "
                         "iteration 0 of the current settings; the exact record of this run is the run file above.",
                         "权重曾被手动移动，脚本无法重放：这些脚本从当前设置的第 0 次迭代开始；这次训练的精确记录是上方的运行文件。"),
    "save.code.loaded": ("This run continues a loaded run file, whose earlier iterations a script cannot replay: these "
                         "scripts start from iteration 0 of the current settings; the exact record is the run file above.",
                         "这次训练接续一个载入的运行文件，脚本无法重放其之前的迭代：这些脚本从当前设置的第 0 次迭代开始；"
                         "精确记录是上方的运行文件。"),
    "save.code.data_too_large": ("This data has {numbers} numbers; a script embeds at most {limit}, so no script is "
                                 "offered. Download the whole run (JSON) above instead: it loads again with the same CSV.",
                                 "这份数据有 {numbers} 个数，脚本最多嵌入 {limit} 个，因此不提供脚本。请改为下载上方的完整运行（JSON）："
                                 "配合同一个 CSV 即可再次载入。"),
    "save.code.loader_mismatch": ("A script's loader for {dataset} would not reproduce the app's split of it exactly, "
                                  "so no script is offered. Download the whole run (JSON) above instead.",
                                  "脚本对 {dataset} 的读取代码无法精确重现应用的数据划分，因此不提供脚本。请改为下载上方的完整运行（JSON）。"),
}
