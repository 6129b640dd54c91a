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
}
