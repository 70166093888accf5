"""PyTorch's side of bench/run.sh: one training epoch of a tutorial network.

    /usr/bin/python3 bench/torch_bench.py NETWORK --batch B --optim sgd|adam
        [--lr LR] [--momentum M] [--threads 1,2] [--fraction F] [--data DIR]
    /usr/bin/python3 bench/torch_bench.py lenet --latency REPS [--threads 1]

The network is the tutorial's own class (tests/parity/tutorials.py). The
whole training set is preloaded as one normalized float tensor, so the epoch
measures the model, not a DataLoader: MNIST's 60,000 training images for the
1x28x28 networks (random images of that shape when the files are absent),
and 50,000 random images of CIFAR-10's shape for cifarnet, as bench_train
does. Each thread count in --threads is timed in turn; one line per count:
    torch network=lenet threads=1 steps=235 seconds=3.9 epoch_s=3.9 cpu_epoch_s=3.9
(cpu_epoch_s: the process's CPU time, all threads, scaled to the epoch; it
moves less than the wall time when other programs share the machine).
--fraction runs that share of the epoch's steps and scales the time up.
"""

import argparse
import ctypes
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "parity"))
from tutorials import NETWORKS  # noqa: E402
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_data import load  # noqa: E402


def set_threads(threads):
    """torch.set_num_threads leaves OpenBLAS (Debian's torch multiplies with
    it) at one thread per core, spinning beside torch's own threads: set it
    too, so that each thread count is what it says."""
    torch.set_num_threads(threads)
    try:
        ctypes.CDLL("libopenblas.so.0").openblas_set_num_threads(threads)
    except (OSError, AttributeError):
        pass


def make_optimizer(args, params):
    if args.optim == "adam":
        return torch.optim.Adam(params, lr=args.lr)
    return torch.optim.SGD(params, lr=args.lr, momentum=args.momentum)


def time_epoch(args, x, y, threads):
    set_threads(threads)
    torch.manual_seed(1)
    model = NETWORKS[args.network].cls()
    model.train()
    opt = make_optimizer(args, model.parameters())
    order = torch.randperm(len(x))
    steps_per_epoch = math.ceil(len(x) / args.batch)
    steps = max(1, math.ceil(steps_per_epoch * args.fraction))
    start, cpu_start = time.perf_counter(), time.process_time()
    for s in range(steps):
        idx = order[s * args.batch:(s + 1) * args.batch]
        opt.zero_grad()
        F.cross_entropy(model(x[idx]), y[idx]).backward()
        opt.step()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    scale = len(x) / min(steps * args.batch, len(x))
    return steps, seconds, seconds * scale, cpu * scale


def latency(args, threads):
    set_threads(threads)
    torch.manual_seed(1)
    model = NETWORKS[args.network].cls()
    model.eval()
    shape = NETWORKS[args.network].input
    times = []
    with torch.no_grad():
        for rep in range(100 + args.latency):
            img = torch.randn(1, *shape)
            t0 = time.perf_counter()
            F.softmax(model(img), dim=1)
            if rep >= 100:
                times.append((time.perf_counter() - t0) * 1e6)
    times.sort()
    return times[len(times) // 2], times[int(len(times) * 0.99)]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("network", choices=sorted(NETWORKS))
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--optim", choices=("sgd", "adam"), default="sgd")
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--momentum", type=float, default=0.0)
    p.add_argument("--threads", default="1,2")
    p.add_argument("--fraction", type=float, default=1.0)
    p.add_argument("--data", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data"))
    p.add_argument("--latency", type=int, default=0)
    args = p.parse_args()
    thread_counts = [int(t) for t in args.threads.split(",")]
    if args.latency:
        for t in thread_counts:
            med, p99 = latency(args, t)
            print(f"torch network={args.network} threads={t} median_us={med:.2f} p99_us={p99:.2f}", flush=True)
        return
    x, y, source = load(NETWORKS[args.network].input, args.data)
    for t in thread_counts:
        steps, seconds, epoch_s, cpu_epoch_s = time_epoch(args, x, y, t)
        print(f"torch network={args.network} data={source} threads={t} batch={args.batch} steps={steps} "
              f"seconds={seconds:.4f} epoch_s={epoch_s:.4f} cpu_epoch_s={cpu_epoch_s:.4f}", flush=True)


if __name__ == "__main__":
    main()
