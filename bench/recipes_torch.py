"""The tutorials' recipes in PyTorch, for the README's "tutorial vs dlab" table.

    /usr/bin/python3 bench/recipes_torch.py RECIPE DATA_ROOT SEED

RECIPE is one of the names in RECIPES below. The network is the tutorial's own
class (tests/parity/tutorials.py); the data are the IDX files of DATA_ROOT in
torchvision's layout, normalized with the tutorial's constants and preloaded
as tensors. Prints one line: `RECIPE accuracy 0.xxxx seconds S`.
"""

import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "parity"))
from tutorials import NETWORKS  # noqa: E402
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_data import read_idx  # noqa: E402

# name: network, dataset directory, normalization, optimizer, lr, momentum, batch, epochs
RECIPES = {
    "lenet-fashion": ("lenet", "FashionMNIST", (0.2860, 0.3530), "adam", 1e-3, 0, 256, 10),
    "digitnet-mnist": ("digitnet", "MNIST", (0.1307, 0.3081), "adam", 1e-3, 0, 64, 10),
    "emnistnet-mnist": ("emnistnet", "MNIST", (0.1307, 0.3081), "sgd", 1e-3, 0.9, 4, 2),
    "mlp-mnist": ("mlp", "MNIST", (0.1307, 0.3081), "sgd", 0.01, 0.5, 64, 10),
}


def load(root, directory, split, mean, std):
    raw = os.path.join(root, directory, "raw")
    images = read_idx(os.path.join(raw, f"{split}-images-idx3-ubyte"))
    labels = read_idx(os.path.join(raw, f"{split}-labels-idx1-ubyte"))
    if images is None or labels is None:
        sys.exit(f"{raw}: the {split} IDX files were not found")
    x = (torch.from_numpy(images.astype(np.float32) / 255.0) - mean) / std
    return x.unsqueeze(1), torch.from_numpy(labels.astype(np.int64))


def main():
    name, root, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    net_name, directory, (mean, std), optim, lr, momentum, batch, epochs = RECIPES[name]
    torch.manual_seed(seed)
    torch.set_num_threads(int(os.environ.get("TORCH_THREADS", "2")))
    x_train, y_train = load(root, directory, "train", mean, std)
    x_test, y_test = load(root, directory, "t10k", mean, std)
    model = NETWORKS[net_name].cls()
    if optim == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=lr)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    start = time.time()
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(x_train))
        for i in range(0, len(order), batch):
            idx = order[i:i + batch]
            opt.zero_grad()
            F.cross_entropy(model(x_train[idx]), y_train[idx]).backward()
            opt.step()
    seconds = time.time() - start
    model.eval()
    with torch.no_grad():
        correct = sum((model(x_test[i:i + 1000]).argmax(1) == y_test[i:i + 1000]).sum().item()
                      for i in range(0, len(x_test), 1000))
    print(f"{name} accuracy {correct / len(x_test):.4f} seconds {seconds:.1f}")


if __name__ == "__main__":
    main()
