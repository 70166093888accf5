"""PyTorch's side of bench/gpu/run.sh: seconds per training epoch on a CUDA GPU.

    python3 bench/gpu/torch_gpu.py NETWORK --batch B --optim sgd|adam [--lr LR]
        [--momentum M] [--epochs N] [--device cuda:N] [--data DIR] [--tf32 0|1]

The network is the tutorial's own class (tests/parity/tutorials.py), in eager
mode. The whole training set is on the GPU before the clock starts, as one
normalized float tensor (MNIST's 60,000 training images for the 1x28x28
networks, random images of that shape when the files are absent; 50,000
random images of CIFAR-10's shape for cifarnet), as bench_gpu keeps it. Each
epoch shuffles on the GPU, indexes the batches there and keeps the running
loss there (no host copy per step, as in dlab); torch.cuda.synchronize()
ends it. The first epoch is a warm-up (cuDNN autotuning, allocator); the
figure is the fastest of the N timed epochs after it. One line:
    torch network=lenet batch=256 data=mnist steps=235 epoch_s=0.41 ...
Without CUDA it says so on stderr and exits 3.
"""

import argparse
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "parity"))
from tutorials import NETWORKS  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from torch_data import load  # noqa: E402


def make_optimizer(args, params):
    if args.optim == "adam":
        return torch.optim.Adam(params, lr=args.lr)
    return torch.optim.SGD(params, lr=args.lr, momentum=args.momentum)


def run_epoch(model, opt, x, y, batch, device):
    order = torch.randperm(len(x), device=device)
    total = torch.zeros((), device=device)
    for start in range(0, len(x), batch):
        idx = order[start:start + batch]
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x[idx]), y[idx])
        loss.backward()
        opt.step()
        total += loss.detach()
    return total


def main():
    p = argparse.ArgumentParser()
    p.add_argument("network", choices=sorted(NETWORKS))
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--optim", choices=("sgd", "adam"), default="sgd")
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--momentum", type=float, default=0.0)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--device", default="cuda")
    p.add_argument("--tf32", type=int, default=1)
    p.add_argument("--data", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data"))
    args = p.parse_args()
    if not torch.cuda.is_available():
        print(f"torch_gpu.py: no CUDA device: torch {torch.__version__} sees none "
              f"(torch.cuda.is_available() is False; built with CUDA {torch.version.cuda})", file=sys.stderr)
        sys.exit(3)
    device = torch.device(args.device)
    # The same arithmetic as dlab's --tf32: TF32 tensor cores for the matrix
    # products and convolutions, or full float32 for both.
    torch.backends.cuda.matmul.allow_tf32 = bool(args.tf32)
    torch.backends.cudnn.allow_tf32 = bool(args.tf32)
    torch.backends.cudnn.benchmark = True
    x, y, source = load(NETWORKS[args.network].input, args.data)
    x, y = x.to(device), y.to(device)
    torch.manual_seed(1)
    model = NETWORKS[args.network].cls().to(device)
    model.train()
    opt = make_optimizer(args, model.parameters())
    times, total = [], None
    for epoch in range(args.epochs + 1):
        torch.cuda.synchronize(device)
        start = time.perf_counter()
        total = run_epoch(model, opt, x, y, args.batch, device)
        torch.cuda.synchronize(device)
        times.append(time.perf_counter() - start)
    steps = math.ceil(len(x) / args.batch)
    print(f"torch network={args.network} batch={args.batch} optim={args.optim} data={source} steps={steps} "
          f"epoch_s={min(times[1:]):.4f} warmup_s={times[0]:.4f} epochs={args.epochs} "
          f"train_loss={total.item() / steps:.4f} tf32={args.tf32} torch={torch.__version__} "
          f"gpu=\"{torch.cuda.get_device_name(device)}\"", flush=True)


if __name__ == "__main__":
    main()
