# 003_84571de0309f30af.txt: the PNG-folder tutorial's network.
import torch.nn as nn


class DigitNet(nn.Module):
    def __init__(self, output_dim=10):
        super().__init__()
        self.classifier = nn.Sequential(
            nn.Conv2d(1, 16, 3, 1),
            nn.MaxPool2d(2, 2),
            nn.ReLU(inplace=True),
            nn.Conv2d(16, 32, 5, 1),
            nn.MaxPool2d(2, 2),
            nn.ReLU(inplace=True),
            nn.Conv2d(32, 64, 3, 1),
            nn.Flatten(),
            nn.Linear(256, 128),
            nn.Linear(128, output_dim)
        )
    def forward(self, x):
        logits = self.classifier(x)
        return logits
