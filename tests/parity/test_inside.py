"""What the Inside view shows, against PyTorch, for every zoo network
(suite 'parity').

    /usr/bin/python3 tests/parity/test_inside.py INSIDE_DRIVER [NETWORK...]

For each network of tutorials.NETWORKS:

1. build the tutorial's class under torch.manual_seed, give its BatchNorm
   layers random running statistics (so that eval mode is not the identity),
   and save it as a Digit Lab checkpoint;
2. write a random image (H x W x C, 0..1) and run inside_driver on both:
   every layer's output, the probabilities, and the saliency
   d logit[k] / d image for every class k (dlab/inside.h);
3. run the same image through the class in float64 with a forward hook on
   every leaf module. The engine's layers are matched to the hooked calls in
   order; a layer the class computes without a module (F.relu in forward, a
   view for flatten) is computed here from the previous reference with its
   functional form, and the next hooked call's input checks it too;
4. check each layer's output, the probabilities, and the saliency against
   autograd (torch.autograd.grad of logit k with respect to the 0..1
   image), with the relative error max|engine - torch| / max|torch| < 1e-4.

Output is TAP; skipped where torch cannot be imported.
"""

import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

TOLERANCE = 1e-4


def skip_all(why):
    print(f"1..0 # SKIP {why}")
    sys.exit(0)


try:
    import numpy as np
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError as e:
    skip_all(f"cannot import torch ({e}); install python3-torch and run /usr/bin/python3")

import safetensors_io  # noqa: E402
import tutorials  # noqa: E402

# The module class that computes each engine keyword, and its functional form.
MODULES = {
    "conv": nn.Conv2d, "linear": nn.Linear, "maxpool": nn.MaxPool2d, "avgpool": nn.AvgPool2d,
    "relu": nn.ReLU, "lrelu": nn.LeakyReLU, "gelu": nn.GELU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh,
    "bn1d": nn.BatchNorm1d, "bn2d": nn.BatchNorm2d, "dropout": nn.Dropout, "flatten": nn.Flatten,
}
FUNCTIONAL = {
    "relu": F.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "gelu": F.gelu,
    "flatten": lambda x: x.reshape(x.shape[0], -1), "dropout": lambda x: x,
}


def rel_err(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.shape != b.shape:
        return float("inf")
    scale = max(np.max(np.abs(b)), 1e-12)
    return float(np.max(np.abs(a - b)) / scale)


def build(name, seed):
    torch.manual_seed(seed)
    network = tutorials.NETWORKS[name]
    model = network.cls()
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
    return network, model.eval()


def hooked_forward(model, x):
    """Runs x through model, returning the logits and every leaf module call
    as (module, input, output) in call order."""
    calls, handles, inputs = [], [], []
    for module in model.modules():
        if not list(module.children()):
            # The input is copied before the call: an inplace ReLU overwrites it.
            handles.append(module.register_forward_pre_hook(lambda m, i: inputs.append(i[0].detach().clone())))
            handles.append(module.register_forward_hook(
                lambda m, i, o: calls.append((m, inputs.pop(), o.detach().clone()))))
    try:
        logits = model(x)
    finally:
        for h in handles:
            h.remove()
    return logits, calls


def references(layers, calls, x):
    """The reference output of each engine layer, and how it was obtained."""
    refs, how, problems, k, prev = [], [], [], 0, x.detach()
    for lname, keyword in layers:
        if k < len(calls) and isinstance(calls[k][0], MODULES[keyword]):
            module, given, out = calls[k]
            if rel_err(given.reshape(prev.shape), prev) > TOLERANCE:
                problems.append(f"{lname}: the module's input is not the previous layer's output")
            refs.append(out), how.append("hook")
            k += 1
        elif keyword in FUNCTIONAL:
            out = FUNCTIONAL[keyword](prev)
            refs.append(out), how.append("functional")
        else:
            problems.append(f"{lname} ({keyword}): no module call matches it")
            refs.append(prev), how.append("none")
            out = prev
        prev = out
    if k != len(calls):
        problems.append(f"{len(calls) - k} module call(s) left unmatched")
    return refs, how, problems


class Tap:
    def __init__(self, count):
        self.n, self.failed = 0, 0
        print(f"1..{count}", flush=True)

    def result(self, ok, what, detail="", problems=()):
        self.n += 1
        self.failed += not ok
        print(f"{'ok' if ok else 'not ok'} {self.n} - {what}{' (' + detail + ')' if detail else ''}")
        for line in problems:
            print(f"# {line}")
        sys.stdout.flush()


def check_network(tap, driver, tmp, name, seed):
    network, model = build(name, seed)
    ckpt = os.path.join(tmp, f"{name}.safetensors")
    safetensors_io.write(ckpt, {k: v.detach().clone() for k, v in model.state_dict().items()},
                         tutorials.metadata(name))
    c, h, w = network.input
    g = torch.Generator().manual_seed(1000 + seed)
    image = torch.rand((h, w, c), generator=g)
    image_path, out_path = os.path.join(tmp, f"{name}.image.safetensors"), os.path.join(tmp, f"{name}.out")
    safetensors_io.write(image_path, {"image": image})
    r = subprocess.run([driver, ckpt, image_path, out_path], capture_output=True, text=True)
    if r.returncode != 0:
        for what in ("layer outputs", "probabilities", "saliency"):
            tap.result(False, f"{name}: {what}", "driver failed", r.stderr.splitlines())
        return
    engine, meta = safetensors_io.read(out_path)
    layers = [tuple(item.split(":")) for item in meta["layers"].split("|")]

    model64 = model.double()
    meta_ckpt = tutorials.metadata(name)
    mean = torch.tensor([float(v) for v in meta_ckpt["dlab.mean"].split(",")], dtype=torch.float64)
    std = torch.tensor([float(v) for v in meta_ckpt["dlab.std"].split(",")], dtype=torch.float64)
    pixels = image.double().clone().requires_grad_(True)
    x = ((pixels - mean) / std).permute(2, 0, 1).unsqueeze(0)
    logits, calls = hooked_forward(model64, x)

    refs, how, problems = references(layers, calls, x)
    worst = 0.0
    for i, ref in enumerate(refs):
        e = rel_err(engine[f"out.{i}"], ref[0].numpy())
        worst = max(worst, e)
        if e > TOLERANCE:
            problems.append(f"layer {i} {layers[i][0]} ({layers[i][1]}): relative error {e:.3g}")
    hooks = how.count("hook")
    tap.result(not problems, f"{name}: {len(layers)} layer outputs",
               f"{hooks} from hooks, {len(layers) - hooks} functional; worst relative error {worst:.2e}", problems)

    probs = torch.softmax(logits[0], 0).detach().numpy()
    e = rel_err(engine["probs"], probs)
    tap.result(e < TOLERANCE, f"{name}: probabilities", f"relative error {e:.2e}")

    worst, problems = 0.0, []
    for k in range(logits.shape[1]):
        (grad,) = torch.autograd.grad(logits[0, k], pixels, retain_graph=True)
        e = rel_err(engine[f"saliency.{k}"], grad.numpy())
        worst = max(worst, e)
        if e > TOLERANCE:
            problems.append(f"class {k}: relative error {e:.3g}")
    tap.result(not problems, f"{name}: saliency (d logit / d image) for every class",
               f"worst relative error {worst:.2e}", problems)


def main(argv):
    if len(argv) < 2:
        print("usage: test_inside.py INSIDE_DRIVER [NETWORK...]", file=sys.stderr)
        return 2
    driver, names = argv[1], argv[2:] or list(tutorials.NETWORKS)
    torch.set_num_threads(1)
    tap = Tap(3 * len(names))
    with tempfile.TemporaryDirectory(prefix="dlab-inside-") as tmp:
        for name in names:
            check_network(tap, driver, tmp, name, list(tutorials.NETWORKS).index(name))
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
