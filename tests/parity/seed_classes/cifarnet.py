# 002_7148e92e04c6736c.txt: the CIFAR-10 tutorial's network.
from torch import nn


class NetWork(nn.Module):
    def __init__(self):
        super(NetWork, self).__init__()
        # 网络模型构建
        self.module = nn.Sequential(
            nn.Conv2d(3, 32, 5, 1, 2),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 32, 5, 1, 2),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 5, 1, 2),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(64 * 4 * 4, 64),
            nn.Linear(64, 10)
        )
    # 向前传播
    def forward(self, x):
        return self.module(x)
