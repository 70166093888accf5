"""Parity of the engine with PyTorch for every zoo network (suite 'parity').

    /usr/bin/python3 tests/parity/test_parity.py PARITY_DRIVER [NETWORK...]

For each network of tutorials.NETWORKS (all of them unless named):

1. build the tutorial's PyTorch class under torch.manual_seed and save its
   state_dict as a Digit Lab checkpoint (safetensors + dlab.* metadata);
2. write a random batch (x: F32 N x C x H x W, labels: I64);
3. run parity_driver on them with --optim sgd and with --optim adam: two
   training passes (forward, cross-entropy, backward, step), then the
   buffers and the eval-mode logits (see parity_driver.c);
4. run the same passes in PyTorch, in float64 from the same float32
   weights, so that the reference carries (almost) no rounding error of its
   own. The engine's dropout masks replace PyTorch's dropout, and its
   max-pooling winners route PyTorch's gradient (after a check that each is
   a maximum of its window up to rounding: near-ties are where float32 and
   float64 may legitimately pick different pixels). Each pass starts from
   the engine's weights and steps with the engine's gradients (teacher
   forcing; see torch_run), so every pass checks one forward/backward and
   one optimizer step on their own;
5. compare every tensor with the relative error
       max|engine - torch| / max|torch|
   (see compare() for tensors that are zero in exact arithmetic), which
   must stay below 1e-4;
6. load the checkpoint the driver saved (--save) into a fresh instance of
   the class with load_state_dict(strict=True) and compare its eval logits.

The engine runs on DLAB_PARITY_THREADS threads (1 unless set; meson runs
the suite once more with 2: the batch is then cut into slices whose
weight-gradient partials are summed afterwards).

Output is TAP. Where torch cannot be imported (it comes from Debian's
python3-torch: run /usr/bin/python3, not a pyenv one) the whole test is
skipped with "1..0 # SKIP"; meson's TAP protocol counts that as skipped,
while a non-zero exit status would count as an error.
"""

import copy
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

TOLERANCE = 1e-4
TINY = 1e-12
EXACT_ZERO = 1e-9  # below this fraction of its group's scale a reference tensor is 0
BATCH = 8
THREADS = os.environ.get("DLAB_PARITY_THREADS", "1")
PASSES = 2
OPTIMIZERS = ("sgd", "adam")


def skip_all(why):
    print(f"1..0 # SKIP {why}")
    print(f"test_parity: skipped: {why}", file=sys.stderr)
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


# ---- what the driver does, mirrored in PyTorch ----

def make_optimizer(kind, params):
    """The optimizer parity_driver.c builds (make_optimizer there)."""
    if kind == "sgd":
        # The tutorials' SGD: lr 0.1, momentum 0.9, weight decay 1e-4.
        return torch.optim.SGD(params, lr=0.1, momentum=0.9, weight_decay=1e-4, foreach=False)
    if kind == "adam":
        # dlab_optim_defaults(ADAM) is PyTorch's default Adam.
        return torch.optim.Adam(params, foreach=False)
    raise ValueError(kind)


class MaskedDropout(nn.Module):
    """nn.Dropout with the keep-mask the engine drew (1 kept, 0 dropped)."""

    def __init__(self, p):
        super().__init__()
        self.p = p
        self.mask = None

    def forward(self, x):
        if not self.training or self.p == 0:
            return x
        if self.mask is None or self.mask.shape != x.shape:
            raise RuntimeError("no engine mask of the right shape for this dropout")
        return x * self.mask.to(x.dtype) / (1.0 - self.p)


def replace_module(model, path, new):
    parent = model
    *parents, last = path.split(".")
    for name in parents:
        parent = getattr(parent, name)
    setattr(parent, last, new)


def with_engine_dropout(model, network):
    """Swaps each dropout module for a MaskedDropout; returns
    {engine layer name: MaskedDropout}."""
    masked = {}
    modules = dict(model.named_modules())
    for layer, path in network.dropout.items():
        old = modules[path]
        assert isinstance(old, nn.Dropout), f"{path} is not a dropout module"
        masked[layer] = MaskedDropout(old.p)
        replace_module(model, path, masked[layer])
    return masked


_max_pool2d = F.max_pool2d  # PyTorch's own, kept while EngineMaxPool stands in


class EngineMaxPool:
    """Stands in for F.max_pool2d (which nn.MaxPool2d calls too) during one
    forward pass: the k-th call takes the winners the engine picked in its
    k-th max-pooling layer, so the gradient flows to the pixels the engine
    routed it to. The pooled value is the input at the engine's winner; how
    far it falls below PyTorch's own maximum is recorded (`gap`, relative to
    the largest input), as is the number of windows where the two picked
    different pixels (`switched`: near-ties that float32 cannot resolve)."""

    def __init__(self):
        self.winners, self.gap, self.switched, self.windows = [], 0.0, 0, 0

    def __call__(self, x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                 return_indices=False):
        best, best_at = _max_pool2d(x.detach(), kernel_size, stride, padding, dilation, ceil_mode=ceil_mode,
                                    return_indices=True)
        if not self.winners:
            raise RuntimeError("more max-pooling calls than the engine has max-pooling layers")
        at = self.winners.pop(0)
        if tuple(at.shape) != tuple(best.shape):
            raise RuntimeError(f"engine winners of shape {list(at.shape)} "
                               f"for a pooled output of {list(best.shape)}")
        at = at.long()
        if int(at.min()) < 0 or int(at.max()) >= x.shape[2] * x.shape[3]:
            raise RuntimeError("engine winner index outside the input plane")
        y = x.flatten(2).gather(2, at.flatten(2)).view_as(best)
        scale = max(float(x.detach().abs().max()), TINY)
        self.gap = max(self.gap, float((best - y.detach()).abs().max()) / scale)
        self.switched += int((at != best_at).sum())
        self.windows += at.numel()
        return (y, at) if return_indices else y


def winners_from(engine, k):
    """Pass k's max-pooling winners in layer order (the driver writes them so)."""
    return [torch.from_numpy(v) for name, v in engine.items() if name.startswith(f"argmax{k}.")]


def load_weights(params, engine, prefix):
    """Copies the engine's tensors prefix.<name> into the parameters."""
    with torch.no_grad():
        for name, p in params.items():
            value = engine.get(f"{prefix}.{name}")
            if value is not None and tuple(value.shape) == tuple(p.shape):
                p.copy_(torch.from_numpy(value))


def load_grads(params, engine, prefix):
    for name, p in params.items():
        value = engine.get(f"{prefix}.{name}")
        if value is not None and tuple(value.shape) == tuple(p.shape):
            p.grad = torch.from_numpy(value).to(p.dtype)


def forward_with_winners(model, x, winners, pool):
    """model(x) with the engine's max-pooling winners (pool: EngineMaxPool)."""
    pool.winners = list(winners)
    F.max_pool2d = pool
    try:
        logits = model(x)
    finally:
        F.max_pool2d = _max_pool2d
    if pool.winners:
        raise RuntimeError(f"{len(pool.winners)} engine max-pooling layers were not met in PyTorch's forward")
    return logits


def torch_run(model, network, optim, x, labels, masks_by_pass, engine=None):
    """The driver's passes in PyTorch. Returns ({name: ndarray} named as the
    driver names its outputs, EngineMaxPool or None).

    With `engine` (the driver's outputs) the run is teacher-forced: each
    pass starts from the engine's weights after the previous step, takes the
    engine's max-pooling winners, and the optimizer steps with the engine's
    gradients. Each pass then checks one forward/backward and one step on
    their own: float32 noise in a gradient that is zero in exact arithmetic
    (a bias before BatchNorm) or close to Adam's eps, or a max-pooling
    near-tie, cannot grow into a difference that a later pass blames on the
    engine. Without `engine` PyTorch runs freely on its own gradients."""
    out = {}
    dropouts = with_engine_dropout(model, network)
    params = dict(model.named_parameters())
    opt = make_optimizer(optim, list(params.values()))
    pool = EngineMaxPool() if engine is not None else None
    for k in range(1, PASSES + 1):
        if engine is not None and k > 1:
            load_weights(params, engine, f"step{k - 1}")
        model.train()
        for layer, module in dropouts.items():
            module.mask = masks_by_pass[k][layer]
        opt.zero_grad()
        logits = forward_with_winners(model, x, winners_from(engine, k), pool) if pool else model(x)
        loss = F.cross_entropy(logits, labels)
        loss.backward()
        out[f"logits{k}"] = logits.detach().numpy()
        out[f"loss{k}"] = loss.detach().numpy()
        for name, p in params.items():
            out[f"grad{k}.{name}"] = p.grad.detach().numpy().copy()
        if engine is not None:
            load_grads(params, engine, f"grad{k}")
        opt.step()
        for name, p in params.items():
            out[f"step{k}.{name}"] = p.detach().numpy().copy()
    if engine is not None:
        load_weights(params, engine, f"step{PASSES}")
    for name, b in model.named_buffers():
        out[f"buf.{name}"] = b.detach().numpy().copy()
    model.eval()
    with torch.no_grad():
        out["eval_logits"] = model(x).numpy()
    return out, pool


# ---- comparing ----

def rel_err(a, b, floor=0.0, slack=0.0):
    """max(|a - b| - slack) / max(max|b|, floor) (b the reference; slack,
    elementwise or a number, is a difference that rounding accounts for);
    inf when the shapes differ."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return float("inf")
    if a.size == 0:
        return 0.0
    err = max(float(np.max(np.abs(a - b) - slack)), 0.0)
    if not np.isfinite(err):
        return float("inf")
    return err / max(float(np.max(np.abs(b))), floor, TINY)


def compare(engine, ref, names, slack=None):
    """Worst relative error over `names`; returns (worst, worst name,
    problems), problems listing missing tensors and those over tolerance.

    A tensor is measured against its own largest value, except where the
    float64 reference is zero up to its own rounding (below EXACT_ZERO times
    the largest value of the group): such a tensor is zero in exact
    arithmetic (the bias gradient of a Linear followed by BatchNorm, whose
    mean BatchNorm removes), the engine's value is float32 rounding noise,
    and that noise is measured against the group's largest value."""
    scale = max((float(np.max(np.abs(ref[n]))) for n in names if n in ref and np.size(ref[n])), default=0.0)
    worst, worst_name, problems = 0.0, "-", []
    for name in names:
        if name not in engine:
            problems.append(f"{name} missing from the driver's output")
            worst, worst_name = float("inf"), name
            continue
        if name not in ref:
            problems.append(f"{name} not produced by PyTorch")
            worst, worst_name = float("inf"), name
            continue
        exact_zero = np.size(ref[name]) and float(np.max(np.abs(ref[name]))) <= EXACT_ZERO * scale
        e = rel_err(engine[name], ref[name], scale if exact_zero else 0.0, slack[name] if slack else 0.0)
        if e >= TOLERANCE:
            shape = list(np.shape(engine[name]))
            problems.append(f"{name}: relative error {e:.3g} (shape {shape}, torch {list(np.shape(ref[name]))})")
        if e > worst or worst_name == "-":
            worst, worst_name = max(e, worst), name
    return worst, worst_name, problems


class Tap:
    def __init__(self, count):
        self.count, self.n, self.failed = count, 0, 0
        self.worst = {}
        print(f"1..{count}", flush=True)

    def result(self, ok, what, detail="", problems=()):
        self.n += 1
        self.failed += not ok
        print(f"{'ok' if ok else 'not ok'} {self.n} - {what}{' (' + detail + ')' if detail else ''}")
        for line in problems:
            print(f"# {line}")
        sys.stdout.flush()

    def check(self, network, what, engine, ref, names, slack=None):
        worst, name, problems = compare(engine, ref, names, slack)
        self.worst[network] = max(self.worst.get(network, 0.0), worst)
        self.result(not problems and worst < TOLERANCE, f"{network} {what}",
                    f"worst relative error {worst:.2e} in {name}", problems)


# ---- files for the driver ----

def write_checkpoint(path, name, model):
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    safetensors_io.write(path, state, tutorials.metadata(name))


def random_batch(network, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn((BATCH,) + tuple(network.input), generator=g)
    labels = torch.randint(0, 10, (BATCH,), generator=g, dtype=torch.int64)
    return x, labels


def run_driver(driver, optim, model_path, batch_path, out_path, save_path):
    cmd = [driver, "--optim", optim, "--threads", THREADS, "--passes", str(PASSES), "--save", save_path,
           model_path, batch_path, out_path]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        return None, f"parity_driver exited with {proc.returncode}: {proc.stderr.strip()}"
    tensors, meta = safetensors_io.read(out_path)
    return (tensors, meta), ""


def masks_from(engine, network):
    """{pass: {engine layer: float tensor}} from the driver's maskK.<layer>."""
    masks = {}
    for k in range(1, PASSES + 1):
        masks[k] = {}
        for layer in network.dropout:
            mask = engine.get(f"mask{k}.{layer}")
            masks[k][layer] = None if mask is None else torch.from_numpy(mask)
    return masks


# ---- one network ----

def has_buffers(network):
    return any(True for _ in network.cls().buffers())


def has_maxpool(network):
    return "maxpool" in network.spec


def tests_per_optimizer(network):
    # driver ran, logits+loss, [maxpool winners], grads, steps, updates, [buffers], eval logits
    return 6 + has_maxpool(network) + has_buffers(network)


def check_optimizer(tap, driver, tmp, name, network, ref_model, x, labels, optim):
    """Runs the driver with `optim` and compares. Returns (the driver's
    --save path, its outputs, their metadata), or None if it failed."""
    model_path = os.path.join(tmp, f"{name}.safetensors")
    batch_path = os.path.join(tmp, f"{name}.batch.safetensors")
    out_path = os.path.join(tmp, f"{name}.{optim}.out.safetensors")
    save_path = os.path.join(tmp, f"{name}.{optim}.saved.safetensors")
    label = f"{name} {optim}:"
    result, error = run_driver(driver, optim, model_path, batch_path, out_path, save_path)
    tap.result(result is not None, f"{label} the PyTorch state_dict loads into parity_driver and it runs",
               "", [error] if error else [])
    ref = None
    if result is not None:
        engine, meta = result
        masks = masks_from(engine, network)
        try:
            ref, pool = torch_run(copy.deepcopy(ref_model).double(), network, optim, x.double(), labels, masks,
                                  engine)
        except RuntimeError as e:
            error = f"the PyTorch side failed: {e}"
    if ref is None:
        for _ in range(tests_per_optimizer(network) - 1):
            tap.result(False, f"{label} not compared", error)
        return None

    params = [n for n, _ in ref_model.named_parameters()]
    passes = range(1, PASSES + 1)
    tap.check(name, f"{optim}: training logits and loss",
              engine, ref, [f"{kind}{k}" for k in passes for kind in ("logits", "loss")])
    if has_maxpool(network):
        ok = pool.windows > 0 and pool.gap < TOLERANCE
        tap.worst[name] = max(tap.worst.get(name, 0.0), pool.gap)
        tap.result(ok, f"{name} {optim}: max-pooling winners are maxima (up to rounding)",
                   f"value at the engine's winner below the maximum by {pool.gap:.2e} relative; "
                   f"{pool.switched} of {pool.windows} windows picked another pixel of a near-tie")
    tap.check(name, f"{optim}: parameter gradients", engine, ref, [f"grad{k}.{p}" for k in passes for p in params])
    tap.check(name, f"{optim}: weights after each step", engine, ref,
              [f"step{k}.{p}" for k in passes for p in params])
    tap.check(name, f"{optim}: each step's update (new - old weights, up to float32 rounding of the weights)",
              *updates(engine, ref, ref_model))
    if has_buffers(network):
        tap.check(name, f"{optim}: BatchNorm running stats", engine, ref,
                  [f"buf.{b}" for b, _ in ref_model.named_buffers()])
    tap.check(name, f"{optim}: eval logits after the steps", engine, ref, ["eval_logits"])
    report_free_running(label, engine, ref_model, network, optim, x, labels, masks)
    known = {f"{kind}{k}.{d}" for k in passes for kind in ("mask", "argmax") for d in engine_layers(engine)}
    extra = sorted(set(engine) - set(ref) - known)
    if extra:
        print(f"# {label} driver outputs without a PyTorch counterpart: {', '.join(extra)}")
    return save_path, engine, meta


def updates(engine, ref, ref_model):
    """(engine updates, reference updates, names, slack) for Tap.check.

    The weights themselves hide an optimizer's mistakes that are small next
    to the weights (Adam's beta2 barely shows in two steps), so the update
    each step made is compared too, relative to its own size. Both sides
    start from the same float32 weights; the engine rounds its new weights
    to float32, which may move them by up to one ulp (2^-23 relative):
    that much is the slack."""
    before = {p: v.detach().numpy().astype(np.float64) for p, v in ref_model.named_parameters()}
    mine, theirs, slack, names = {}, {}, {}, []
    for k in range(1, PASSES + 1):
        for p in before:
            key, step = f"update{k}.{p}", f"step{k}.{p}"
            if step not in engine or step not in ref:
                continue
            new = engine[step].astype(np.float64)
            mine[key], theirs[key] = new - before[p], ref[step] - before[p]
            slack[key] = np.abs(new) * 2.0**-23
            names.append(key)
            before[p] = new
    return mine, theirs, names, slack


def engine_layers(engine):
    return {name.split(".", 1)[1] for name in engine if name.startswith(("mask", "argmax"))}


def report_free_running(label, engine, ref_model, network, optim, x, labels, masks):
    """A comment, not a test: how far the engine's final weights are from a
    PyTorch run in float64 on its own gradients, next to how far PyTorch's
    own float32 run is. With Adam both can exceed the tolerance: its first
    step is about -lr * sign(gradient), so a gradient that float32 leaves at
    the level of rounding noise (zero in exact arithmetic, or a max-pooling
    near-tie) moves its weight by up to lr either way."""
    free64, _ = torch_run(copy.deepcopy(ref_model).double(), network, optim, x.double(), labels, masks)
    free32, _ = torch_run(copy.deepcopy(ref_model), network, optim, x, labels, masks)
    final = [f"step{PASSES}.{p}" for p, _ in ref_model.named_parameters()]
    engine_err, engine_at, _ = compare(engine, free64, final)
    torch_err, torch_at, _ = compare(free32, free64, final)
    print(f"# {label} free-running final weights against float64 PyTorch: engine {engine_err:.2e} ({engine_at}), "
          f"float32 PyTorch {torch_err:.2e} ({torch_at})")


def check_saved(tap, name, network, save_path, engine, x):
    """The driver's --save checkpoint loads into the tutorial class with
    strict=True and gives the driver's eval logits."""
    what = (f"{name}: the saved dlab checkpoint loads into {network.cls.__name__} (strict) "
            "with the same eval logits")
    try:
        tensors, meta = safetensors_io.read(save_path)
        model = network.cls()
        model.load_state_dict({k: torch.from_numpy(v) for k, v in tensors.items()}, strict=True)
    except Exception as e:  # noqa: BLE001 - any failure is the test's answer
        tap.result(False, what, "", [f"{type(e).__name__}: {e}"])
        return
    problems = []
    want = tutorials.metadata(name)
    for key in ("dlab.input", "dlab.dataset", "dlab.orientation", "dlab.classes"):
        if meta.get(key) != want[key]:
            problems.append(f"metadata {key} is {meta.get(key)!r}, expected {want[key]!r}")
    if "dlab.arch" not in meta:
        problems.append("metadata dlab.arch missing")
    model.eval()
    with torch.no_grad():
        logits = model(x).numpy()
    e = rel_err(engine["eval_logits"], logits)
    if e >= TOLERANCE:
        problems.append(f"eval_logits: relative error {e:.3g}")
    tap.worst[name] = max(tap.worst.get(name, 0.0), e)
    tap.result(not problems, what, f"relative error {e:.2e}", problems)


def check_zoo_spec(tap, driver, name, network):
    """The spec the test writes into its checkpoints is the zoo's."""
    proc = subprocess.run([driver, "--zoo", name], capture_output=True, text=True, timeout=30)
    zoo = proc.stdout.strip()
    tap.result(proc.returncode == 0 and zoo == network.spec, f"{name}: the zoo's spec is the tutorial class's",
               "", [] if zoo == network.spec else [f"zoo: {zoo!r}", f"test: {network.spec!r}"])


def check_network(tap, driver, tmp, name, seed):
    network = tutorials.NETWORKS[name]
    check_zoo_spec(tap, driver, name, network)
    torch.manual_seed(seed)
    model = network.cls()
    write_checkpoint(os.path.join(tmp, f"{name}.safetensors"), name, model)
    x, labels = random_batch(network, seed + 1000)
    safetensors_io.write(os.path.join(tmp, f"{name}.batch.safetensors"), {"x": x, "labels": labels})

    saved = None
    for optim in OPTIMIZERS:
        result = check_optimizer(tap, driver, tmp, name, network, model, x, labels, optim)
        if saved is None and result is not None:
            saved = result
    if saved is None:
        tap.result(False, f"{name}: parameter count (driver failed)")
        tap.result(False, f"{name}: saved checkpoint not checked (driver failed)")
        return
    save_path, engine, meta = saved
    torch_count = tutorials.count_params(model)
    engine_count = int(meta.get("param_count", "-1"))
    tap.result(engine_count == network.params == torch_count, f"{name}: parameter count",
               f"engine {engine_count}, PyTorch {torch_count}, tutorial {network.params}")
    check_saved(tap, name, network, save_path, engine, x)


def plan(names):
    count = 0
    for name in names:
        count += len(OPTIMIZERS) * tests_per_optimizer(tutorials.NETWORKS[name]) + 3
    return count


def main(argv):
    if len(argv) < 2:
        print("usage: test_parity.py PARITY_DRIVER [NETWORK...]", file=sys.stderr)
        return 2
    driver = argv[1]
    names = argv[2:] or list(tutorials.NETWORKS)
    unknown = [n for n in names if n not in tutorials.NETWORKS]
    if unknown:
        print(f"test_parity.py: unknown network(s) {', '.join(unknown)}", file=sys.stderr)
        return 2
    if not os.access(driver, os.X_OK):
        print(f"test_parity.py: {driver}: not an executable", file=sys.stderr)
        return 2
    torch.set_num_threads(1)
    tap = Tap(plan(names))
    with tempfile.TemporaryDirectory(prefix="dlab-parity-") as tmp:
        for name in names:
            # The seed goes with the network, so that naming one reproduces the full run.
            check_network(tap, driver, tmp, name, list(tutorials.NETWORKS).index(name))
    for name in names:
        print(f"# {name}: worst relative error {tap.worst.get(name, float('nan')):.2e}")
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
