"""``ember.save`` / ``ember.load``: tensors in the safetensors format, never pickle.

A file is a standard safetensors file: an 8-byte little-endian header length, a JSON header
(name -> dtype, shape, byte offsets) and the raw little-endian data. Non-tensor structure
(nested dicts with int keys, lists, tuples, numbers, strings, None — e.g. an optimizer's
state_dict) is kept as JSON in the header's ``__metadata__["ember"]`` with tensors replaced by
references, so loading a file only parses JSON and copies bytes: it can never run code.

A flat ``{name: tensor}`` dict (a module's state_dict) is stored under its own names, so the
file is readable by any safetensors tool, and files written by ``safetensors.torch.save_file``
load as ``{name: tensor}`` dicts.

Devices: the data of a CUDA tensor is copied to the host to be written, and its device ("cuda:0")
is recorded in ``__metadata__["ember_devices"]`` (only for non-CPU tensors). ``load`` puts each
tensor back on its recorded device unless ``map_location`` says otherwise, as ``torch.load``:
a device or string (every tensor goes there), a dict ``{saved location: new location}``, or a
callable ``f(cpu_tensor, saved_location)`` returning the tensor to use (None: the saved location).
"""
import collections
import json
import math
import os
import struct

import numpy as np

from . import _C
from ._dtype import _BY_NAME
from ._tensor import Tensor, _wrap

__all__ = ["save", "load"]

_ST_DTYPES = {"bool": "BOOL", "uint8": "U8", "int8": "I8", "int16": "I16", "int32": "I32", "int64": "I64",
              "float16": "F16", "bfloat16": "BF16", "float32": "F32", "float64": "F64"}
_FROM_ST = {v: k for k, v in _ST_DTYPES.items()}
_NP = {"bool": np.bool_, "uint8": np.uint8, "int8": np.int8, "int16": np.int16, "int32": np.int32,
       "int64": np.int64, "float16": np.float16, "bfloat16": np.uint16, "float32": np.float32, "float64": np.float64}
_MAX_HEADER = 100 * 1024 * 1024


def _tensor_bytes(t):
    t = t.detach()
    if t.dtype._name == "bfloat16":
        arr = t.contiguous().view(_BY_NAME["int16"]).numpy()
    else:
        arr = t.contiguous().numpy()
    return np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<"), copy=False).tobytes()


def _encode(obj, tensors, path):
    """JSON-able structure of ``obj`` with each tensor replaced by {"__tensor__": name}."""
    if isinstance(obj, Tensor):
        name = path or "tensor"
        while name in tensors:
            name += "_"
        tensors[name] = obj
        return {"__tensor__": name}
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        f = float(obj)
        return f if math.isfinite(f) else {"__float__": repr(f)}
    if isinstance(obj, tuple):
        return {"__tuple__": [_encode(v, tensors, f"{path}.{i}") for i, v in enumerate(obj)]}
    if isinstance(obj, list):
        return [_encode(v, tensors, f"{path}.{i}") for i, v in enumerate(obj)]
    if isinstance(obj, dict):
        items = []
        for k, v in obj.items():
            if not isinstance(k, (str, int, float, bool)) and k is not None:
                raise TypeError(f"[save] dict keys must be str/int/float/bool/None, got {type(k).__name__}")
            items.append([k, _encode(v, tensors, f"{path}.{k}" if path else str(k))])
        kind = "__odict__" if isinstance(obj, collections.OrderedDict) else "__dict__"
        return {kind: items}
    raise TypeError(f"[save] cannot save an object of type {type(obj).__name__}: ember files hold tensors, "
                    f"numbers, strings, None and dicts/lists/tuples of them (no pickle)")


def save(obj, f):
    """Save a tensor or a nested dict/list/tuple of tensors and plain values to path ``f``."""
    tensors = {}
    flat = isinstance(obj, dict) and obj and all(isinstance(k, str) and isinstance(v, Tensor)
                                                 for k, v in obj.items())
    if flat:
        for k, v in obj.items():
            tensors[k] = v
        structure = {"__flat__": list(obj.keys()), "ordered": isinstance(obj, collections.OrderedDict)}
    else:
        structure = _encode(obj, tensors, "")
    header = {"__metadata__": {"format": "pt", "ember": json.dumps(structure)}}
    devices = {}
    blobs, off = [], 0
    for name, t in tensors.items():
        if t.device.type != "cpu":
            devices[name] = str(t.device)
            t = t.detach().cpu()
        b = _tensor_bytes(t)
        header[name] = {"dtype": _ST_DTYPES[t.dtype._name], "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    if devices:
        header["__metadata__"]["ember_devices"] = json.dumps(devices)
    hb = json.dumps(header, separators=(",", ":")).encode()
    hb += b" " * (-len(hb) % 8)  # align the data section to 8 bytes
    path = os.fspath(f)
    tmp = path + ".tmp"
    with open(tmp, "wb") as fh:
        fh.write(struct.pack("<Q", len(hb)))
        fh.write(hb)
        for b in blobs:
            fh.write(b)
    os.replace(tmp, path)  # never leave a half-written file under the real name


def _refuse_pickle(head, path):
    if head[:4] == b"PK\x03\x04" or head[:1] == b"\x80":
        raise RuntimeError(
            f"[load] {path} looks like a PyTorch pickle checkpoint (torch.save). ember never unpickles files, "
            "because unpickling can run arbitrary code. Convert it once in PyTorch: "
            "`from safetensors.torch import save_file; save_file(torch.load(path), 'model.safetensors')` "
            "(for a module: save_file(model.state_dict(), ...)) and load the .safetensors file.")


def _decode(s, tensors):
    if isinstance(s, list):
        return [_decode(v, tensors) for v in s]
    if isinstance(s, dict):
        if "__tensor__" in s:
            return tensors[s["__tensor__"]]
        if "__tuple__" in s:
            return tuple(_decode(v, tensors) for v in s["__tuple__"])
        if "__float__" in s:
            return float(s["__float__"])
        if "__dict__" in s or "__odict__" in s:
            d = collections.OrderedDict() if "__odict__" in s else {}
            for k, v in s.get("__dict__", s.get("__odict__")):
                d[k] = _decode(v, tensors)
            return d
        raise ValueError(f"[load] corrupt structure entry {sorted(s)}")
    return s


def _move(t, dev):
    """``t`` (a CPU tensor) on device ``dev`` (a string or device object)."""
    dev = str(dev)
    if dev.startswith("cuda"):
        from . import cuda
        if not cuda.is_available():
            raise RuntimeError("[load] Attempting to deserialize object on a CUDA device but "
                               "ember.cuda.is_available() is False. If you are running on a CPU-only machine, "
                               "please use ember.load with map_location=ember.device('cpu') to map your "
                               "storages to the CPU.")
    elif dev != "cpu":
        raise RuntimeError(f"[load] don't know how to restore data location {dev!r}")
    return t if dev == "cpu" else t.to(dev)


def _restore(t, location, map_location):
    """The loaded CPU tensor ``t`` saved from ``location`` ("cpu", "cuda:0"), placed per ``map_location``."""
    if map_location is None:
        return _move(t, location)
    if isinstance(map_location, dict):
        return _move(t, map_location.get(location, location))
    if callable(map_location) and not isinstance(map_location, str) and not hasattr(map_location, "type"):
        r = map_location(t, location)
        if r is None:
            return _move(t, location)
        if not isinstance(r, Tensor):
            raise TypeError(f"[load] map_location callable must return a Tensor or None, got {type(r).__name__}")
        return r
    return _move(t, map_location)


def load(f, map_location=None, weights_only=True, mmap=None):
    """Load what ``save`` wrote (or any safetensors file) from path ``f``. All of the file is
    validated before anything is returned; a bad file raises ValueError/RuntimeError."""
    path = os.fspath(f)
    with open(path, "rb") as fh:
        data = fh.read()
    _refuse_pickle(data[:8], path)
    if len(data) < 8:
        raise ValueError(f"[load] {path} is truncated: no safetensors header")
    (n,) = struct.unpack("<Q", data[:8])
    if n > _MAX_HEADER or 8 + n > len(data):
        raise ValueError(f"[load] {path} is corrupt or truncated: header length {n} exceeds the file size "
                         f"{len(data)}")
    try:
        header = json.loads(data[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"[load] {path} has a corrupt header: {e}") from None
    if not isinstance(header, dict):
        raise ValueError(f"[load] {path} has a corrupt header")
    meta = header.pop("__metadata__", None) or {}
    body = memoryview(data)[8 + n:]
    tensors = {}
    spans = []
    for name, info in header.items():
        try:
            dt = _FROM_ST[info["dtype"]]
            shape = [int(s) for s in info["shape"]]
            b, e = (int(x) for x in info["data_offsets"])
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"[load] {path}: bad entry for tensor '{name}': {info}") from None
        if any(s < 0 for s in shape):
            raise ValueError(f"[load] {path}: tensor '{name}' has a negative dimension {shape}")
        count = int(np.prod(shape, dtype=np.int64)) if shape else 1
        itemsize = np.dtype(_NP[dt]).itemsize
        if not 0 <= b <= e <= len(body) or e - b != count * itemsize:
            raise ValueError(f"[load] {path} is corrupt or truncated: tensor '{name}' ({dt}{shape}) needs "
                             f"{count * itemsize} bytes at [{b}, {e}) of a {len(body)}-byte data section")
        spans.append((b, e, name))
        arr = np.frombuffer(body, dtype=np.dtype(_NP[dt]).newbyteorder("<"), count=count, offset=b)
        arr = arr.astype(arr.dtype.newbyteorder("="), copy=True).reshape(shape)
        if dt == "bfloat16":  # numpy has no bfloat16: carry the bits as int16
            t = _wrap(_C.view_dtype(_C.from_numpy(arr.view(np.int16)), _BY_NAME["bfloat16"]._code))
        else:
            t = _wrap(_C.from_numpy(arr))
        tensors[name] = t
    spans.sort()
    for (b0, e0, n0), (b1, e1, n1) in zip(spans, spans[1:]):
        if b1 < e0:
            raise ValueError(f"[load] {path} is corrupt: tensors '{n0}' and '{n1}' overlap")
    devices = {}
    if isinstance(meta, dict) and meta.get("ember_devices"):
        try:
            devices = json.loads(meta["ember_devices"])
            if not isinstance(devices, dict):
                raise ValueError("not a dict")
        except (ValueError, json.JSONDecodeError) as e:
            raise ValueError(f"[load] {path} has corrupt ember device metadata: {e}") from None
    for name in tensors:
        tensors[name] = _restore(tensors[name], str(devices.get(name, "cpu")), map_location)
    structure = meta.get("ember") if isinstance(meta, dict) else None
    if structure is None:  # a plain safetensors file (e.g. from safetensors.torch.save_file)
        return collections.OrderedDict((k, tensors[k]) for k in header)
    try:
        s = json.loads(structure)
        if isinstance(s, dict) and "__flat__" in s:
            d = collections.OrderedDict() if s.get("ordered") else {}
            for k in s["__flat__"]:
                d[k] = tensors[k]
            return d
        return _decode(s, tensors)
    except (KeyError, TypeError, ValueError, json.JSONDecodeError) as e:
        raise ValueError(f"[load] {path} has corrupt ember metadata: {e}") from None
