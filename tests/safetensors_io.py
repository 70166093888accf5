"""Read and write safetensors files with only json, struct and numpy.

The tests use it to exchange weights with PyTorch (the safetensors package
is not installed here). Only float32 (F32) and int64 (I64) tensors, the
two dtypes Digit Lab checkpoints hold.

    tensors, metadata = read("model.safetensors")   # {name: ndarray}, {str: str}
    write("out.safetensors", {"fc.weight": w, "bn.num_batches_tracked": n}, {"dlab.arch": "..."})

Tensor order is kept both ways (dicts are ordered). Arrays may also be
torch tensors; they are copied to numpy first.

Run as a script to print a file's contents: python3 safetensors_io.py FILE
"""

import json
import math
import struct
import sys

import numpy as np

_DTYPES = {"F32": np.dtype("<f4"), "I64": np.dtype("<i8")}
_NAMES = {np.dtype(np.float32): "F32", np.dtype(np.int64): "I64"}
_MAX_HEADER = 100 * 1000 * 1000


class SafetensorsError(ValueError):
    pass


def read(path):
    """Returns (tensors, metadata): an ordered {name: ndarray} (native byte
    order, owning their memory) and a {str: str} of the __metadata__."""
    with open(path, "rb") as f:
        data = f.read()
    return parse(data, str(path))


def parse(data, what="<bytes>"):
    if len(data) < 8:
        raise SafetensorsError(f"{what}: {len(data)} bytes, too short for a safetensors file")
    (n,) = struct.unpack("<Q", data[:8])
    if n > len(data) - 8 or n > _MAX_HEADER:
        raise SafetensorsError(f"{what}: header length {n} is beyond the file or too large")
    try:
        header = json.loads(data[8 : 8 + n].decode("utf-8"), object_pairs_hook=_unique_keys)
    except (UnicodeDecodeError, ValueError) as e:
        raise SafetensorsError(f"{what}: bad header: {e}") from None
    if not isinstance(header, dict):
        raise SafetensorsError(f"{what}: the header is not a JSON object")
    body = data[8 + n :]
    metadata = header.pop("__metadata__", None) or {}
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        raise SafetensorsError(f"{what}: __metadata__ must map strings to strings")
    tensors, ranges = {}, []
    for name, entry in header.items():
        tensors[name], begin, end = _tensor(what, name, entry, body)
        ranges.append((begin, end, name))
    _check_tiling(what, ranges, len(body))
    return tensors, dict(metadata)


def _unique_keys(pairs):
    out = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"key {k!r} given twice")
        out[k] = v
    return out


def _tensor(what, name, entry, body):
    where = f"{what}: tensor {name}"
    if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
        raise SafetensorsError(f"{where}: needs exactly dtype, shape and data_offsets")
    dtype = _DTYPES.get(entry["dtype"])
    if dtype is None:
        raise SafetensorsError(f"{where}: dtype {entry['dtype']} is not supported (only F32 and I64)")
    shape, offsets = entry["shape"], entry["data_offsets"]
    if not (isinstance(shape, list) and all(_is_count(d) for d in shape)):
        raise SafetensorsError(f"{where}: shape must be a list of non-negative integers")
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(_is_count(o) for o in offsets)):
        raise SafetensorsError(f"{where}: data_offsets must be [begin, end]")
    begin, end = offsets
    need = math.prod(shape) * dtype.itemsize
    if begin > end or end > len(body) or end - begin != need:
        raise SafetensorsError(f"{where}: data_offsets {offsets} do not hold {need} bytes within the data")
    array = np.frombuffer(body, dtype=dtype, count=need // dtype.itemsize, offset=begin)
    return array.astype(dtype.newbyteorder("="), copy=True).reshape(shape), begin, end


def _is_count(v):
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _check_tiling(what, ranges, data_len):
    expected = 0
    for begin, end, name in sorted(ranges):
        if begin != expected:
            raise SafetensorsError(f"{what}: tensor {name} overlaps or leaves a gap (offset {begin}, expected {expected})")
        expected = end
    if expected != data_len:
        raise SafetensorsError(f"{what}: {data_len - expected} bytes of data after the last tensor")


def _as_array(value):
    if hasattr(value, "detach"):  # a torch tensor
        value = value.detach().cpu().numpy()
    array = np.asarray(value)
    if array.dtype not in _NAMES:
        raise SafetensorsError(f"dtype {array.dtype} is not supported (only float32 and int64)")
    return array


def serialize(tensors, metadata=None):
    """The bytes of a safetensors file, laid out as the reference writer
    lays them out: __metadata__ first, tensors in the given order with
    contiguous offsets, the header padded with spaces to a multiple of 8."""
    header, chunks, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name, value in tensors.items():
        array = _as_array(value)
        raw = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<")).tobytes()
        header[name] = {
            "dtype": _NAMES[array.dtype],
            "shape": list(array.shape),
            "data_offsets": [offset, offset + len(raw)],
        }
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def write(path, tensors, metadata=None):
    with open(path, "wb") as f:
        f.write(serialize(tensors, metadata))


def _main(argv):
    if len(argv) != 2:
        print("usage: safetensors_io.py FILE", file=sys.stderr)
        return 2
    tensors, metadata = read(argv[1])
    for key, value in metadata.items():
        print(f"{key}: {value}")
    for name, array in tensors.items():
        print(f"{name}\t{_NAMES[array.dtype]}\t{list(array.shape)}")
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv))
