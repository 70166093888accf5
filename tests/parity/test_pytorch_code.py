"""The PyTorch code `dlab models --pytorch` prints, run (suite 'parity').

    /usr/bin/python3 tests/parity/test_pytorch_code.py DLAB PARITY_DRIVER

For every zoo network and three typed specs:
1. `dlab models --pytorch NETWORK` prints Python; it is executed as printed,
   its last lines included (they load "model.safetensors" with
   safetensors.torch.load_file: a stand-in module reads the file here, where
   the safetensors package is not installed);
2. the class is built under torch.manual_seed and its state_dict saved as a
   Digit Lab checkpoint: the engine (parity_driver) loads it, trains one
   pass and saves its weights;
3. those weights load into a fresh instance of the printed class with
   load_state_dict(strict=True), and its eval logits match the engine's
   (relative error < 1e-4).
Also: the MNIST MLP tutorial's learning rate, epoch by epoch, as its own loop
sets it on a torch.optim.SGD, against the engine's `stepstart:5:0.1`.

TAP output; skipped where torch cannot be imported.
"""

import os
import subprocess
import sys
import tempfile
import types

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

try:
    import numpy as np
    import torch
except ImportError as e:
    print(f"1..0 # SKIP cannot import torch ({e})")
    sys.exit(0)

import safetensors_io  # noqa: E402
import tutorials  # noqa: E402

SPECS = [
    ("spec-mlp", "flatten | linear 128 | relu | dropout 0.2 | linear 10", (1, 28, 28)),
    ("spec-named", "features.0: conv 16 3 pad 1 | features.1: bn2d | gelu | features.3: conv 16 3 stride 2 | relu | "
                   "avgpool 2 | flatten | head: linear 10", (1, 28, 28)),
    ("spec-mixed", "conv1: conv 8 5 | tanh | maxpool 2 stride 1 | flatten | linear 32 | sigmoid | "
                   "out: linear 10 bias 0", (1, 28, 28)),
]
TOLERANCE = 1e-4


def install_load_file_stand_in():
    """`from safetensors.torch import load_file` as the printed code says."""
    def load_file(path):
        tensors, _ = safetensors_io.read(path)
        return {k: torch.from_numpy(v) for k, v in tensors.items()}
    package = types.ModuleType("safetensors")
    module = types.ModuleType("safetensors.torch")
    module.load_file = load_file
    package.torch = module
    sys.modules["safetensors"] = package
    sys.modules["safetensors.torch"] = module


def printed_code(dlab, network):
    proc = subprocess.run([dlab, "models", "--pytorch", network], capture_output=True, text=True, timeout=30)
    if proc.returncode != 0:
        raise RuntimeError(f"dlab models --pytorch exited {proc.returncode}: {proc.stderr.strip()}")
    return proc.stdout


def split_code(code):
    """The class definition, and the whole text (the loading lines too)."""
    cut = code.index("# Load a Digit Lab checkpoint")
    return code[:cut], code


def check(tap, dlab, driver, tmp, name, spec, shape, seed):
    what = f"{name}: the printed class loads the engine's checkpoint strictly, same logits"
    try:
        code = printed_code(dlab, spec)
        class_code, whole = split_code(code)
        scope = {}
        exec(compile(class_code, f"<dlab models --pytorch {name}>", "exec"), scope)
        Net = scope["Net"]
        torch.manual_seed(seed)
        model = Net()
        meta = {"dlab.arch": spec, "dlab.input": "x".join(str(d) for d in shape), "dlab.mean": "0.5",
                "dlab.std": "0.5", "dlab.classes": ",".join(str(k) for k in range(10)),
                "dlab.dataset": "mnist", "dlab.orientation": "normal"}
        if shape[0] == 3:
            meta.update({"dlab.mean": "0.5,0.5,0.5", "dlab.std": "0.5,0.5,0.5", "dlab.dataset": "cifar10"})
        ck = os.path.join(tmp, f"{name}.safetensors")
        safetensors_io.write(ck, {k: v.detach().clone() for k, v in model.state_dict().items()}, meta)
        g = torch.Generator().manual_seed(seed + 100)
        x = torch.randn((8,) + tuple(shape), generator=g)
        labels = torch.randint(0, 10, (8,), generator=g)
        batch = os.path.join(tmp, f"{name}.batch.safetensors")
        safetensors_io.write(batch, {"x": x, "labels": labels})
        saved = os.path.join(tmp, "model.safetensors")
        out = os.path.join(tmp, f"{name}.out.safetensors")
        proc = subprocess.run([driver, "--passes", "1", "--save", saved, ck, batch, out],
                              capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            raise RuntimeError(f"parity_driver: {proc.stderr.strip()}")
        engine, _ = safetensors_io.read(out)
        # The printed text as a learner runs it, in the folder of model.safetensors.
        here = os.getcwd()
        os.chdir(tmp)
        try:
            scope = {}
            exec(compile(whole, f"<dlab models --pytorch {name}>", "exec"), scope)
        finally:
            os.chdir(here)
        loaded = scope["model"]
        loaded.eval()
        with torch.no_grad():
            logits = loaded(x).numpy()
        ref = engine["eval_logits"]
        err = float(np.max(np.abs(logits - ref)) / max(float(np.max(np.abs(ref))), 1e-12))
        tap(err < TOLERANCE, what, f"relative error {err:.2e}")
    except Exception as e:  # noqa: BLE001 - any failure is the test's answer
        tap(False, what, f"{type(e).__name__}: {e}")


def tutorial_learning_rates(epochs):
    """The MLP tutorial's loop: `if epoch % 5 == 0: lr *= 0.1` at each
    epoch's start, on SGD(lr=0.01, momentum=0.5)."""
    model = torch.nn.Linear(2, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.5)
    rates = []
    for epoch in range(epochs):
        if epoch % 5 == 0:
            optimizer.param_groups[0]['lr'] *= 0.1
        rates.append(optimizer.param_groups[0]['lr'])
    return rates


def engine_learning_rates(dlab, tmp, epochs):
    """The learning rate of each epoch of `dlab train --recipe mlp-mnist`
    (one step per epoch on 64 images), from metrics.csv."""
    log = os.path.join(tmp, "mlp-log")
    proc = subprocess.run([dlab, "train", "--recipe", "mlp-mnist", "--limit", "64", "--epochs", str(epochs),
                           "--out", os.path.join(tmp, "mlp.safetensors"), "--log", log, "--quiet"],
                          capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip())
    rates = []
    with open(os.path.join(log, "metrics.csv")) as f:
        header = f.readline().strip().split(",")
        col = header.index("lr")
        for line in f:
            cells = line.rstrip("\n").split(",")
            if cells[col]:
                rates.append(float(cells[col]))
    return rates


def main(argv):
    dlab, driver = argv[1], argv[2]
    install_load_file_stand_in()
    torch.set_num_threads(1)
    networks = [(n, n, tuple(net.input)) for n, net in tutorials.NETWORKS.items()] + SPECS
    have_mnist = subprocess.run([dlab, "data", "info", "--dataset", "mnist"], capture_output=True).returncode == 0
    print(f"1..{len(networks) + 1}")
    count = [0, 0]

    def tap(ok, what, detail=""):
        count[0] += 1
        count[1] += not ok
        print(f"{'ok' if ok else 'not ok'} {count[0]} - {what}{' (' + detail + ')' if detail else ''}", flush=True)

    with tempfile.TemporaryDirectory(prefix="dlab-pycode-") as tmp:
        for seed, (name, spec, shape) in enumerate(networks):
            check(tap, dlab, driver, tmp, name, spec, shape, seed)
        what = "the MLP recipe's learning rate per epoch is the tutorial loop's (12 epochs)"
        if not have_mnist:
            count[0] += 1
            print(f"ok {count[0]} - {what} # SKIP MNIST is not in $DLAB_DATA")
        else:
            try:
                want = tutorial_learning_rates(12)
                got = engine_learning_rates(dlab, tmp, 12)
                ok = len(got) == 12 and all(abs(a - b) <= 1e-6 * b for a, b in zip(got, want))
                tap(ok, what, f"engine {got}, tutorial {want}")
            except Exception as e:  # noqa: BLE001
                tap(False, what, f"{type(e).__name__}: {e}")
    return 1 if count[1] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
