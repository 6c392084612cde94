"""dtype objects (``ember.float32`` ...) with PyTorch's names and aliases, plus finfo/iinfo."""
import numpy as np

from . import _C

__all__ = ["dtype", "bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32",
           "float64", "half", "float", "double", "short", "int", "long", "cfloat", "finfo", "iinfo",
           "get_default_dtype", "set_default_dtype", "is_floating_point", "promote_types", "result_type",
           "can_cast"]


class dtype:
    """An element type. Compare with ``is``/``==``; ``ember.float32.itemsize == 4``."""

    __slots__ = ("_code", "_name", "itemsize", "is_floating_point", "is_signed", "_np")

    def __init__(self, code, name, itemsize, is_floating_point, is_signed, np_dtype):
        self._code = code
        self._name = name
        self.itemsize = itemsize
        self.is_floating_point = is_floating_point
        self.is_signed = is_signed
        self._np = np_dtype

    @property
    def is_complex(self):
        return False

    def to_real(self):
        return self

    def __repr__(self):
        return "ember." + self._name

    def __reduce__(self):
        return (_dtype_by_name, (self._name,))


_ALL = [
    dtype(0, "bool", 1, False, False, np.bool_),
    dtype(1, "uint8", 1, False, False, np.uint8),
    dtype(2, "int8", 1, False, True, np.int8),
    dtype(3, "int16", 2, False, True, np.int16),
    dtype(4, "int32", 4, False, True, np.int32),
    dtype(5, "int64", 8, False, True, np.int64),
    dtype(6, "float16", 2, True, True, np.float16),
    dtype(7, "bfloat16", 2, True, True, None),
    dtype(8, "float32", 4, True, True, np.float32),
    dtype(9, "float64", 8, True, True, np.float64),
]
_BY_CODE = tuple(_ALL)
_BY_NAME = {d._name: d for d in _ALL}

bool, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64 = _ALL  # noqa: A001
half, float, double, short, int, long = float16, float32, float64, int16, int32, int64  # noqa: A001
cfloat = None  # complex dtypes are not supported

_NP_TO_DTYPE = {np.dtype(d._np): d for d in _ALL if d._np is not None}


def _dtype_by_name(name):
    return _BY_NAME[name]


def _from_numpy_dtype(npd):
    try:
        return _NP_TO_DTYPE[np.dtype(npd)]
    except KeyError:
        raise TypeError(f"[dtype] numpy dtype {npd} has no ember equivalent") from None


def _to_dtype(d):
    """Accept an ember dtype, a numpy dtype, a Python type (float/int/bool) or a name."""
    if isinstance(d, dtype):
        return d
    import builtins
    if d is builtins.float:
        return get_default_dtype()
    if d is builtins.int:
        return int64
    if d is builtins.bool:
        return bool
    if isinstance(d, str):
        n = d.replace("torch.", "").replace("ember.", "")
        aliases = {"float": float32, "double": float64, "half": float16, "long": int64, "int": int32, "short": int16}
        if n in aliases:
            return aliases[n]
        if n in _BY_NAME:
            return _BY_NAME[n]
    try:
        return _from_numpy_dtype(d)
    except TypeError:
        pass
    raise TypeError(f"[dtype] expected an ember.dtype, got {d!r}")


def get_default_dtype():
    """The dtype of floating tensors created from Python floats (float32 unless changed)."""
    return _BY_CODE[_C.get_default_dtype()]


def set_default_dtype(d):
    """Set the default floating dtype (float32 or float64, as in PyTorch)."""
    d = _to_dtype(d)
    if d not in (float32, float64, float16, bfloat16):
        raise TypeError(f"[set_default_dtype] only floating-point types are supported as the default type, got {d}")
    _C.set_default_dtype(d._code)


def is_floating_point(t):
    """True when the tensor's dtype is a floating type."""
    return t.dtype.is_floating_point


def promote_types(a, b):
    """The smallest dtype to which both dtypes can be safely cast (PyTorch's lattice)."""
    return _BY_CODE[_C.promote_types(_to_dtype(a)._code, _to_dtype(b)._code)]


def result_type(a, b):
    """The dtype of ``a op b`` for tensors or Python numbers, with PyTorch's priority rules."""
    from ._tensor import Tensor
    args = [x._t if isinstance(x, Tensor) else x for x in (a, b)]
    return _BY_CODE[_C.result_type(args)]


def can_cast(from_, to):
    """Whether a value of dtype ``from_`` may be written to ``to`` by an op (no float->int, no ->bool)."""
    f, t = _to_dtype(from_), _to_dtype(to)
    if f.is_floating_point and not t.is_floating_point:
        return False
    if f is not bool and t is bool:
        return False
    return True


class finfo:
    """Machine limits for floating dtypes (bits, eps, max, min, tiny, smallest_normal, resolution)."""

    def __init__(self, type=None):
        type = get_default_dtype() if type is None else _to_dtype(type)
        if not type.is_floating_point:
            raise TypeError(f"[finfo] finfo is only defined for floating-point dtypes, got {type}")
        self.dtype = type._name
        if type is bfloat16:
            self.bits, self.eps, self.max, self.tiny = 16, 0.0078125, 3.3895313892515355e38, 1.1754943508222875e-38
            self.resolution = 0.01
        else:
            fi = np.finfo(type._np)
            self.bits, self.eps, self.max = fi.bits, builtins_float(fi.eps), builtins_float(fi.max)
            self.tiny, self.resolution = builtins_float(fi.tiny), builtins_float(fi.resolution)
        self.min = -self.max
        self.smallest_normal = self.tiny

    def __repr__(self):
        return (f"finfo(resolution={self.resolution}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.tiny:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """Machine limits for integer dtypes (bits, min, max)."""

    def __init__(self, type):
        type = _to_dtype(type)
        if type.is_floating_point:
            raise TypeError(f"[iinfo] iinfo is only defined for integer dtypes, got {type}")
        self.dtype = type._name
        if type is bool:
            self.bits, self.min, self.max = 8, 0, 1
        else:
            ii = np.iinfo(type._np)
            self.bits, self.min, self.max = ii.bits, builtins_int(ii.min), builtins_int(ii.max)

    def __repr__(self):
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"


import builtins as _b  # noqa: E402

builtins_float, builtins_int = _b.float, _b.int
