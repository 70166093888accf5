"""The tutorials' PyTorch networks, as the learner meets them.

The classes themselves are in seed_classes/, copied from the tutorials in
../shared/seeds/ with their indentation restored and nothing else changed.
Each zoo network (engine/src/nn/zoo.c) names its layers as the class does, so
a Digit Lab checkpoint loads into the class with load_state_dict(strict=True),
and a state_dict saved from the class loads into the engine.

NETWORKS maps the zoo name to a Network: the class (constructible without
arguments), the input shape (C, H, W), the parameter count, the zoo spec,
the checkpoint metadata of its dataset, and the dropout modules by the
engine's layer name (the parity test applies the engine's dropout masks to
them; no tutorial network has dropout).
"""

from collections import namedtuple

from seed_classes import cifarnet, digitnet, emnistnet, lenet, lenet3x3, mlp


class MLP(mlp.Net):
    """The MNIST tutorial's Net as its script builds it, Net(28 * 28, 300,
    100, 10). Its training loop flattens each batch (img.view(img.size(0),
    -1)) before calling the model; forward does the same here, so the class
    takes images like the others. The state_dict is the tutorial's."""

    def __init__(self):
        super().__init__(28 * 28, 300, 100, 10)

    def forward(self, x):
        return super().forward(x.view(x.size(0), -1))


Network = namedtuple("Network", "cls input params spec metadata dropout")

DIGITS = ",".join(str(k) for k in range(10))
CIFAR_CLASSES = "airplane,automobile,bird,cat,deer,dog,frog,horse,ship,truck"


def _metadata(dataset, mean, std, classes=DIGITS):
    return {"dlab.dataset": dataset, "dlab.mean": mean, "dlab.std": std,
            "dlab.classes": classes, "dlab.orientation": "normal"}


MNIST = _metadata("mnist", "0.1307", "0.3081")
FASHION = _metadata("fashion-mnist", "0.286", "0.353")
CIFAR = _metadata("cifar10", "0.4914,0.4822,0.4465", "0.247,0.2435,0.2616", CIFAR_CLASSES)
EMNIST = _metadata("emnist-digits", "0.1733", "0.3317")

NETWORKS = {
    "mlp": Network(MLP, (1, 28, 28), 267410,
                   "flatten | layer1.0: linear 300 | layer1.1: bn1d | relu | layer2.0: linear 100 | "
                   "layer2.1: bn1d | relu | layer3.0: linear 10", MNIST, {}),
    "lenet": Network(lenet.LeNet, (1, 28, 28), 44426,
                     "conv.0: conv 6 5 | lrelu 0.1 | maxpool 2 | conv.3: conv 16 5 | lrelu 0.1 | maxpool 2 | "
                     "flatten | fc.0: linear 120 | lrelu 0.1 | fc.2: linear 84 | relu | fc.4: linear 10", FASHION, {}),
    "lenet3x3": Network(lenet3x3.LeNet, (1, 28, 28), 43414,
                        "conv.0: conv 2 3 | lrelu 0.1 | conv.2: conv 4 3 | lrelu 0.1 | maxpool 2 | "
                        "conv.5: conv 8 3 | lrelu 0.1 | conv.7: conv 16 3 | lrelu 0.1 | maxpool 2 | flatten | "
                        "fc.0: linear 120 | lrelu 0.1 | fc.2: linear 84 | relu | fc.4: linear 10", FASHION, {}),
    "cifarnet": Network(cifarnet.NetWork, (3, 32, 32), 145578,
                        "module.0: conv 32 5 pad 2 | module.1: maxpool 2 | module.2: conv 32 5 pad 2 | "
                        "module.3: maxpool 2 | module.4: conv 64 5 pad 2 | module.5: maxpool 2 | "
                        "module.6: flatten | module.7: linear 64 | module.8: linear 10", CIFAR, {}),
    "digitnet": Network(digitnet.DigitNet, (1, 28, 28), 65674,
                        "classifier.0: conv 16 3 | maxpool 2 | relu | classifier.3: conv 32 5 | maxpool 2 | relu | "
                        "classifier.6: conv 64 3 | flatten | classifier.8: linear 128 | classifier.9: linear 10",
                        _metadata("digits", "0.5", "0.5"), {}),
    "emnistnet": Network(emnistnet.Net, (1, 28, 28), 44426,
                         "conv1: conv 6 5 | relu | maxpool 2 | conv2: conv 16 5 | relu | maxpool 2 | flatten | "
                         "fc1: linear 120 | relu | fc2: linear 84 | relu | fc3: linear 10", EMNIST, {}),
}


def count_params(model):
    """Trainable parameters, as the tutorials print them."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def metadata(name):
    """The dlab checkpoint metadata for zoo network `name`."""
    net = NETWORKS[name]
    meta = {"dlab.arch": net.spec, "dlab.input": "x".join(str(d) for d in net.input)}
    meta.update(net.metadata)
    return meta
