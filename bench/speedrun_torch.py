"""The speedrun recipe (`dlab recipes speedrun`) in PyTorch, for bench/speedrun.sh.

    /usr/bin/python3 bench/speedrun_torch.py DATA_ROOT SEED OUT

The same run as `dlab train --recipe speedrun`: LeNet-5 with ReLU, MNIST
normalized with its mean and standard deviation (dlab's default), Adam with
OneCycleLR up to 0.01 (pct_start 0.3, cosine, div_factor 25, final_div_factor
1e4, no momentum cycling: dlab cycles only the rate), label smoothing 0.1,
batch 128, 3 epochs of shuffled batches, the test set evaluated after every
epoch as dlab does, and the state_dict saved to OUT at the end. Two threads,
for torch and for the OpenBLAS it multiplies with. The clock starts before
the IDX files are read (after `import torch`, which bench/speedrun.sh's
process time includes).

Prints one line: `accuracy 0.xxxx seconds S` (the last epoch's test accuracy,
the seconds from reading the data to the saved state_dict).
"""

import ctypes
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_data import read_idx  # noqa: E402

EPOCHS, BATCH, LR, SMOOTHING = 3, 128, 0.01, 0.1


def set_threads(threads):
    """As bench/torch_bench.py: torch's threads and OpenBLAS's both."""
    torch.set_num_threads(threads)
    try:
        ctypes.CDLL("libopenblas.so.0").openblas_set_num_threads(threads)
    except (OSError, AttributeError):
        pass


def load(root, split):
    raw = os.path.join(root, "MNIST", "raw")
    images = read_idx(os.path.join(raw, f"{split}-images-idx3-ubyte"))
    labels = read_idx(os.path.join(raw, f"{split}-labels-idx1-ubyte"))
    if images is None or labels is None:
        sys.exit(f"{raw}: the {split} IDX files were not found")
    x = (torch.from_numpy(images.astype(np.float32) / 255.0) - 0.1307) / 0.3081
    return x.unsqueeze(1).contiguous(), torch.from_numpy(labels.astype(np.int64))


def network():
    """The recipe's spec: conv 6 5 | relu | maxpool 2 | conv 16 5 | relu |
    maxpool 2 | flatten | linear 120 | relu | linear 84 | relu | linear 10."""
    return nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(256, 120), nn.ReLU(), nn.Linear(120, 84),
                         nn.ReLU(), nn.Linear(84, 10))


def test_accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        correct = sum((model(x[i:i + 1000]).argmax(1) == y[i:i + 1000]).sum().item() for i in range(0, len(x), 1000))
    return correct / len(x)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.strip().splitlines()[2].strip())
    root, seed, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    set_threads(2)
    start = time.perf_counter()
    torch.manual_seed(seed)
    x, y = load(root, "train")
    xt, yt = load(root, "t10k")
    model = network()
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    steps_per_epoch = (len(x) + BATCH - 1) // BATCH
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=LR, total_steps=EPOCHS * steps_per_epoch,
                                                cycle_momentum=False)
    acc = 0.0
    for _ in range(EPOCHS):
        model.train()
        order = torch.randperm(len(x))
        for i in range(0, len(order), BATCH):
            idx = order[i:i + BATCH]
            opt.zero_grad()
            F.cross_entropy(model(x[idx]), y[idx], label_smoothing=SMOOTHING).backward()
            opt.step()
            sched.step()
        acc = test_accuracy(model, xt, yt)
    torch.save(model.state_dict(), out)
    print(f"accuracy {acc:.4f} seconds {time.perf_counter() - start:.2f}")


if __name__ == "__main__":
    main()
