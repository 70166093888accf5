"""The tutorials' PyTorch networks, written the way a learner meets them.

Each class is the model of one tutorial that Digit Lab's zoo reproduces
(engine/src/nn/zoo.c); the zoo spec names its layers so that a Digit Lab
checkpoint loads into the class with load_state_dict(strict=True), and a
state_dict saved from the class loads into the engine.

NETWORKS maps the zoo name to a Network: the class, the input shape
(C, H, W), the parameter count the tutorial prints, the zoo spec, the
checkpoint metadata of its dataset, and the dropout modules by the engine's
layer name (the parity test applies the engine's dropout masks to them).
"""

from collections import namedtuple

import torch
import torch.nn as nn
import torch.nn.functional as F


# MNIST tutorial: a three-layer perceptron with batch normalization.
class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 300)
        self.bn1 = nn.BatchNorm1d(300)
        self.fc2 = nn.Linear(300, 100)
        self.bn2 = nn.BatchNorm1d(100)
        self.fc3 = nn.Linear(100, 10)

    def forward(self, x):
        x = x.view(-1, 784)
        x = F.relu(self.bn1(self.fc1(x)))
        x = F.relu(self.bn2(self.fc2(x)))
        return self.fc3(x)


# Fashion-MNIST tutorial: LeNet-5 as an nn.Sequential, LeakyReLU(0.1).
def LeNet():
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5), nn.LeakyReLU(0.1), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, kernel_size=5), nn.LeakyReLU(0.1), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 4 * 4, 120), nn.LeakyReLU(0.1),
        nn.Linear(120, 84), nn.LeakyReLU(0.1),
        nn.Linear(84, 10),
    )


# The same tutorial's exercise: each 5x5 convolution becomes two 3x3 ones.
def LeNet3x3():
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=3), nn.LeakyReLU(0.1),
        nn.Conv2d(6, 6, kernel_size=3), nn.LeakyReLU(0.1), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, kernel_size=3), nn.LeakyReLU(0.1),
        nn.Conv2d(16, 16, kernel_size=3), nn.LeakyReLU(0.1), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 4 * 4, 120), nn.LeakyReLU(0.1),
        nn.Linear(120, 84), nn.LeakyReLU(0.1),
        nn.Linear(84, 10),
    )


# CIFAR-10 tutorial (the popular Chinese video course's "Tudui").
class Tudui(nn.Module):
    def __init__(self):
        super().__init__()
        self.model1 = nn.Sequential(
            nn.Conv2d(3, 32, 5, padding=2),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 32, 5, padding=2),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 5, padding=2),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(1024, 64),
            nn.Linear(64, 10),
        )

    def forward(self, x):
        return self.model1(x)


# Folder-of-PNGs tutorial: a small CNN for handwritten digits.
class DigitNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3)
        self.conv2 = nn.Conv2d(16, 32, 3)
        self.fc1 = nn.Linear(32 * 5 * 5, 64)
        self.dropout = nn.Dropout(0.25)
        self.fc2 = nn.Linear(64, 128)
        self.fc3 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = self.dropout(F.relu(self.fc1(x)))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


# EMNIST tutorial: the 60-minute blitz's Net, with one input channel.
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 4 * 4, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


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
                   "flatten | fc1: linear 300 | bn1: bn1d | relu | fc2: linear 100 | bn2: bn1d | relu | "
                   "fc3: linear 10", MNIST, {}),
    "lenet": Network(LeNet, (1, 28, 28), 44426,
                     "conv 6 5 | lrelu 0.1 | maxpool 2 | conv 16 5 | lrelu 0.1 | maxpool 2 | flatten | "
                     "linear 120 | lrelu 0.1 | linear 84 | lrelu 0.1 | linear 10", FASHION, {}),
    "lenet3x3": Network(LeNet3x3, (1, 28, 28), 45444,
                        "conv 6 3 | lrelu 0.1 | conv 6 3 | lrelu 0.1 | maxpool 2 | conv 16 3 | lrelu 0.1 | "
                        "conv 16 3 | lrelu 0.1 | maxpool 2 | flatten | linear 120 | lrelu 0.1 | linear 84 | "
                        "lrelu 0.1 | linear 10", FASHION, {}),
    "cifarnet": Network(Tudui, (3, 32, 32), 145578,
                        "model1.0: conv 32 5 pad 2 | model1.1: maxpool 2 | model1.2: conv 32 5 pad 2 | "
                        "model1.3: maxpool 2 | model1.4: conv 64 5 pad 2 | model1.5: maxpool 2 | "
                        "model1.6: flatten | model1.7: linear 64 | model1.8: linear 10", CIFAR, {}),
    "digitnet": Network(DigitNet, (1, 28, 28), 65674,
                        "conv1: conv 16 3 | relu | maxpool 2 | conv2: conv 32 3 | relu | maxpool 2 | flatten | "
                        "fc1: linear 64 | relu | dropout 0.25 | fc2: linear 128 | relu | fc3: linear 10",
                        _metadata("digits", "0.5", "0.5"), {"9": "dropout"}),
    "emnistnet": Network(Net, (1, 28, 28), 44426,
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
