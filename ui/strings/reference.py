"""The Activations & losses reference page."""

STRINGS = {
    "ref.title": ("Activations & losses", "激活函数与损失函数"),
    "ref.activations": ("Activation functions", "激活函数"),
    "ref.activations.text": ("Each activation beside its derivative. The shaded band is the range of z that the "
                             "chosen layer of the current network actually sees: where f′(z) is near 0 the layer "
                             "is saturated (sigmoid, tanh) or dead (ReLU), and little gradient flows back.",
                             "每个激活函数与其导数并排显示。阴影带是当前网络所选层实际看到的 z 范围："
                             "f′(z) 接近 0 处说明该层饱和（sigmoid、tanh）或“死亡”（ReLU），几乎没有梯度能反向传回。"),
    "ref.layer": ("Mark the z range of layer", "标出该层的 z 范围"),
    "ref.layer.fmt": ("layer {l} ({act})", "第 {l} 层（{act}）"),
    "ref.no_record": ("Take a step to see the z range the network really uses.", "运行一步即可看到网络实际使用的 z 范围。"),
    "ref.in_use": ("used by layer(s) {layers}", "第 {layers} 层正在使用"),
    "ref.losses": ("Loss functions", "损失函数"),
    "ref.losses.text": ("Each loss for one sample against the prediction a, with its gradient dL/da. In the app "
                        "every loss is the mean over the samples of the batch.",
                        "单个样本的损失随预测值 a 的变化，以及梯度 dL/da。应用中的损失均为批次内样本的平均。"),
    "ref.target": ("Target y", "目标值 y"),
    "ref.fits": ("Fits output activations: {outs}", "适用的输出激活函数：{outs}"),
}
