"""The PyTorch benchmarks' data (bench/torch_bench.py, bench/recipes_torch.py,
bench/gpu/torch_gpu.py): IDX files read as numpy arrays, and the training set
preloaded as one normalized float tensor, as bench_train and bench_gpu hold it.
"""

import gzip
import os

import numpy as np
import torch


def read_idx(path):
    """The IDX file at path (or path.gz) as a uint8 array; None when absent."""
    for candidate in (path, path + ".gz"):
        if os.path.exists(candidate):
            opener = gzip.open if candidate.endswith(".gz") else open
            with opener(candidate, "rb") as f:
                raw = f.read()
            ndim = raw[3]
            dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
            return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)
    return None


def load(shape, data_root):
    """(x, y, source) on the host: normalized float32 N x C x H x W, int64 labels.
    MNIST's training set for 1x28x28 when its files are under data_root;
    otherwise random images of the shape (50,000 for 3 channels, else 60,000)."""
    if shape == (1, 28, 28) and data_root:
        raw = os.path.join(data_root, "MNIST", "raw")
        images = read_idx(os.path.join(raw, "train-images-idx3-ubyte"))
        labels = read_idx(os.path.join(raw, "train-labels-idx1-ubyte"))
        if images is not None and labels is not None:
            x = (torch.from_numpy(images.astype(np.float32) / 255.0) - 0.1307) / 0.3081
            return x.unsqueeze(1).contiguous(), torch.from_numpy(labels.astype(np.int64)), "mnist"
    n = 50000 if shape[0] == 3 else 60000
    gen = torch.Generator().manual_seed(1)
    images = torch.randint(0, 256, (n, *shape), generator=gen, dtype=torch.uint8)
    x = (images.float() / 255.0 - 0.5) / 0.25
    return x, torch.randint(0, 10, (n,), generator=gen), "random"
