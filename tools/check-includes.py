#!/usr/bin/python3
"""Checks the engine's layers and that nothing includes in a circle.

    tools/check-includes.py [SOURCE_ROOT] [--objects LIB.a|PROGRAM ...]

Prints TAP (the `layers` test of the unit suite runs it), after a listing
of the folders each engine folder includes. It fails on:

  1. an `#include "../...`: engine/src is the engine's private include
     root, a file reaches another folder's header as "folder/name.h";
  2. an engine folder that includes a folder above it in LAYERS (a public
     header "dlab/name.h" belongs to the folder of its sources, see
     owner_of);
  3. the application (src/) or the CLI (engine/cli/) including one of the
     engine's own headers (engine/src/...): they see include/dlab only;
  4. a public header including a private one (the application could not
     compile it);
  5. a cycle of headers (a.h includes b.h includes a.h);
  6. with --objects: a circle between the files of a built library (or of
     a program, from the objects meson keeps beside it), read from its
     objects' symbols (a.o uses a function of b.o, which uses one
     of a.o): the calls the headers hide. One class split across files
     that share its NAME-private.h counts as one file.

Violations inside a folder of PENDING are listed as such and do not fail,
until the work named there lands (the entry should then go).
"""
import collections
import glob
import os
import re
import shutil
import subprocess
import sys

# The engine's folders, from the bottom layer up: a folder's files include
# only their own folder and folders listed before it. A new folder goes
# here, at the place of what it uses.
LAYERS = [
    "core",          # errors, tensors, threads, numbers as text, paths
    "io",            # file formats that know nothing above core: JSON,
                     # safetensors, CSV logs, TensorBoard events, atomic writes
    "kernels/cpu",   # the CPU kernels (SIMD) that nn/ and optim/ call
    "nn",            # layers, models, specs, the zoo, PyTorch code
    "optim",         # optimizers and schedules
    "datasets",      # IDX, CIFAR-10, folders, splits, images, grids, exports
    "transforms",    # normalization and augmentations of datasets
    "grid",          # sample grids (make_grid), augmented as transforms do
    "fetch",         # downloads, MD5, archives (into datasets' folders)
    "loader",        # training batches from datasets, with transforms
    "checkpoint",    # a model and its optimizer state in a file
    "ink",           # strokes, the sketchpad's preprocessing, the predictor
    "backend",       # the backend interface, its registry, the CPU backend
    "backend/cuda",  # the CUDA backend (a module), under the training loop
    "train",         # the training loop, resume, recipes
    "run",           # the run API the application and the CLI call
]

# Folders whose violations are known and being fixed elsewhere: listed,
# not failed. Remove an entry once its folder checks clean.
PENDING = {
    # "folder": "why, and the work that fixes it",
}

# Public headers whose sources have another name than the header.
OWNERS = {
    "ink.h": "ink",
}

SOURCE_EXT = (".c", ".h", ".cu", ".cuh")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def rel(root, path):
    return os.path.relpath(path, root)


def files_under(root, top):
    out = []
    for d, _, names in os.walk(os.path.join(root, top)):
        out += [os.path.join(d, n) for n in sorted(names) if n.endswith(SOURCE_EXT)]
    return sorted(out)


def includes_of(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return INCLUDE.findall(f.read())


class Tree:
    def __init__(self, root):
        self.root = root
        self.src = os.path.join(root, "engine", "src")
        self.public = os.path.join(root, "engine", "include")
        self.engine_files = files_under(root, "engine/src")
        self.public_files = files_under(root, "engine/include")
        self.front_files = files_under(root, "src") + files_under(root, "engine/cli")
        # "model" -> {"nn"}: the folders of the C sources of each name
        # (CUDA's model.cu, run.cu only where no C file has the name).
        self.stems = collections.defaultdict(set)
        for ext in (".c", ".cu"):
            for p in self.engine_files:
                stem, e = os.path.splitext(os.path.basename(p))
                if e == ext and (ext == ".c" or stem not in self.stems):
                    self.stems[stem].add(self.folder_of(p))

    def folder_of(self, path):
        """engine/src/backend/cpu/x.c -> "backend/cpu"; None outside."""
        r = os.path.relpath(path, self.src)
        if r.startswith(".."):
            return None
        d = os.path.dirname(r)
        for layer in sorted(LAYERS, key=len, reverse=True):
            if d == layer or d.startswith(layer + "/"):
                return layer
        return d or "."

    def owner_of(self, header):
        """The folder a public header "dlab/name.h" belongs to."""
        name = os.path.basename(header)
        if name in OWNERS:
            return OWNERS[name]
        folders = self.stems.get(os.path.splitext(name)[0], set())
        return next(iter(folders)) if len(folders) == 1 else None

    def resolve(self, path, inc):
        """The file an include names, or None (system, generated)."""
        for base in (os.path.dirname(path), self.public, self.src):
            p = os.path.normpath(os.path.join(base, inc))
            if os.path.isfile(p):
                return p
        return None


def check_relative(tree, files):
    bad = []
    for p in files:
        bad += [f"{rel(tree.root, p)}: #include \"{inc}\"" for inc in includes_of(p) if inc.startswith("../")]
    return bad


def folder_edges(tree):
    """{folder: {included folder: [file: include, ...]}} and problems."""
    edges = collections.defaultdict(lambda: collections.defaultdict(list))
    problems = []
    for p in tree.engine_files + tree.public_files:
        is_public = p.startswith(tree.public + os.sep)
        here = tree.owner_of(p) if is_public else tree.folder_of(p)
        if here is None:
            problems.append(f"{rel(tree.root, p)}: no folder owns this public header (add it to OWNERS)")
            continue
        for inc in includes_of(p):
            target = tree.resolve(p, inc)
            if target is None:
                continue
            there = tree.owner_of(target) if target.startswith(tree.public + os.sep) else tree.folder_of(target)
            if there is None:
                problems.append(f"{rel(tree.root, target)}: no folder owns this public header (add it to OWNERS)")
            elif there != here:
                edges[here][there].append(f"{rel(tree.root, p)}: \"{inc}\"")
    return edges, sorted(set(problems))


def check_layers(edges):
    bad = []
    for here, theirs in sorted(edges.items()):
        if here not in LAYERS:
            bad.append((here, f"{here}/: not in LAYERS (tools/check-includes.py)"))
            continue
        for there, where in sorted(theirs.items()):
            if there not in LAYERS:
                bad.append((there, f"{there}/: not in LAYERS (tools/check-includes.py)"))
            elif LAYERS.index(there) > LAYERS.index(here):
                bad += [(here, f"{w}: {here}/ includes {there}/, a layer above it") for w in where]
    return bad


def private_includes(tree, files):
    """Includes of the engine's own headers (engine/src) from `files`."""
    bad = []
    for p in files:
        for inc in includes_of(p):
            target = tree.resolve(p, inc)
            if target and target.startswith(tree.src + os.sep):
                bad.append(f"{rel(tree.root, p)}: \"{inc}\" is one of the engine's own headers")
    return bad


def cycles(graph):
    """Every strongly connected group of more than one node (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1 or v in graph.get(v, ()):
                out.append(sorted(group))

    sys.setrecursionlimit(100000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def header_cycles(tree):
    graph = {}
    for p in tree.engine_files + tree.public_files + tree.front_files:
        if p.endswith((".h", ".cuh")):
            graph[p] = {t for t in (tree.resolve(p, i) for i in includes_of(p)) if t and t.endswith((".h", ".cuh"))}
    return [" -> ".join(rel(tree.root, p) for p in group) for group in cycles(graph)]


def object_sources(tree):
    """meson's object names ("src_nn_model.c.o") -> source paths."""
    names = {}
    for top in ("engine", "engine/cli", "src"):
        base = os.path.join(tree.root, top)
        for p in files_under(tree.root, top):
            names[rel(base, p).replace("/", "_") + ".o"] = p
    return names


def objects_of(target):
    """A library's archive, or the objects meson keeps of a program (in
    PROGRAM.p/, beside it)."""
    if target.endswith(".a"):
        return [target]
    objects = sorted(glob.glob(glob.escape(target) + ".p/*.o"))
    if not objects:
        raise SystemExit(f"Bail out! no objects of {target} in {target}.p/")
    return objects


def object_circles(tree, target):
    defined, used = {}, collections.defaultdict(set)
    for flags, table in ((["--defined-only"], "defined"), (["-u"], "used")):
        out = subprocess.run(["nm", "-o", *flags, *objects_of(target)], capture_output=True, text=True,
                             check=True).stdout
        for line in out.splitlines():
            fields = line.split()
            if len(fields) < 2:
                continue
            # "lib.a:obj.o:ADDRESS T name" or "obj.o:ADDRESS T name"
            obj = os.path.basename(fields[0].split(":")[-2])
            if table == "defined" and len(fields) >= 3 and fields[1] in "TDBR":
                defined[fields[2]] = obj
            elif table == "used":
                used[obj].add(fields[-1])
    sources = object_sources(tree)
    unit = class_units(sources)
    graph = collections.defaultdict(set)
    for obj, symbols in used.items():
        graph[unit(obj)] |= {unit(defined[s]) for s in symbols if s in defined and unit(defined[s]) != unit(obj)}
    return [[sources.get(o, o) for o in group] for group in cycles(graph)]


def class_units(sources):
    """One class split across files (as gnome-text-editor's editor-page.c
    and editor-page-actions.c) counts as one file: NAME.c and each file
    that includes NAME-private.h. Returns object -> the object of NAME.c,
    or the object itself."""
    object_of = {p: o for o, p in sources.items()}
    owner = {}
    for obj, path in sources.items():
        for inc in includes_of(path) if path.endswith(".c") else ():
            if inc.endswith("-private.h"):
                main = os.path.join(os.path.dirname(path), inc[: -len("-private.h")] + ".c")
                owner[obj] = object_of.get(main, obj)
    return lambda obj: owner.get(obj, obj)


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def check(self, what, problems, pending=()):
        self.n += 1
        ok = not problems
        self.failed += not ok
        print(f"{'ok' if ok else 'not ok'} {self.n} - {what}")
        for p in problems:
            print(f"#   {p}")
        for p in pending:
            print(f"#   pending: {p}")


def split_pending(items):
    """(folder, message) pairs -> (failures, pending ones)."""
    fail = [m for f, m in items if f not in PENDING]
    wait = [f"{m} [{PENDING[f]}]" for f, m in items if f in PENDING]
    return fail, wait


def folder_of_source(tree, path):
    return tree.folder_of(path) if path.startswith(tree.src + os.sep) else None


def main(argv):
    args = argv[:argv.index("--objects")] if "--objects" in argv else argv
    libs = argv[argv.index("--objects") + 1:] if "--objects" in argv else []
    root = os.path.abspath(args[0] if args else os.path.join(os.path.dirname(__file__), ".."))
    tree = Tree(root)
    tap = Tap()

    edges, owner_problems = folder_edges(tree)
    print("# Each engine folder and the folders it includes (bottom layer first):")
    present = [f for f in LAYERS if os.path.isdir(os.path.join(tree.src, f))]
    for here in present + sorted(set(edges) - set(LAYERS)):
        below = sorted(edges.get(here, ()), key=lambda f: LAYERS.index(f) if f in LAYERS else -1)
        print(f"#   {here}/ -> {', '.join(f + '/' for f in below) or '(nothing)'}")

    tap.check("no #include \"../ in the engine, the CLI or the application",
              check_relative(tree, tree.engine_files + tree.public_files + tree.front_files))
    fail, wait = split_pending(check_layers(edges))
    tap.check("each engine folder includes only its own and lower folders (LAYERS)", fail + owner_problems, wait)
    tap.check("the application and the CLI include only public headers (include/dlab)",
              private_includes(tree, tree.front_files))
    tap.check("public headers include only public headers", private_includes(tree, tree.public_files))
    tap.check("no header includes itself through others", header_cycles(tree))
    if libs and not shutil.which("nm"):
        print("# nm (binutils) not found: the circles between files are not checked")
        libs = []
    for lib in libs:
        fail, wait = [], []
        for group in object_circles(tree, lib):
            folders = {folder_of_source(tree, p) for p in group}
            text = " <-> ".join(rel(root, p) if os.path.isabs(p) else p for p in group)
            (wait if folders and folders <= set(PENDING) else fail).append(
                text + (f" [{PENDING[next(iter(folders))]}]" if folders and folders <= set(PENDING) else ""))
        tap.check(f"no circle of calls between the files of {os.path.basename(lib)}", fail,
                  [w for w in wait])
    for f in PENDING if libs else ():
        if f not in {h for h, _ in check_layers(edges)} and not any(
            f == folder_of_source(tree, p) for lib in libs for g in object_circles(tree, lib) for p in g
        ):
            print(f"# {f}/ now checks clean: remove it from PENDING in tools/check-includes.py")
    print(f"1..{tap.n}")
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
