"""``ember.Tensor``: a thin Python wrapper over ``_C.Tensor``.

Attributes used by autograd (``requires_grad``, ``grad``, ``grad_fn``) are plain Python
attributes with class-level defaults, so wrapping a C++ result costs one object allocation.
Op families (``ember/_ops/*.py``) attach their methods with ``_register_method``.
"""
import builtins
import numbers

import numpy as np

from . import _C
from ._device import _parse as _parse_device
from ._device import device as _device_cls
from ._dtype import _BY_CODE, _to_dtype, get_default_dtype
from . import _dtype as _dt

__all__ = ["Tensor", "is_tensor", "from_numpy", "numel", "Size"]

_new = object.__new__


class Size(tuple):
    """A tuple of dimension sizes, as ``torch.Size`` (``t.shape`` / ``t.size()``)."""

    def __repr__(self):
        return f"ember.Size([{', '.join(str(s) for s in self)}])"

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n


_c_view = _C.view


def _wrap(c):
    t = _new(Tensor)
    t._t = c
    return t


def _shape_arg(args, op):
    """Accept f(2, 3), f((2, 3)), f([2, 3]) or f(Size)."""
    # fast path: plain ints, given inline or as one tuple/list/Size (bool is not `int` by type)
    seq = args[0] if len(args) == 1 and type(args[0]) in _SEQ_TYPES else args
    for s in seq:
        if type(s) is not int:
            break
    else:
        return list(seq)
    if len(args) == 1 and not isinstance(args[0], numbers.Integral):
        a = args[0]
        if isinstance(a, Tensor):
            a = a.tolist()
        try:
            args = tuple(a)
        except TypeError:
            raise TypeError(f"[{op}] expected a sequence of ints for the shape, got {type(a).__name__}") from None
    out = []
    for s in args:
        if isinstance(s, Tensor):
            s = s.item()
        if isinstance(s, builtins.bool) or not isinstance(s, numbers.Integral):
            raise TypeError(f"[{op}] shape elements must be ints, got {type(s).__name__}")
        out.append(int(s))
    return out


_SEQ_TYPES = frozenset((tuple, list, Size))


def _dims_arg(dim, op):
    if isinstance(dim, numbers.Integral):
        return [int(dim)]
    if dim is None:
        return None
    return [int(d) for d in dim]


class Tensor:
    """A multi-dimensional array of one dtype on one device, with PyTorch's Tensor API."""

    requires_grad = False
    grad = None
    grad_fn = None
    _retains_grad = False
    _backward_hooks = None
    _base = None
    __array_priority__ = 1000

    def __init__(self, *args, **kwargs):
        raise TypeError("[Tensor] construct tensors with ember.tensor(data), ember.empty(shape) or ember.zeros(shape)")

    # ---- metadata ---------------------------------------------------------------------------
    @property
    def shape(self):
        return Size(self._t.sizes)

    def size(self, dim=None):
        """The shape as an ``ember.Size``, or the size of one dimension."""
        s = self._t.sizes
        if dim is None:
            return Size(s)
        n = len(s)
        if not -builtins.max(n, 1) <= dim < builtins.max(n, 1) or n == 0:
            raise IndexError(f"[size] Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
        return s[dim]

    @property
    def dtype(self):
        return _BY_CODE[self._t.dtype]

    @property
    def device(self):
        return _parse_device(self._t.device)

    @property
    def is_cuda(self):
        return self._t.device.startswith("cuda")

    @property
    def is_cpu(self):
        return self._t.device == "cpu"

    @property
    def ndim(self):
        return self._t.ndim

    def dim(self):
        """Number of dimensions."""
        return self._t.ndim

    ndimension = dim

    def numel(self):
        """Number of elements."""
        return self._t.numel()

    nelement = numel

    def element_size(self):
        """Bytes per element."""
        return self._t.itemsize

    @property
    def itemsize(self):
        return self._t.itemsize

    @property
    def nbytes(self):
        return self._t.itemsize * self._t.numel()

    def stride(self, dim=None):
        """Strides in elements, or the stride of one dimension."""
        st = tuple(self._t.strides)
        if dim is None:
            return st
        n = len(st)
        if not -n <= dim < n:
            raise IndexError(f"[stride] Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
        return st[dim]

    def storage_offset(self):
        """Offset of the first element in the underlying storage, in elements."""
        return self._t.offset

    def data_ptr(self):
        """Address of the first element."""
        return self._t.data_ptr()

    def untyped_storage_ptr(self):
        return self._t.storage_ptr

    def is_contiguous(self, memory_format=None):
        """True when the elements are laid out row-major without gaps."""
        return self._t.is_contiguous()

    def is_floating_point(self):
        return self.dtype.is_floating_point

    def is_complex(self):
        return False

    def is_signed(self):
        return self.dtype.is_signed

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def _version(self):
        return self._t.version

    @property
    def data(self):
        """The same data without autograd history."""
        return _wrap(self._t)

    @data.setter
    def data(self, other):
        if not isinstance(other, Tensor):
            raise TypeError(f"[data] expected a Tensor, got {type(other).__name__}")
        self._t.set_(other._t)

    # ---- conversion -------------------------------------------------------------------------
    def numpy(self, *, force=False):
        """A numpy array sharing memory with this CPU tensor."""
        if self.requires_grad and not force:
            raise RuntimeError("[numpy] Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        if self.dtype is _dt.bfloat16:
            raise TypeError("[numpy] Got unsupported ScalarType BFloat16")
        return self._t.numpy()  # a CUDA tensor raises TypeError (as torch): use .cpu() first

    def __array__(self, dtype=None, copy=None):
        if self._t.device != "cpu":  # printing, tolist, item: copy to the host first
            return self.cpu().__array__(dtype)
        a = self.numpy(force=True) if self.dtype is not _dt.bfloat16 else self.float().numpy(force=True)
        return a if dtype is None else a.astype(dtype, copy=False)

    def item(self):
        """The value of a one-element tensor as a Python number."""
        n = self._t.numel()
        if n != 1:
            raise RuntimeError(f"[item] a Tensor with {n} elements cannot be converted to Scalar")
        a = self.__array__()
        return a.reshape(()).item()

    def tolist(self):
        """The data as (nested) Python lists of numbers."""
        return self.__array__().tolist()

    def __len__(self):
        if self._t.ndim == 0:
            raise TypeError("[len] len() of a 0-d tensor")
        return self._t.sizes[0]

    def __iter__(self):
        if self._t.ndim == 0:
            raise TypeError("[iter] iteration over a 0-d tensor")
        return (self[i] for i in range(self._t.sizes[0]))

    def _one(self, kind):
        n = self._t.numel()
        if n != 1:
            raise RuntimeError(f"[{kind}] Boolean value of Tensor with more than one value is ambiguous" if kind == "bool"
                               else f"[{kind}] only one element tensors can be converted to Python scalars")
        return self.item()

    def __bool__(self):
        return builtins.bool(self._one("bool"))

    def __float__(self):
        return builtins.float(self._one("float"))

    def __int__(self):
        return builtins.int(self._one("int"))

    def __index__(self):
        if self.dtype.is_floating_point or self.dtype is _dt.bool:
            raise TypeError("[__index__] only integer tensors of a single element can be converted to an index")
        return builtins.int(self._one("index"))

    def __complex__(self):
        return complex(self._one("complex"))

    __hash__ = object.__hash__

    def __repr__(self):
        from ._printing import tensor_repr
        return tensor_repr(self)

    __str__ = __repr__

    def __format__(self, spec):
        if self._t.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __reduce_ex__(self, proto):
        return (_rebuild, (self.__array__().copy(), self.dtype._name, self.requires_grad))

    def __deepcopy__(self, memo):
        out = self.clone().detach() if hasattr(self, "detach") else _wrap(_C.clone(self._t))
        out.requires_grad = self.requires_grad
        memo[id(self)] = out
        return out

    # ---- dtype / device conversion ----------------------------------------------------------
    def to(self, *args, **kwargs):
        """Convert dtype and/or device: ``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other)``."""
        dtype = kwargs.pop("dtype", None)
        dev = kwargs.pop("device", None)
        copy = kwargs.pop("copy", False)
        non_blocking = kwargs.pop("non_blocking", False)
        kwargs.pop("memory_format", None)
        if kwargs:
            raise TypeError(f"[to] unexpected keyword arguments {sorted(kwargs)}")
        for a in args:
            if isinstance(a, Tensor):
                dtype, dev = a.dtype, a.device
            elif isinstance(a, (_dt.dtype, type)) and not isinstance(a, str):
                dtype = a
            elif isinstance(a, (str, _device_cls, builtins.int)):
                dev = a
            elif a is None:
                continue
            else:
                raise TypeError(f"[to] received an invalid combination of arguments: {type(a).__name__}")
        out = self
        if dev is not None:
            d = _parse_device(dev)
            if d.type != "cpu":
                from . import cuda as _cuda
                _cuda._lazy_check(d)
            target = str(d) if d.index is not None or d.type == "cpu" else f"cuda:{_cuda.current_device()}"
            if target != self._t.device or copy:
                return _to_device(self, target, dtype, non_blocking, copy)
        if dtype is not None:
            dtype = _to_dtype(dtype)
            if dtype is not self.dtype or copy:
                return self._convert(dtype, copy)
        if copy:
            return self.clone()
        return out

    def _convert(self, dtype, copy=False):
        return _wrap(_C.to_dtype(self._t, dtype._code, copy))

    def _to_device(self, dev, non_blocking=False, copy=False):
        """A copy on device ``dev`` (a string); differentiable (wired in ember.cuda)."""
        return _wrap(_C.to_device(self._t, dev, non_blocking, copy))

    def type(self, dtype=None, non_blocking=False):
        if dtype is None:
            return "ember." + {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
                               "bfloat16": "BFloat16Tensor", "int64": "LongTensor", "int32": "IntTensor",
                               "int16": "ShortTensor", "int8": "CharTensor", "uint8": "ByteTensor",
                               "bool": "BoolTensor"}[self.dtype._name]
        return self.to(_to_dtype(dtype))

    def type_as(self, other):
        return self.to(other.dtype)

    def cpu(self, memory_format=None):
        return self.to("cpu")

    def cuda(self, device=None, non_blocking=False, memory_format=None):
        if isinstance(device, builtins.int) and not isinstance(device, builtins.bool):
            device = f"cuda:{device}"
        return self.to("cuda" if device is None else device, non_blocking=non_blocking)

    def pin_memory(self, device=None):
        """A copy of this CPU tensor in page-locked host memory (fast, asynchronous transfers)."""
        if self.is_pinned():
            return self
        return _wrap(_C.pin_memory(self._t))

    def is_pinned(self, device=None):
        """True when this CPU tensor lives in page-locked (pinned) host memory."""
        return _C.is_pinned(self._t)

    def record_stream(self, stream):
        """Mark this CUDA tensor's memory as in use by ``stream`` (see ember.cuda caching allocator)."""
        _C._cuda_record_stream(self._t, stream.cuda_stream)

    def float(self, memory_format=None):
        return self.to(_dt.float32)

    def double(self, memory_format=None):
        return self.to(_dt.float64)

    def half(self, memory_format=None):
        return self.to(_dt.float16)

    def bfloat16(self, memory_format=None):
        return self.to(_dt.bfloat16)

    def long(self, memory_format=None):
        return self.to(_dt.int64)

    def int(self, memory_format=None):
        return self.to(_dt.int32)

    def short(self, memory_format=None):
        return self.to(_dt.int16)

    def char(self, memory_format=None):
        return self.to(_dt.int8)

    def byte(self, memory_format=None):
        return self.to(_dt.uint8)

    def bool(self, memory_format=None):
        return self.to(_dt.bool)

    # ---- new_* ------------------------------------------------------------------------------
    def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
        from ._ops.creation import empty
        return empty(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
        from ._ops.creation import zeros
        return zeros(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
        from ._ops.creation import ones
        return ones(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)

    def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
        from ._ops.creation import full
        return full(size, fill_value, dtype=dtype or self.dtype, device=device or self.device,
                    requires_grad=requires_grad)

    def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
        from ._ops.creation import tensor
        return tensor(data, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)

    # ---- views and copies -------------------------------------------------------------------
    def view(self, *shape):
        """A view with a new shape (one -1 allowed), or ``view(dtype)`` to reinterpret the bytes."""
        if len(shape) == 1 and isinstance(shape[0], (_dt.dtype, type)):
            return _wrap(_C.view_dtype(self._t, _to_dtype(shape[0])._code))
        return _wrap(_c_view(self._t, _shape_arg(shape, "view")))

    def view_as(self, other):
        return self.view(other.shape)

    def reshape(self, *shape):
        """A view when strides allow it, otherwise a copy, with the new shape."""
        return _wrap(_C.reshape(self._t, _shape_arg(shape, "reshape")))

    def reshape_as(self, other):
        return self.reshape(other.shape)

    def permute(self, *dims):
        """Reorder dimensions (a view)."""
        return _wrap(_C.permute(self._t, _shape_arg(dims, "permute")))

    def transpose(self, dim0, dim1):
        """Swap two dimensions (a view)."""
        return _wrap(_C.transpose(self._t, dim0, dim1))

    swapaxes = swapdims = transpose

    def t(self):
        """Transpose a tensor of at most 2 dimensions."""
        return _wrap(_C.t(self._t))

    @property
    def T(self):
        n = self._t.ndim
        return _wrap(_C.permute(self._t, list(range(n - 1, -1, -1))))

    @property
    def mT(self):
        if self._t.ndim < 2:
            raise RuntimeError(f"[mT] tensor.mT is only supported on matrices or batches of matrices. Got {self._t.ndim}-D tensor.")
        return _wrap(_C.transpose(self._t, -2, -1))

    @property
    def H(self):
        if self._t.ndim not in (0, 2):
            raise RuntimeError(f"[H] tensor.H is only supported on matrices (2-D tensors). Got {self._t.ndim}-D tensor.")
        return self.t()

    @property
    def mH(self):
        return self.mT

    def adjoint(self):
        return self.mT

    def expand(self, *sizes):
        """Broadcast size-1 dimensions to larger sizes without copying (-1 keeps a size)."""
        return _wrap(_C.expand(self._t, _shape_arg(sizes, "expand")))

    def expand_as(self, other):
        return self.expand(other.shape)

    def broadcast_to(self, shape):
        return _wrap(_C.expand(self._t, _shape_arg((shape,), "broadcast_to")))

    def squeeze(self, dim=None):
        """Remove size-1 dimensions (all, or those named)."""
        if dim is None:
            return _wrap(_C.squeeze(self._t))
        return _wrap(_C.squeeze_dims(self._t, _dims_arg(dim, "squeeze")))

    def unsqueeze(self, dim):
        """Insert a size-1 dimension at ``dim``."""
        return _wrap(_C.unsqueeze(self._t, dim))

    def squeeze_(self, dim=None):
        self._set_view(self.squeeze(dim))
        return self

    def unsqueeze_(self, dim):
        self._set_view(self.unsqueeze(dim))
        return self

    def t_(self):
        self._set_view(self.t())
        return self

    def transpose_(self, dim0, dim1):
        self._set_view(self.transpose(dim0, dim1))
        return self

    def as_strided_(self, size, stride, storage_offset=None):
        self._set_view(self.as_strided(size, stride, storage_offset))
        return self

    def _set_view(self, v):
        self._t.set_(v._t)

    def flatten(self, start_dim=0, end_dim=-1):
        """Merge dimensions start_dim..end_dim into one."""
        return _wrap(_C.flatten(self._t, start_dim, end_dim))

    def ravel(self):
        return self.reshape(-1)

    def unflatten(self, dim, sizes):
        """Split dimension ``dim`` into ``sizes``."""
        return _wrap(_C.unflatten(self._t, dim, _shape_arg((sizes,), "unflatten")))

    def select(self, dim, index):
        """The slice at ``index`` along ``dim``, with that dimension removed (a view)."""
        return _wrap(_C.select(self._t, dim, int(index)))

    def narrow(self, dim, start, length):
        """Elements start..start+length along ``dim`` (a view)."""
        return _wrap(_C.narrow(self._t, dim, int(start), int(length)))

    def unfold(self, dimension, size, step):
        """All windows of ``size`` along ``dimension`` with stride ``step``, as a new last dim (a view)."""
        return _wrap(_C.unfold(self._t, dimension, size, step))

    def as_strided(self, size, stride, storage_offset=None):
        return _wrap(_C.as_strided(self._t, list(size), list(stride), storage_offset))

    def diagonal(self, offset=0, dim1=0, dim2=1):
        """The diagonal with respect to dim1 and dim2, as a view appended as the last dim."""
        return _wrap(_C.diagonal(self._t, offset, dim1, dim2))

    def movedim(self, source, destination):
        src = [source] if isinstance(source, numbers.Integral) else list(source)
        dst = [destination] if isinstance(destination, numbers.Integral) else list(destination)
        return _wrap(_C.movedim(self._t, src, dst))

    moveaxis = movedim

    def contiguous(self, memory_format=None):
        """This tensor if already contiguous, else a contiguous copy."""
        return _wrap(_C.contiguous(self._t))

    def clone(self, *, memory_format=None):
        """A copy with its own storage."""
        return _wrap(_C.clone(self._t))

    def copy_(self, src, non_blocking=False):
        """Copy ``src`` into this tensor in place, broadcasting and converting dtype."""
        if not isinstance(src, Tensor):
            raise TypeError(f"[copy_] expected a Tensor as src, got {type(src).__name__}")
        if non_blocking:  # asynchronous when one side is pinned host memory and the other cuda
            _C.copy_nb(self._t, src._t, True)
        else:
            _C.copy_(self._t, src._t)
        return self

    def fill_(self, value):
        """Fill with one value in place."""
        if isinstance(value, Tensor):
            _C.fill_tensor_(self._t, value._t)
        else:
            _C.fill_(self._t, value)
        return self

    def zero_(self):
        """Fill with zeros in place."""
        _C.fill_(self._t, 0)
        return self

    def requires_grad_(self, requires_grad=True):
        """Set ``requires_grad`` in place (leaf tensors of floating dtype only)."""
        if requires_grad and not self.dtype.is_floating_point:
            raise RuntimeError("[requires_grad_] only Tensors of floating point dtype can require gradients")
        self.requires_grad = requires_grad
        return self

    def detach(self):
        """The same data, cut off from the autograd graph."""
        return _wrap(self._t)

    def detach_(self):
        self.grad_fn = None
        self.requires_grad = False
        return self

    # Arithmetic, comparison and indexing operators are attached by the op families
    # (ember/_ops/*.py) through _register_method.


def _register_method(name=None):
    """Decorator used by op families: attach ``fn`` to Tensor as a method named ``name``."""
    def deco(fn):
        setattr(Tensor, name or fn.__name__, fn)
        return fn
    return deco


def _to_device(t, dev, dtype, non_blocking, copy):
    """``t.to(dev, dtype)``: move (on the grad path too), then convert the dtype on the target device."""
    out = t._to_device(dev, non_blocking, copy)
    if dtype is not None:
        dtype = _to_dtype(dtype)
        if dtype is not out.dtype:
            out = out._convert(dtype)
    return out


def _rebuild(arr, dtype_name, requires_grad):
    from ._ops.creation import tensor
    return tensor(arr, dtype=_dt._BY_NAME[dtype_name], requires_grad=requires_grad)


def is_tensor(obj):
    """True when ``obj`` is an ember Tensor."""
    return isinstance(obj, Tensor)


def from_numpy(arr):
    """A tensor sharing memory with a numpy array (no copy)."""
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"[from_numpy] expected np.ndarray (got {type(arr).__name__})")
    return _wrap(_C.from_numpy(arr))


def numel(t):
    """Number of elements of a tensor."""
    return t.numel()
