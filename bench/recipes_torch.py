"""The tutorials' recipes in PyTorch, for README's per-tutorial tables.

    /usr/bin/python3 bench/recipes_torch.py RECIPE DATA_ROOT SEED

RECIPE is a `dlab recipes` name whose data this machine has (mlp-mnist,
lenet-fashion, lenet3x3-fashion, digitnet-png). The network is the tutorial's
own class (tests/parity/seed_classes, through tests/parity/tutorials.py), the
loop is the tutorial's: its normalization, batch size, optimizer, learning-rate
behaviour, epochs, split and checkpoint rule. The images are read from the IDX
files of DATA_ROOT in torchvision's layout (the PNG-folder tutorial's folder is
MNIST exported as PNGs: the same images) and kept as tensors in memory;
digitnet-png's augmentation (RandomRotation(5), RandomCrop(28, padding=2))
needs Debian's python3-torchvision.

Prints one line: `RECIPE accuracy 0.xxxx seconds S` (the test accuracy of the
checkpoint the tutorial keeps, the training time without data loading).
"""

import math
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


def load(root, directory, split):
    raw = os.path.join(root, directory, "raw")
    images = read_idx(os.path.join(raw, f"{split}-images-idx3-ubyte"))
    labels = read_idx(os.path.join(raw, f"{split}-labels-idx1-ubyte"))
    if images is None or labels is None:
        sys.exit(f"{raw}: the {split} IDX files were not found")
    x = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)
    return x, torch.from_numpy(labels.astype(np.int64))


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        correct = sum((model(x[i:i + 1000]).argmax(1) == y[i:i + 1000]).sum().item() for i in range(0, len(x), 1000))
    return correct / len(x)


def mean_loss(model, x, y):
    model.eval()
    with torch.no_grad():
        total = sum(F.cross_entropy(model(x[i:i + 1000]), y[i:i + 1000], reduction="sum").item()
                    for i in range(0, len(x), 1000))
    return total / len(x)


def run_epochs(model, opt, x, y, batch, epochs, before_epoch=None, augment=None, after_epoch=None):
    for epoch in range(epochs):
        if before_epoch:
            before_epoch(epoch)
        model.train()
        order = torch.randperm(len(x))
        for i in range(0, len(order), batch):
            idx = order[i:i + batch]
            xb = augment(x[idx]) if augment else x[idx]
            opt.zero_grad()
            F.cross_entropy(model(xb), y[idx]).backward()
            opt.step()
        if after_epoch:
            after_epoch(epoch)


def mlp_mnist(root):
    """000: Normalize([0.5], [0.5]); SGD(lr=0.01, momentum=0.5); batch 64; 20
    epochs; `if epoch % 5 == 0: lr *= 0.1` at each epoch's start."""
    x, y = load(root, "MNIST", "train")
    xt, yt = load(root, "MNIST", "t10k")
    x, xt = (x - 0.5) / 0.5, (xt - 0.5) / 0.5
    model = NETWORKS["mlp"].cls()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.5)

    def cut(epoch):
        if epoch % 5 == 0:
            opt.param_groups[0]["lr"] *= 0.1
    start = time.time()
    run_epochs(model, opt, x, y, 64, 20, before_epoch=cut)
    return accuracy(model, xt, yt), time.time() - start


def lenet_fashion(root, name="lenet"):
    """001: ToTensor only; Adam(lr=0.001); batch 256; 10 epochs."""
    x, y = load(root, "FashionMNIST", "train")
    xt, yt = load(root, "FashionMNIST", "t10k")
    model = NETWORKS[name].cls()
    opt = torch.optim.Adam(model.parameters(), lr=0.001)
    start = time.time()
    run_epochs(model, opt, x, y, 256, 10)
    return accuracy(model, xt, yt), time.time() - start


def digitnet_png(root):
    """003: mean/std of the training images; RandomRotation(5),
    RandomCrop(28, padding=2), Normalize; random_split 0.9/0.1 with seed 42;
    Adam defaults; batch 64; 10 epochs; the checkpoint with the best
    validation loss. Validation images are not augmented (as in dlab)."""
    import torchvision.transforms as T
    x, y = load(root, "MNIST", "train")
    xt, yt = load(root, "MNIST", "t10k")
    mean, std = x.mean().item(), x.std().item()
    perm = torch.randperm(len(x), generator=torch.Generator().manual_seed(42))
    n_val = math.ceil(len(x) * 0.1)
    val, train = perm[:n_val], perm[n_val:]
    xv, yv = (x[val] - mean) / std, y[val]
    xtr, ytr = x[train], y[train]
    xt = (xt - mean) / std
    augment_one = T.Compose([T.RandomRotation(5, fill=0), T.RandomCrop(28, padding=2)])

    def augment(batch):
        return (torch.stack([augment_one(img) for img in batch]) - mean) / std
    model = NETWORKS["digitnet"].cls()
    opt = torch.optim.Adam(model.parameters())
    best = {"loss": float("inf"), "state": None}

    def keep_best(epoch):
        loss = mean_loss(model, xv, yv)
        if loss < best["loss"]:
            best["loss"], best["state"] = loss, {k: v.clone() for k, v in model.state_dict().items()}
    start = time.time()
    run_epochs(model, opt, xtr, ytr, 64, 10, augment=augment, after_epoch=keep_best)
    seconds = time.time() - start
    model.load_state_dict(best["state"])
    return accuracy(model, xt, yt), seconds


RECIPES = {
    "mlp-mnist": mlp_mnist,
    "lenet-fashion": lenet_fashion,
    "lenet3x3-fashion": lambda root: lenet_fashion(root, "lenet3x3"),
    "digitnet-png": digitnet_png,
}


def main():
    name, root, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if name not in RECIPES:
        sys.exit(f"recipes_torch.py: {name}: not one of {', '.join(RECIPES)}")
    torch.manual_seed(seed)
    torch.set_num_threads(int(os.environ.get("TORCH_THREADS", "2")))
    acc, seconds = RECIPES[name](root)
    print(f"{name} accuracy {acc:.4f} seconds {seconds:.1f}")


if __name__ == "__main__":
    main()
