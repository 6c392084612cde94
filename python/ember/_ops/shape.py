"""Shape/layout ops: joining, splitting, flipping/rolling/repeating, triangles and diagonals.

Every function follows PyTorch's name, argument names and defaults; the work happens in C++
(``csrc/ember/ops/shape``). Split-type ops return views; the rest return new tensors.
Differentiable ops are marked ``@differentiable``; the view/copy methods defined on ``Tensor``
itself are wired at the end of this file. Their gradients live in ``autograd/grad_fns/shape.py``.
"""
import builtins
import numbers

from .. import _C
from .. import _dtype as _dt
from .._dtype import _to_dtype
from .._tensor import Tensor, _register_method, _wrap
from ..autograd._dispatch import differentiable

__all__ = ["cat", "concat", "concatenate", "stack", "hstack", "vstack", "row_stack", "dstack", "column_stack",
           "split", "tensor_split", "chunk", "unbind", "flip", "fliplr", "flipud", "roll", "rot90", "tile",
           "repeat_interleave", "broadcast_tensors", "broadcast_shapes", "meshgrid", "tril", "triu",
           "tril_indices", "triu_indices", "diag", "diag_embed", "diagflat", "trace", "outer", "ger", "cross",
           "kron", "atleast_1d", "atleast_2d", "atleast_3d", "narrow_copy",
           # function forms of the Tensor view/copy methods
           "reshape", "view_copy", "permute", "transpose", "swapaxes", "swapdims", "t", "adjoint", "squeeze",
           "unsqueeze", "flatten", "unflatten", "ravel", "narrow", "select", "movedim", "moveaxis", "diagonal",
           "as_strided", "clone", "detach", "broadcast_to", "hsplit", "vsplit", "dsplit", "select_scatter",
           "slice_scatter", "diagonal_scatter"]


# ---- argument helpers ------------------------------------------------------------------------
def _tensor_list(tensors, op):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"[{op}] expected a tuple or list of Tensors, got {type(tensors).__name__}")
    out = []
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"[{op}] expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
        out.append(t._t)
    return out


def _check_tensor(x, op, name="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"[{op}] expected a Tensor as {name}, got {type(x).__name__}")
    return x._t


def _int(v, op, name):
    if isinstance(v, Tensor) and v.numel() == 1 and not v.dtype.is_floating_point and v.dtype is not _dt.bool:
        return int(v.item())
    if isinstance(v, builtins.bool) or not isinstance(v, numbers.Integral):
        raise TypeError(f"[{op}] argument '{name}' must be int, not {type(v).__name__}")
    return int(v)


def _int_list(v, op, name):
    """An int or a sequence of ints -> list of ints."""
    if isinstance(v, Tensor):
        v = v.tolist()
    if isinstance(v, numbers.Integral) and not isinstance(v, builtins.bool):
        return [int(v)]
    if not isinstance(v, (list, tuple)):
        raise TypeError(f"[{op}] argument '{name}' must be tuple of ints, not {type(v).__name__}")
    return [_int(x, op, name) for x in v]


def _varargs_ints(args, op, name):
    """f(1, 2), f((1, 2)) or f([1, 2]) -> [1, 2]."""
    if len(args) == 1 and not isinstance(args[0], numbers.Integral):
        return _int_list(args[0], op, name)
    return [_int(a, op, name) for a in args]


def _store_out(res, out, op):
    """Write ``res`` into ``out`` (resizing it as PyTorch does) and return ``out``."""
    if out is None:
        return res
    if not isinstance(out, Tensor):
        raise TypeError(f"[{op}] argument 'out' must be Tensor, not {type(out).__name__}")
    if not _dt.can_cast(res.dtype, out.dtype):
        raise RuntimeError(f"[{op}] result type {res.dtype._name} can't be cast to the desired output type "
                           f"{out.dtype._name}")
    if tuple(out.shape) == tuple(res.shape):
        _C.copy_(out._t, res._t)
    else:
        out._t.set_(_C.to_dtype(res._t, out.dtype._code, False))
    return out


# ---- joining ---------------------------------------------------------------------------------
@differentiable("cat")
def cat(tensors, dim=0, *, out=None):
    """Concatenate tensors along ``dim`` (dtypes promote; 1-D empty tensors are skipped)."""
    ts = _tensor_list(tensors, "cat")
    dim = _int(dim, "cat", "dim")
    if out is None:
        return _wrap(_C.cat(ts, dim, None))
    res = _C.cat(ts, dim, _check_tensor(out, "cat", "out"))
    out._t.set_(res)
    return out


def _cat_out(tensors, dim, out):
    # out= is passed on only when given, so the grad path (which never takes out=) sees a plain call
    return cat(tensors, dim) if out is None else cat(tensors, dim, out=out)


def concat(tensors, dim=0, *, out=None):
    """Alias of :func:`cat`."""
    return _cat_out(tensors, dim, out)


def concatenate(tensors, axis=0, out=None):
    """Alias of :func:`cat` with numpy's ``axis`` name."""
    return _cat_out(tensors, axis, out)


@differentiable("stack")
def stack(tensors, dim=0, *, out=None):
    """Stack equally shaped tensors along a new dimension ``dim``."""
    ts = _tensor_list(tensors, "stack")
    dim = _int(dim, "stack", "dim")
    if out is None:
        return _wrap(_C.stack(ts, dim, None))
    res = _C.stack(ts, dim, _check_tensor(out, "stack", "out"))
    out._t.set_(res)
    return out


def _nonempty(tensors, op):
    _tensor_list(tensors, op)
    if len(tensors) == 0:
        raise RuntimeError(f"[{op}] {op} expects a non-empty TensorList")
    return tensors


def hstack(tensors, *, out=None):
    """Concatenate horizontally: along dim 0 for 1-D inputs, else dim 1."""
    ts = atleast_1d(*_nonempty(tensors, "hstack"))
    return _cat_out(ts, 0 if ts[0].dim() == 1 else 1, out)


def vstack(tensors, *, out=None):
    """Concatenate vertically (inputs made at least 2-D)."""
    return _cat_out(atleast_2d(*_nonempty(tensors, "vstack")), 0, out)


row_stack = vstack


def dstack(tensors, *, out=None):
    """Concatenate depth-wise along dim 2 (inputs made at least 3-D)."""
    return _cat_out(atleast_3d(*_nonempty(tensors, "dstack")), 2, out)


def column_stack(tensors, *, out=None):
    """Stack 0-/1-D tensors as columns (n,) -> (n, 1), and concatenate along dim 1."""
    ts = [t.reshape(t.numel(), 1) if t.dim() <= 1 else t for t in _nonempty(tensors, "column_stack")]
    return _cat_out(ts, 1, out)


def _atleast(tensors, nd, op):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
        single = False
    else:
        single = len(tensors) == 1
    res = []
    for t in tensors:
        _check_tensor(t, op)
        n = t.dim()
        if n >= nd:
            res.append(t)
        elif nd == 1:
            res.append(t.reshape(1))
        elif nd == 2:
            res.append(t.reshape(1, -1) if n == 1 else t.reshape(1, 1))
        else:
            res.append(t.reshape(1, 1, 1) if n == 0 else t.reshape(1, -1, 1) if n == 1 else t.unsqueeze(-1))
    return res[0] if single else tuple(res)


def atleast_1d(*tensors):
    """Views with at least one dimension (0-d -> (1,))."""
    return _atleast(tensors, 1, "atleast_1d")


def atleast_2d(*tensors):
    """Views with at least two dimensions ((n,) -> (1, n))."""
    return _atleast(tensors, 2, "atleast_2d")


def atleast_3d(*tensors):
    """Views with at least three dimensions ((n,) -> (1, n, 1), (m, n) -> (m, n, 1))."""
    return _atleast(tensors, 3, "atleast_3d")


# ---- splitting (views) -------------------------------------------------------------------------
@differentiable("split")
def split(tensor, split_size_or_sections, dim=0):
    """Split into chunks of ``split_size`` (last may be smaller) or into the given sizes (views)."""
    t = _check_tensor(tensor, "split", "tensor")
    dim = _int(dim, "split", "dim")
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = _int_list(split_size_or_sections, "split", "split_size")
        return tuple(_wrap(x) for x in _C.split_with_sizes(t, sizes, dim))
    return tuple(_wrap(x) for x in _C.split(t, _int(split_size_or_sections, "split", "split_size"), dim))


@differentiable("tensor_split")
def tensor_split(input, indices_or_sections, dim=0):
    """Split into ``sections`` nearly equal parts, or at the given indices (views)."""
    t = _check_tensor(input, "tensor_split")
    dim = _int(dim, "tensor_split", "dim")
    ios = indices_or_sections
    if isinstance(ios, Tensor):
        if ios.dtype is not _dt.int64:
            raise RuntimeError("[tensor_split] tensor_split expected tensor_indices_or_sections to have dtype of "
                               f"long, but got {ios.dtype._name}")
        if ios.dim() > 1:
            raise RuntimeError("[tensor_split] tensor_split expected tensor_indices_or_sections to be a zero-dimensional "
                               f"or one-dimensional tensor, but got a tensor with {ios.dim()} dims")
        ios = ios.item() if ios.dim() == 0 else ios.tolist()
    if isinstance(ios, (list, tuple)):
        return tuple(_wrap(x) for x in _C.tensor_split_indices(t, _int_list(ios, "tensor_split", "indices"), dim))
    return tuple(_wrap(x) for x in _C.tensor_split(t, _int(ios, "tensor_split", "sections"), dim))


@differentiable("chunk")
def chunk(input, chunks, dim=0):
    """Split into at most ``chunks`` equal chunks (views)."""
    t = _check_tensor(input, "chunk")
    return tuple(_wrap(x) for x in _C.chunk(t, _int(chunks, "chunk", "chunks"), _int(dim, "chunk", "dim")))


@differentiable("unbind")
def unbind(input, dim=0):
    """All slices along ``dim``, with that dimension removed (views)."""
    t = _check_tensor(input, "unbind")
    return tuple(_wrap(x) for x in _C.unbind(t, _int(dim, "unbind", "dim")))


@differentiable("broadcast_tensors")
def broadcast_tensors(*tensors):
    """Expand all tensors to their common broadcast shape (views)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    return tuple(_wrap(x) for x in _C.broadcast_tensors(_tensor_list(list(tensors), "broadcast_tensors")))


def broadcast_shapes(*shapes):
    """The shape that tensors of the given shapes broadcast to."""
    from .._tensor import Size
    ss = []
    for s in shapes:
        ss.append([_int(s, "broadcast_shapes", "shape")] if isinstance(s, numbers.Integral)
                  else _int_list(s, "broadcast_shapes", "shape"))
    return Size(_C.broadcast_shapes(ss))


@differentiable("meshgrid")
def meshgrid(*tensors, indexing=None):
    """Coordinate grids from 0-/1-D tensors; ``indexing`` is ``'ij'`` (default) or ``'xy'`` (views)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    ts = _tensor_list(list(tensors), "meshgrid")
    return tuple(_wrap(x) for x in _C.meshgrid(ts, "ij" if indexing is None else str(indexing)))


# ---- copies ------------------------------------------------------------------------------------
@differentiable("flip")
def flip(input, dims):
    """Reverse the order of elements along ``dims``."""
    return _wrap(_C.flip(_check_tensor(input, "flip"), _int_list(dims, "flip", "dims")))


def fliplr(input):
    """Flip left-right (dim 1); input must be at least 2-D."""
    if _check_tensor(input, "fliplr").ndim < 2:
        raise RuntimeError("[fliplr] Input must be >= 2-d.")
    return flip(input, [1])


def flipud(input):
    """Flip up-down (dim 0); input must be at least 1-D."""
    if _check_tensor(input, "flipud").ndim < 1:
        raise RuntimeError("[flipud] Input must be >= 1-d.")
    return flip(input, [0])


@differentiable("roll")
def roll(input, shifts, dims=None):
    """Roll elements along ``dims`` by ``shifts`` (flattened first when ``dims`` is None)."""
    t = _check_tensor(input, "roll")
    d = [] if dims is None else _int_list(dims, "roll", "dims")
    return _wrap(_C.roll(t, _int_list(shifts, "roll", "shifts"), d))


@differentiable("rot90")
def rot90(input, k=1, dims=(0, 1)):
    """Rotate by 90 degrees ``k`` times in the plane of ``dims`` (from dims[0] towards dims[1])."""
    return _wrap(_C.rot90(_check_tensor(input, "rot90"), _int(k, "rot90", "k"), _int_list(dims, "rot90", "dims")))


@differentiable("tile")
def tile(input, dims):
    """Repeat the whole tensor ``dims`` times per dimension (leading 1s added to whichever is shorter)."""
    return _wrap(_C.tile(_check_tensor(input, "tile"), _int_list(dims, "tile", "dims")))


@differentiable("repeat_interleave")
def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Repeat each element (or slice along ``dim``) ``repeats`` times; with only a tensor of counts,
    return the indices ``[0]*r0 + [1]*r1 + ...``."""
    t = _check_tensor(input, "repeat_interleave")
    d = None if dim is None else _int(dim, "repeat_interleave", "dim")
    n = None if output_size is None else _int(output_size, "repeat_interleave", "output_size")
    if repeats is None:
        return _wrap(_C.repeat_interleave_indices(t, n))
    if isinstance(repeats, Tensor):
        return _wrap(_C.repeat_interleave_tensor(t, repeats._t, d, n))
    return _wrap(_C.repeat_interleave(t, _int(repeats, "repeat_interleave", "repeats"), d, n))


@differentiable("narrow_copy")
def narrow_copy(input, dim, start, length, *, out=None):
    """A contiguous copy of ``input.narrow(dim, start, length)``."""
    t = _check_tensor(input, "narrow_copy")
    res = _wrap(_C.narrow_copy(t, _int(dim, "narrow_copy", "dim"), _int(start, "narrow_copy", "start"),
                               _int(length, "narrow_copy", "length")))
    return _store_out(res, out, "narrow_copy")


# ---- triangles and diagonals ---------------------------------------------------------------
@differentiable("tril")
def tril(input, diagonal=0, *, out=None):
    """Lower triangle of the last two dims (elements with j - i <= diagonal), the rest zero."""
    t = _check_tensor(input, "tril")
    k = _int(diagonal, "tril", "diagonal")
    if out is None:
        return _wrap(_C.tril(t, k, None))
    out._t.set_(_C.tril(t, k, _check_tensor(out, "tril", "out")))
    return out


@differentiable("triu")
def triu(input, diagonal=0, *, out=None):
    """Upper triangle of the last two dims (elements with j - i >= diagonal), the rest zero."""
    t = _check_tensor(input, "triu")
    k = _int(diagonal, "triu", "diagonal")
    if out is None:
        return _wrap(_C.triu(t, k, None))
    out._t.set_(_C.triu(t, k, _check_tensor(out, "triu", "out")))
    return out


def _tri_indices(fn, row, col, offset, dtype, op, device=None):
    dt = _dt.int64 if dtype is None else _to_dtype(dtype)
    res = _wrap(fn(_int(row, op, "row"), _int(col, op, "col"), _int(offset, op, "offset"), dt._code))
    if device is not None:  # built on the host (a short index list), then moved
        from .creation import _check_device, _on_device
        res = _on_device(res, _check_device(device))
    return res


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """(2, N) row/column indices of the lower triangle of a row x col matrix."""
    return _tri_indices(_C.tril_indices, row, col, offset, dtype, "tril_indices", device)


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """(2, N) row/column indices of the upper triangle of a row x col matrix."""
    return _tri_indices(_C.triu_indices, row, col, offset, dtype, "triu_indices", device)


@differentiable("diag")
def diag(input, diagonal=0, *, out=None):
    """1-D: a square matrix with ``input`` on the given diagonal. 2-D: that diagonal, copied."""
    res = _wrap(_C.diag(_check_tensor(input, "diag"), _int(diagonal, "diag", "diagonal")))
    return _store_out(res, out, "diag")


@differentiable("diag_embed")
def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Matrices (in dims dim1, dim2) whose ``offset`` diagonals hold the last dim of ``input``."""
    return _wrap(_C.diag_embed(_check_tensor(input, "diag_embed"), _int(offset, "diag_embed", "offset"),
                               _int(dim1, "diag_embed", "dim1"), _int(dim2, "diag_embed", "dim2")))


@differentiable("diagflat")
def diagflat(input, offset=0):
    """A square matrix with the flattened ``input`` on diagonal ``offset``."""
    return _wrap(_C.diagflat(_check_tensor(input, "diagflat"), _int(offset, "diagflat", "offset")))


@differentiable("trace")
def trace(input):
    """Sum of the main diagonal of a 2-D tensor (integers sum in int64)."""
    return _wrap(_C.trace(_check_tensor(input, "trace")))


# ---- small products ----------------------------------------------------------------------------
@differentiable("outer")
def outer(input, vec2, *, out=None):
    """Outer product of two 1-D tensors: (n,), (m,) -> (n, m)."""
    res = _wrap(_C.outer(_check_tensor(input, "outer"), _check_tensor(vec2, "outer", "vec2")))
    return _store_out(res, out, "outer")


def ger(input, vec2, *, out=None):
    """Alias of :func:`outer`."""
    return outer(input, vec2) if out is None else outer(input, vec2, out=out)


@differentiable("cross")
def cross(input, other, dim=None, *, out=None):
    """Cross product of 3-vectors along ``dim`` (default: the first dim of size 3); broadcasts."""
    d = None if dim is None else _int(dim, "cross", "dim")
    res = _wrap(_C.cross(_check_tensor(input, "cross"), _check_tensor(other, "cross", "other"), d))
    return _store_out(res, out, "cross")


@differentiable("kron")
def kron(input, other, *, out=None):
    """Kronecker product."""
    # _C.kron views its inputs internally and rejects non-contiguous ones: hand it contiguous data
    a, b = _check_tensor(input, "kron"), _check_tensor(other, "kron", "other")
    res = _wrap(_C.kron(_C.contiguous(a), _C.contiguous(b)))
    return _store_out(res, out, "kron")


# ---- function forms of the Tensor methods (views unless noted) --------------------------------
def reshape(input, shape):
    """``input`` with a new shape: a view when strides allow it, otherwise a copy."""
    _check_tensor(input, "reshape")
    return input.reshape(shape)


def view_copy(input, size):
    """A copy of ``input.view(size)``."""
    _check_tensor(input, "view_copy")
    return input.view(size).clone()


def permute(input, dims):
    """Reorder the dimensions (a view)."""
    _check_tensor(input, "permute")
    return input.permute(dims)


def transpose(input, dim0, dim1):
    """Swap two dimensions (a view)."""
    _check_tensor(input, "transpose")
    return input.transpose(dim0, dim1)


def swapaxes(input, axis0, axis1):
    """Alias of :func:`transpose`."""
    _check_tensor(input, "swapaxes")
    return input.transpose(axis0, axis1)


def swapdims(input, dim0, dim1):
    """Alias of :func:`transpose`."""
    _check_tensor(input, "swapdims")
    return input.transpose(dim0, dim1)


def t(input):
    """Transpose a tensor of at most 2 dimensions (a view)."""
    _check_tensor(input, "t")
    return input.t()


def adjoint(input):
    """The transpose of the last two dims (ember has no complex dtypes, so no conjugation)."""
    _check_tensor(input, "adjoint")
    return input.adjoint()


def squeeze(input, dim=None):
    """Remove size-1 dimensions: all of them, or those in ``dim`` (int or tuple)."""
    _check_tensor(input, "squeeze")
    return input.squeeze(dim)


def unsqueeze(input, dim):
    """Insert a size-1 dimension at ``dim`` (a view)."""
    _check_tensor(input, "unsqueeze")
    return input.unsqueeze(dim)


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims ``start_dim..end_dim`` (a view when strides allow it)."""
    _check_tensor(input, "flatten")
    return input.flatten(start_dim, end_dim)


def unflatten(input, dim, sizes):
    """Split dimension ``dim`` into ``sizes``."""
    _check_tensor(input, "unflatten")
    return input.unflatten(dim, sizes)


def ravel(input):
    """The elements as a 1-D tensor (a view when contiguous)."""
    _check_tensor(input, "ravel")
    return input.reshape(-1)


def narrow(input, dim, start, length):
    """Elements ``start..start+length`` along ``dim`` (a view)."""
    _check_tensor(input, "narrow")
    return input.narrow(dim, start, length)


def select(input, dim, index):
    """The slice at ``index`` along ``dim``, that dimension removed (a view)."""
    _check_tensor(input, "select")
    return input.select(dim, index)


def movedim(input, source, destination):
    """Move dims ``source`` to positions ``destination`` (a view)."""
    _check_tensor(input, "movedim")
    return input.movedim(source, destination)


def moveaxis(input, source, destination):
    """Alias of :func:`movedim`."""
    _check_tensor(input, "moveaxis")
    return input.movedim(source, destination)


def diagonal(input, offset=0, dim1=0, dim2=1):
    """The ``offset`` diagonal of dims ``dim1``, ``dim2``, appended as the last dim (a view)."""
    _check_tensor(input, "diagonal")
    return input.diagonal(offset, dim1, dim2)


def as_strided(input, size, stride, storage_offset=None):
    """A view with explicit sizes, strides and storage offset."""
    _check_tensor(input, "as_strided")
    return input.as_strided(size, stride, storage_offset)


def clone(input, *, memory_format=None):
    """A copy with its own storage."""
    _check_tensor(input, "clone")
    return input.clone()


def detach(input):
    """The same data, cut off from the autograd graph."""
    _check_tensor(input, "detach")
    return input.detach()


def broadcast_to(input, size):
    """Expand ``input`` to ``size`` (a view)."""
    _check_tensor(input, "broadcast_to")
    return input.broadcast_to(size)


def _split_dim(input, ios, dim, nd, op):
    t = _check_tensor(input, op)
    if t.ndim < nd:
        raise RuntimeError(f"[{op}] torch.{op} requires a tensor with at least {nd} dimension, but got a tensor "
                           f"with {t.ndim} dimensions!")
    if isinstance(ios, numbers.Integral) and not isinstance(ios, builtins.bool):
        size = t.sizes[dim]
        if ios == 0 or size % ios:
            raise RuntimeError(f"[{op}] torch.{op} attempted to split along dimension {dim}, but the size of the "
                               f"dimension {size} is not divisible by the split_size {ios}!")
    elif not isinstance(ios, (list, tuple)):
        raise TypeError(f"[{op}] argument 'indices_or_sections' must be int or tuple of ints, not "
                        f"{type(ios).__name__}")
    return tensor_split(input, ios, dim)


def hsplit(input, indices_or_sections):
    """Split horizontally: along dim 1 (dim 0 for 1-D input), into equal sections or at indices (views)."""
    t = _check_tensor(input, "hsplit")
    return _split_dim(input, indices_or_sections, 1 if t.ndim > 1 else 0, 1, "hsplit")


def vsplit(input, indices_or_sections):
    """Split vertically: along dim 0 of an at least 2-D input (views)."""
    return _split_dim(input, indices_or_sections, 0, 2, "vsplit")


def dsplit(input, indices_or_sections):
    """Split depth-wise: along dim 2 of an at least 3-D input (views)."""
    return _split_dim(input, indices_or_sections, 2, 3, "dsplit")


def _scatter_into(input, src, view, op):
    """A copy of ``input`` whose region ``view(copy)`` is replaced by ``src``."""
    _check_tensor(input, op)
    _check_tensor(src, op, "src")
    region = view(input)
    if tuple(region.shape) != tuple(src.shape):
        raise RuntimeError(f"[{op}] expected src to have a size equal to the slice of self. src size = "
                           f"{list(src.shape)}, slice size = {list(region.shape)}")
    from ..autograd.grad_mode import _state
    if _state.enabled and (input.requires_grad or src.requires_grad):
        from ..autograd.grad_fns.shape import scatter_into
        return scatter_into(input, src, view)
    out = input.clone()
    view(out).copy_(src)
    return out


def select_scatter(input, src, dim, index):
    """A copy of ``input`` with ``input.select(dim, index)`` replaced by ``src``."""
    return _scatter_into(input, src, lambda x: x.select(dim, index), "select_scatter")


def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    """A copy of ``input`` with the slice ``start:end:step`` along ``dim`` replaced by ``src``."""
    def view(x):
        d = dim % builtins.max(x.dim(), 1)
        lo, hi, st = builtins.slice(start, end, step).indices(x.shape[d])
        length = builtins.max(0, (hi - lo + st - 1) // st)
        v = x.narrow(d, lo, (length - 1) * st + 1 if length else 0)
        return v if st == 1 or not length else v.unfold(d, 1, st).squeeze(-1)
    return _scatter_into(input, src, view, "slice_scatter")


def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    """A copy of ``input`` with ``input.diagonal(offset, dim1, dim2)`` replaced by ``src``."""
    return _scatter_into(input, src, lambda x: x.diagonal(offset, dim1, dim2), "diagonal_scatter")


# ---- Tensor methods ----------------------------------------------------------------------------
@_register_method("split")
def _m_split(self, split_size, dim=0):
    return split(self, split_size, dim)


@_register_method("tensor_split")
def _m_tensor_split(self, indices_or_sections, dim=0):
    return tensor_split(self, indices_or_sections, dim)


@_register_method("chunk")
def _m_chunk(self, chunks, dim=0):
    return chunk(self, chunks, dim)


@_register_method("unbind")
def _m_unbind(self, dim=0):
    return unbind(self, dim)


@_register_method("flip")
def _m_flip(self, *dims):
    return flip(self, _varargs_ints(dims, "flip", "dims"))


@_register_method("fliplr")
def _m_fliplr(self):
    return fliplr(self)


@_register_method("flipud")
def _m_flipud(self):
    return flipud(self)


@_register_method("roll")
def _m_roll(self, shifts, dims=None):
    return roll(self, shifts, dims)


@_register_method("rot90")
def _m_rot90(self, k=1, dims=(0, 1)):
    return rot90(self, k, dims)


@_register_method("repeat")
@differentiable("Tensor.repeat")
def _m_repeat(self, *sizes):
    """Repeat the tensor along each dimension (``len(sizes) >= self.dim()``)."""
    if not sizes:
        raise TypeError('[repeat] repeat() missing 1 required positional arguments: "repeats"')
    return _wrap(_C.repeat(self._t, _varargs_ints(sizes, "repeat", "repeats")))


@_register_method("tile")
def _m_tile(self, *dims):
    return tile(self, _varargs_ints(dims, "tile", "dims"))


@_register_method("repeat_interleave")
def _m_repeat_interleave(self, repeats, dim=None, *, output_size=None):
    return repeat_interleave(self, repeats, dim, output_size=output_size)


@_register_method("narrow_copy")
def _m_narrow_copy(self, dim, start, length):
    return narrow_copy(self, dim, start, length)


@_register_method("tril")
def _m_tril(self, diagonal=0):
    return tril(self, diagonal)


@_register_method("triu")
def _m_triu(self, diagonal=0):
    return triu(self, diagonal)


@_register_method("tril_")
@differentiable("tril", inplace=True)
def _m_tril_(self, diagonal=0):
    _C.tril_(self._t, _int(diagonal, "tril_", "diagonal"))
    return self


@_register_method("triu_")
@differentiable("triu", inplace=True)
def _m_triu_(self, diagonal=0):
    _C.triu_(self._t, _int(diagonal, "triu_", "diagonal"))
    return self


@_register_method("diag")
def _m_diag(self, diagonal=0):
    return diag(self, diagonal)


@_register_method("diag_embed")
def _m_diag_embed(self, offset=0, dim1=-2, dim2=-1):
    return diag_embed(self, offset, dim1, dim2)


@_register_method("diagflat")
def _m_diagflat(self, offset=0):
    return diagflat(self, offset)


@_register_method("trace")
def _m_trace(self):
    return trace(self)


@_register_method("outer")
def _m_outer(self, vec2):
    return outer(self, vec2)


@_register_method("ger")
def _m_ger(self, vec2):
    return outer(self, vec2)


@_register_method("cross")
def _m_cross(self, other, dim=None):
    return cross(self, other, dim)


@_register_method("kron")
def _m_kron(self, other):
    return kron(self, other)


@_register_method("hsplit")
def _m_hsplit(self, *indices_or_sections):
    ios = indices_or_sections[0] if len(indices_or_sections) == 1 else list(indices_or_sections)
    return hsplit(self, ios)


@_register_method("vsplit")
def _m_vsplit(self, *indices_or_sections):
    ios = indices_or_sections[0] if len(indices_or_sections) == 1 else list(indices_or_sections)
    return vsplit(self, ios)


@_register_method("dsplit")
def _m_dsplit(self, *indices_or_sections):
    ios = indices_or_sections[0] if len(indices_or_sections) == 1 else list(indices_or_sections)
    return dsplit(self, ios)


@_register_method("select_scatter")
def _m_select_scatter(self, src, dim, index):
    return select_scatter(self, src, dim, index)


@_register_method("slice_scatter")
def _m_slice_scatter(self, src, dim=0, start=None, end=None, step=1):
    return slice_scatter(self, src, dim, start, end, step)


@_register_method("diagonal_scatter")
def _m_diagonal_scatter(self, src, offset=0, dim1=0, dim2=1):
    return diagonal_scatter(self, src, offset, dim1, dim2)


# ---- autograd wiring of the view/copy methods defined on Tensor itself -------------------------
# Their grad implementations are registered as "Tensor.<name>" in autograd/grad_fns/shape.py.
# Aliases bound in the class body (swapaxes = transpose) and properties are re-pointed here.
_WIRED_METHODS = ("view", "reshape", "expand", "broadcast_to", "permute", "transpose", "t", "squeeze",
                  "unsqueeze", "flatten", "unflatten", "select", "narrow", "unfold", "as_strided", "diagonal",
                  "movedim", "contiguous", "clone", "_convert",
                  # in-place view forms: history moves to the new view node (leaves raise)
                  "squeeze_", "unsqueeze_", "t_", "transpose_", "as_strided_")
_WIRED_PROPERTIES = ("T", "mT")
# overwriting in-place ops: on the grad path the target's history is rebased (views rewrite their base)
_WIRED_INPLACE = ("copy_", "fill_", "zero_")


# Views made on the raw path while grad mode is on still remember their base, so that an in-place op
# with an operand that requires grad (``buf.narrow(0, 0, 2).copy_(w)``) rewrites the base's history,
# as in PyTorch. (Under no_grad nothing extra happens.) Reshape-like ops may copy: checked.
_VIEW_METHODS = frozenset(("view", "T", "mT", "expand", "broadcast_to", "permute", "transpose", "t", "squeeze",
                           "unsqueeze", "select", "narrow", "unfold", "as_strided", "diagonal", "movedim"))
_MAYBE_VIEW_METHODS = frozenset(("reshape", "flatten", "unflatten"))


def _self_only_method(name, raw):
    """Wire a Tensor method whose only tensor argument is ``self`` (one flag test and one attribute
    test on the raw path). With grad mode on, views made on the raw path remember their base, so
    an in-place op with an operand that requires grad (``buf.narrow(0, 0, 2).copy_(w)``) rewrites
    the base's history as in PyTorch; reshape-like ops, which may copy, are checked."""
    from ..autograd._dispatch import _impl
    from ..autograd.grad_mode import _state
    grad_name = "Tensor." + name
    track = name in _VIEW_METHODS or name in _MAYBE_VIEW_METHODS
    maybe = name in _MAYBE_VIEW_METHODS

    def method(self, *args, **kwargs):
        if _state.enabled:
            if self.requires_grad:
                return _impl(grad_name)(self, *args, **kwargs)
            out = raw(self, *args, **kwargs)
            if track and (not maybe or out._t.same_storage(self._t)):
                out._base = self if self._base is None else self._base
            return out
        return raw(self, *args, **kwargs)
    method.__name__, method.__qualname__, method.__doc__ = raw.__name__, raw.__qualname__, raw.__doc__
    method._raw, method._grad_name = raw, grad_name
    return method


def _wire_tensor_methods():
    for name in _WIRED_METHODS:
        setattr(Tensor, name, _self_only_method(name, getattr(Tensor, name)))
    for name in _WIRED_PROPERTIES:
        setattr(Tensor, name, property(_self_only_method(name, getattr(Tensor, name).fget)))
    for name in _WIRED_INPLACE:
        setattr(Tensor, name, differentiable(name, inplace=True)(getattr(Tensor, name)))
    Tensor.swapaxes = Tensor.swapdims = Tensor.transpose
    Tensor.moveaxis = Tensor.movedim


_wire_tensor_methods()
