"""Grad implementations: shape ops and views (see ``grad_fns/__init__``).

View ops set ``_is_view`` so their outputs remember their base (in-place ops on views rewrite the
base). Every backward is written with public, differentiable ember ops, so gradients of any order
work. Three building blocks cover the long tail:

- ``_Embed``: zeros of the input's shape with ``g`` copied into one injective view of it (the
  adjoint of narrow/select/diagonal); its backward takes that view again.
- ``_ScatterAdd`` / ``_Gather``: the adjoint pair of a pure index remap ``out.flat[j] = x.flat[idx[j]]``.
  Ops that only move or repeat elements (unfold, as_strided, reflect/replicate/circular pad, repeat_interleave
  with a tensor of counts) get ``idx`` by running themselves on ``arange(numel)``, so one rule serves all,
  overlapping windows and repeated elements included.
"""
import builtins

from ... import _C, _dtype, _ops
from ..._tensor import Tensor, _wrap
from .._dispatch import register
from ..function import Function
from ..grad_mode import no_grad
from ._util import sum_to

_S = _ops.shape


def _zeros(shape, like):
    return _ops.creation.zeros(tuple(shape), dtype=like.dtype, device=like.device)


def _norm_dim(d, n):
    """Wrap a (validated) dim into [0, n) (n = 1 for 0-d tensors)."""
    n = builtins.max(n, 1)
    return d % n


def _raw(name):
    """The undecorated Tensor method ``name`` (the raw path of a wired method)."""
    m = getattr(Tensor, name)
    m = m.fget if isinstance(m, property) else m
    return getattr(m, "_raw", m)


# ---- building blocks ---------------------------------------------------------------------------
def _apply_view(x, spec):
    kind, *a = spec
    if kind == "narrow":
        return x.narrow(*a)
    if kind == "select":
        return x.select(*a)
    if kind == "diagonal":
        return x.diagonal(*a)
    return a[0](x)  # ("fn", callable)


class _Embed(Function):
    """zeros(shape) with ``g`` written into the injective view ``spec`` of it."""

    @staticmethod
    def forward(ctx, g, shape, spec):
        ctx.spec = spec
        z = _zeros(shape, g)
        _apply_view(z, spec).copy_(g)
        return z

    @staticmethod
    def backward(ctx, gg):
        return _apply_view(gg, ctx.spec), None, None


class _ScatterAdd(Function):
    """zeros(shape) with ``g.flat[j]`` added at flat position ``idx.flat[j]`` (duplicates accumulate)."""

    @staticmethod
    def forward(ctx, g, idx, shape):
        idx = idx.to(g.device)  # index maps are built on the host (arange)
        ctx.idx = idx
        z = _ops.creation.zeros(_numel(shape), dtype=g.dtype, device=g.device)
        z.index_add_(0, idx.reshape(-1), g.reshape(-1))
        return z.reshape(shape)

    @staticmethod
    def backward(ctx, gg):
        return _Gather.apply(gg, ctx.idx), None, None


class _Gather(Function):
    """``x.flat[idx]`` (shape of ``idx``): the adjoint of ``_ScatterAdd``."""

    @staticmethod
    def forward(ctx, x, idx):
        ctx.idx, ctx.shape = idx, tuple(x.shape)
        return _ops.index.take(x, idx)

    @staticmethod
    def backward(ctx, g):
        return _ScatterAdd.apply(g, ctx.idx, ctx.shape), None


def _numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def _index_map(shape, fn):
    """``fn`` applied to the flat positions ``arange(numel).reshape(shape)`` (int64, no grad)."""
    with no_grad():
        return fn(_ops.creation.arange(_numel(shape)).reshape(shape))


# ---- reshapes ----------------------------------------------------------------------------------
class View(Function):
    _is_view = True

    @staticmethod
    def forward(ctx, x, r):
        ctx.shape = tuple(x.shape)
        return _wrap(r)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.shape), None


class UnsafeView(Function):
    """A reshape that had to copy (PyTorch: clone + _unsafe_view)."""

    @staticmethod
    def forward(ctx, x, r):
        ctx.shape = tuple(x.shape)
        return _wrap(r)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.shape), None


def _reshaped(x, r):
    """Record ``r`` (a raw _C result of reshaping ``x``) as a view or a copy of ``x``."""
    return (View if r.same_storage(x._t) else UnsafeView).apply(x, r)


@register("Tensor.view")
def view(self, *shape):
    r = _raw("view")(self, *shape)
    if len(shape) == 1 and isinstance(shape[0], (_dtype.dtype, type)) and not isinstance(shape[0], tuple):
        return r  # view(dtype) reinterprets bytes: not differentiable (as PyTorch, the result needs no grad)
    return View.apply(self, r._t)


@register("Tensor.reshape")
def reshape(self, *shape):
    return _reshaped(self, _raw("reshape")(self, *shape)._t)


@register("Tensor.flatten")
def flatten(self, start_dim=0, end_dim=-1):
    return _reshaped(self, _raw("flatten")(self, start_dim, end_dim)._t)


@register("Tensor.unflatten")
def unflatten(self, dim, sizes):
    return _reshaped(self, _raw("unflatten")(self, dim, sizes)._t)


class Expand(Function):
    _is_view = True

    @staticmethod
    def forward(ctx, x, sizes):
        ctx.shape = tuple(x.shape)
        return x.expand(sizes)

    @staticmethod
    def backward(ctx, g):
        return sum_to(g, ctx.shape), None


def _shape(args):
    return args[0] if len(args) == 1 and not isinstance(args[0], int) else args


@register("Tensor.expand")
def expand(self, *sizes):
    return Expand.apply(self, tuple(_shape(sizes)))


@register("Tensor.broadcast_to")
def broadcast_to(self, shape):
    from ..._tensor import _shape_arg
    return Expand.apply(self, tuple(_shape_arg((shape,), "broadcast_to")))


@register("broadcast_tensors")
def broadcast_tensors(*tensors):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    with no_grad():
        shapes = [tuple(t.shape) for t in _S.broadcast_tensors(*tensors)]  # validates
    return tuple(t.expand(s) for t, s in zip(tensors, shapes))


@register("meshgrid")
def meshgrid(*tensors, indexing=None):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    with no_grad():
        outs = _S.meshgrid(*tensors, indexing=indexing)  # validates
    if not outs:
        return outs
    shape = tuple(outs[0].shape)
    n = len(tensors)
    res = []
    for i, t in enumerate(tensors):
        pos = i
        if indexing == "xy" and n >= 2 and i < 2:
            pos = 1 - i
        vs = [1] * n
        vs[pos] = -1
        res.append(t.reshape(vs).expand(shape))
    return tuple(res)


# ---- permutations ------------------------------------------------------------------------------
class Permute(Function):
    _is_view = True

    @staticmethod
    def forward(ctx, x, dims):
        out = x.permute(dims)
        n = x.dim()
        inv = [0] * n
        for i, d in enumerate(dims):
            inv[_norm_dim(d, n)] = i
        ctx.inv = inv
        return out

    @staticmethod
    def backward(ctx, g):
        return g.permute(ctx.inv), None


class Transpose(Function):
    _is_view = True

    @staticmethod
    def forward(ctx, x, d0, d1):
        ctx.dims = (d0, d1)
        return x.transpose(d0, d1)

    @staticmethod
    def backward(ctx, g):
        return g.transpose(*ctx.dims), None, None


class T(Function):
    _is_view = True

    @staticmethod
    def forward(ctx, x):
        return x.t()

    @staticmethod
    def backward(ctx, g):
        return g.t()


@register("Tensor.permute")
def permute(self, *dims):
    from ..._tensor import _shape_arg
    return Permute.apply(self, tuple(_shape_arg(dims, "permute")))


@register("Tensor.T")
def T_property(self):
    n = self.dim()
    return Permute.apply(self, tuple(range(n - 1, -1, -1)))


@register("Tensor.mT")
def mT_property(self):
    if self.dim() < 2:
        raise RuntimeError(f"[mT] tensor.mT is only supported on matrices or batches of matrices. Got "
                           f"{self.dim()}-D tensor.")
    return Transpose.apply(self, -2, -1)


@register("Tensor.transpose")
def transpose(self, dim0, dim1):
    return Transpose.apply(self, dim0, dim1)


@register("Tensor.t")
def t(self):
    return T.apply(self)


@register("Tensor.movedim")
def movedim(self, source, destination):
    _raw("movedim")(self, source, destination)  # validates (a cheap view)
    n = self.dim()
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    src = [_norm_dim(int(d), n) for d in src]
    dst = [_norm_dim(int(d), n) for d in dst]
    perm = [-1] * n
    for s, d in zip(src, dst):
        perm[d] = s
    rest = iter(i for i in range(n) if i not in src)
    perm = [p if p >= 0 else next(rest) for p in perm]
    return Permute.apply(self, tuple(perm))


# ---- size-1 dims -------------------------------------------------------------------------------
class Squeeze(Function):
    _is_view = True

    @staticmethod
    def forward(ctx, x, dim):
        ctx.shape = tuple(x.shape)
        return x.squeeze(dim)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.shape), None


class Unsqueeze(Function):
    _is_view = True

    @staticmethod
    def forward(ctx, x, dim):
        out = x.unsqueeze(dim)
        ctx.dim = _norm_dim(dim, out.dim())
        return out

    @staticmethod
    def backward(ctx, g):
        return g.squeeze(ctx.dim), None


@register("Tensor.squeeze")
def squeeze(self, dim=None):
    return Squeeze.apply(self, dim)


@register("Tensor.unsqueeze")
def unsqueeze(self, dim):
    return Unsqueeze.apply(self, dim)


# ---- slices ------------------------------------------------------------------------------------
class Slice(Function):
    _is_view = True

    @staticmethod
    def forward(ctx, x, dim, start, length):
        out = x.narrow(dim, start, length)
        d = _norm_dim(dim, x.dim())
        ctx.shape, ctx.spec = tuple(x.shape), ("narrow", d, start % x.shape[d] if start < 0 else start, length)
        return out

    @staticmethod
    def backward(ctx, g):
        return _Embed.apply(g, ctx.shape, ctx.spec), None, None, None


class Select(Function):
    _is_view = True

    @staticmethod
    def forward(ctx, x, dim, index):
        out = x.select(dim, index)
        d = _norm_dim(dim, x.dim())
        ctx.shape, ctx.spec = tuple(x.shape), ("select", d, index % x.shape[d])
        return out

    @staticmethod
    def backward(ctx, g):
        return _Embed.apply(g, ctx.shape, ctx.spec), None, None


class Diagonal(Function):
    _is_view = True

    @staticmethod
    def forward(ctx, x, offset, dim1, dim2):
        ctx.shape, ctx.spec = tuple(x.shape), ("diagonal", offset, dim1, dim2)
        return x.diagonal(offset, dim1, dim2)

    @staticmethod
    def backward(ctx, g):
        return _Embed.apply(g, ctx.shape, ctx.spec), None, None, None


class NarrowCopy(Function):
    @staticmethod
    def forward(ctx, x, dim, start, length):
        out = _S.narrow_copy(x, dim, start, length)
        d = _norm_dim(dim, x.dim())
        ctx.shape, ctx.spec = tuple(x.shape), ("narrow", d, start % x.shape[d] if start < 0 else start, length)
        return out

    @staticmethod
    def backward(ctx, g):
        return _Embed.apply(g, ctx.shape, ctx.spec), None, None, None


@register("Tensor.narrow")
def narrow(self, dim, start, length):
    return Slice.apply(self, int(dim), int(start), int(length))


@register("narrow_copy")
def narrow_copy(input, dim, start, length):
    return NarrowCopy.apply(input, int(dim), int(start), int(length))


@register("Tensor.select")
def select(self, dim, index):
    return Select.apply(self, int(dim), int(index))


@register("Tensor.diagonal")
def diagonal(self, offset=0, dim1=0, dim2=1):
    return Diagonal.apply(self, offset, dim1, dim2)


# ---- windows and raw strides ---------------------------------------------------------------------
class Unfold(Function):
    _is_view = True

    @staticmethod
    def forward(ctx, x, dimension, size, step):
        ctx.shape, ctx.args = tuple(x.shape), (dimension, size, step)
        return x.unfold(dimension, size, step)

    @staticmethod
    def backward(ctx, g):
        idx = _index_map(ctx.shape, lambda t: t.unfold(*ctx.args))
        return _ScatterAdd.apply(g, idx, ctx.shape), None, None, None


class AsStrided(Function):
    """Storage-level view: each output element reads the storage position its strides name; the
    gradient flows to the input element stored there (positions outside the input's elements
    are rejected on the grad path)."""
    _is_view = True

    @staticmethod
    def forward(ctx, x, size, stride, storage_offset):
        out = x.as_strided(size, stride, storage_offset)
        ctx.shape = tuple(x.shape)
        ctx.geom_in = (tuple(x.shape), tuple(x.stride()), x.storage_offset())
        ctx.geom_out = (tuple(out.shape), tuple(out.stride()), out.storage_offset())
        return out

    @staticmethod
    def backward(ctx, g):
        return _ScatterAdd.apply(g, _as_strided_index(ctx.geom_in, ctx.geom_out), ctx.shape), None, None, None


def _extent(geom):
    size, stride, off = geom
    if any(s == 0 for s in size):
        return off
    return off + builtins.sum((s - 1) * st for s, st in zip(size, stride))


def _as_strided_index(geom_in, geom_out):
    """For each element of the as_strided output, the flat (logical) index of the input element
    stored at the same storage position."""
    c = _ops.creation
    n = builtins.max(_extent(geom_in), _extent(geom_out)) + 1
    with no_grad():
        pos = c.arange(n)
        pos_in = pos.as_strided(list(geom_in[0]), list(geom_in[1]), geom_in[2]).reshape(-1)
        pos_out = pos.as_strided(list(geom_out[0]), list(geom_out[1]), geom_out[2])
        inv = c.full((n,), -1, dtype=pos.dtype)
        inv.index_copy_(0, pos_in, c.arange(pos_in.numel()))
        idx = _ops.index.take(inv, pos_out)
        if idx.numel() and bool((idx < 0).any()):
            raise NotImplementedError("[as_strided] autograd: the view reads storage outside the input's elements")
    return idx


@register("Tensor.unfold")
def unfold(self, dimension, size, step):
    return Unfold.apply(self, dimension, size, step)


@register("Tensor.as_strided")
def as_strided(self, size, stride, storage_offset=None):
    return AsStrided.apply(self, list(size), list(stride), storage_offset)


# ---- multi-output views ------------------------------------------------------------------------
class SplitWithSizes(Function):
    _is_view = True

    @staticmethod
    def forward(ctx, x, sizes, dim):
        ctx.dim = _norm_dim(dim, x.dim())
        return tuple(_S.split(x, list(sizes), dim))

    @staticmethod
    def backward(ctx, *grads):
        return _S.cat(list(grads), ctx.dim), None, None


class Split(SplitWithSizes):
    """Same as SplitWithSizes (PyTorch names the equal-chunk form SplitBackward0)."""


class Unbind(Function):
    _is_view = True

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = _norm_dim(dim, x.dim())
        return tuple(_S.unbind(x, dim))

    @staticmethod
    def backward(ctx, *grads):
        g = _unbound_slices(grads, ctx.dim)  # e.g. the fused attention's dq/dk/dv of a qkv split
        return (g if g is not None else _S.stack(list(grads), ctx.dim)), None


def _unbound_slices(grads, dim):
    """When ``grads`` are exactly the slices along ``dim`` of one tensor (one storage, equal sizes
    and strides, offsets in steps of one stride, non-overlapping), that tensor as a view: the stack
    without a copy. None otherwise, and always when the grads carry history (create_graph). Only
    for grads marked ``_fresh_grad`` by the backward that made them (a buffer nothing else holds):
    a custom Function's slices of a tensor it keeps must not become a leaf's ``.grad`` by alias."""
    if len(grads) < 2 or any(g is None or g.requires_grad or not getattr(g, "_fresh_grad", False) for g in grads):
        return None
    ts = [g._t for g in grads]
    t0 = ts[0]
    sizes, strides = list(t0.sizes), list(t0.strides)
    step = ts[1].offset - t0.offset
    if step <= 0:
        return None
    for i, t in enumerate(ts):
        if (not t.same_storage(t0) or t.offset != t0.offset + i * step or list(t.sizes) != sizes
                or list(t.strides) != strides or t.dtype != t0.dtype):
            return None
    sizes.insert(dim, len(ts))
    strides.insert(dim, step)
    # non-overlapping: sorted by stride, each stride reaches past everything smaller
    reach = 0
    for sz, st in sorted(zip(sizes, strides), key=lambda x: x[1]):
        if sz == 1:
            continue
        if sz == 0:
            return None
        if st <= reach:
            return None
        reach += (sz - 1) * st
    return _wrap(_C.as_strided(t0, sizes, strides, t0.offset))


def _split_as(cls, x, pieces, dim):
    """Record the raw ``pieces`` (views of ``x`` along ``dim``) as one multi-output node."""
    d = _norm_dim(dim, x.dim())
    return cls.apply(x, tuple(p.shape[d] for p in pieces), d)


@register("split")
def split(tensor, split_size_or_sections, dim=0):
    with no_grad():
        pieces = _S.split(tensor, split_size_or_sections, dim)
    cls = SplitWithSizes if isinstance(split_size_or_sections, (list, tuple)) else Split
    return _split_as(cls, tensor, pieces, dim)


@register("chunk")
def chunk(input, chunks, dim=0):
    with no_grad():
        pieces = _S.chunk(input, chunks, dim)
    return _split_as(Split, input, pieces, dim)


@register("tensor_split")
def tensor_split(input, indices_or_sections, dim=0):
    with no_grad():
        pieces = _S.tensor_split(input, indices_or_sections, dim)
    return _split_as(SplitWithSizes, input, pieces, dim)


@register("unbind")
def unbind(input, dim=0):
    return Unbind.apply(input, _S._int(dim, "unbind", "dim"))


# ---- in-place view forms -----------------------------------------------------------------------
def _inplace_view(name, self, make_view):
    """``self`` becomes ``make_view()`` (a recorded view of it): same data, new geometry, and its
    history moves to the view's node. A leaf that requires grad raises, as PyTorch."""
    if self.grad_fn is None:
        raise RuntimeError(f"[{name}] a leaf Variable that requires grad is being used in an in-place operation.")
    v = make_view()
    self._t.set_(v._t)
    self.grad_fn, self._output_nr = v.grad_fn, v._output_nr
    return self


@register("Tensor.squeeze_")
def squeeze_(self, dim=None):
    return _inplace_view("squeeze_", self, lambda: self.squeeze(dim))


@register("Tensor.unsqueeze_")
def unsqueeze_(self, dim):
    return _inplace_view("unsqueeze_", self, lambda: self.unsqueeze(dim))


@register("Tensor.t_")
def t_(self):
    return _inplace_view("t_", self, lambda: self.t())


@register("Tensor.transpose_")
def transpose_(self, dim0, dim1):
    return _inplace_view("transpose_", self, lambda: self.transpose(dim0, dim1))


@register("Tensor.as_strided_")
def as_strided_(self, size, stride, storage_offset=None):
    return _inplace_view("as_strided_", self, lambda: self.as_strided(size, stride, storage_offset))


# ---- copies ------------------------------------------------------------------------------------
class Clone(Function):
    @staticmethod
    def forward(ctx, x):
        return x.clone()

    @staticmethod
    def backward(ctx, g):
        return g


@register("Tensor.clone")
def clone(self, *, memory_format=None):
    return Clone.apply(self)


@register("Tensor.contiguous")
def contiguous(self, memory_format=None):
    return self if self._t.is_contiguous() else Clone.apply(self)


class ToCopy(Function):
    @staticmethod
    def forward(ctx, x, dtype, copy):
        ctx.dtype = x.dtype
        return _wrap(_raw("_convert")(x, dtype, copy)._t)

    @staticmethod
    def backward(ctx, g):
        return g.to(ctx.dtype), None, None


@register("Tensor._convert")
def _convert(self, dtype, copy=False):
    if not dtype.is_floating_point:
        return _raw("_convert")(self, dtype, copy)
    return ToCopy.apply(self, dtype, copy)


# ---- overwriting copies: copy_, fill_, zero_ (in-place on the grad path: see _dispatch) ---------
class Copy(Function):
    """``dst`` overwritten by ``src`` (broadcast, converted to dst's dtype): dst's old value gets zero
    gradient, ``src`` the gradient summed back to its shape."""

    @staticmethod
    def forward(ctx, dst, src):
        ctx.src_shape = tuple(src.shape)
        out = _ops.creation.empty(tuple(dst.shape), dtype=dst.dtype)
        return _raw("copy_")(out, src)

    @staticmethod
    def backward(ctx, g):
        return (g.new_zeros(tuple(g.shape)) if ctx.needs_input_grad[0] else None,
                sum_to(g, ctx.src_shape) if ctx.needs_input_grad[1] else None)


class Fill(Function):
    @staticmethod
    def forward(ctx, dst, value):
        ctx.value_shape = tuple(value.shape) if isinstance(value, Tensor) else None
        return _raw("fill_")(_ops.creation.empty(tuple(dst.shape), dtype=dst.dtype), value)

    @staticmethod
    def backward(ctx, g):
        gv = None
        if ctx.value_shape is not None and ctx.needs_input_grad[1]:
            gv = g.sum().reshape(ctx.value_shape)
        return g.new_zeros(tuple(g.shape)) if ctx.needs_input_grad[0] else None, gv


class Zero(Function):
    @staticmethod
    def forward(ctx, dst):
        return _ops.creation.zeros(tuple(dst.shape), dtype=dst.dtype, device=dst.device)

    @staticmethod
    def backward(ctx, g):
        return g.new_zeros(tuple(g.shape))


@register("copy_")
def copy_(self, src, non_blocking=False):
    if not isinstance(src, Tensor):
        raise TypeError(f"[copy_] expected a Tensor as src, got {type(src).__name__}")
    return Copy.apply(self, src)


@register("fill_")
def fill_(self, value):
    if isinstance(value, Tensor) and value.dim() != 0:
        raise RuntimeError(f"[fill_] fill_ only supports 0-dimension value tensor but got tensor with "
                           f"{value.dim()} dimensions.")
    return Fill.apply(self, value)


@register("zero_")
def zero_(self):
    return Zero.apply(self)


# ---- joining -----------------------------------------------------------------------------------
class Cat(Function):
    @staticmethod
    def forward(ctx, dim, *tensors):
        out = _S.cat(list(tensors), dim)
        nd = out.dim()
        ctx.dim = _norm_dim(dim, nd)
        ctx.shapes = [tuple(t.shape) for t in tensors]
        return out

    @staticmethod
    def backward(ctx, g):
        grads, off, nd = [None], 0, g.dim()
        for shape, need in zip(ctx.shapes, ctx.needs_input_grad[1:]):
            if len(shape) != nd:  # a skipped legacy 1-D empty input
                grads.append(g.new_zeros(shape) if need else None)
                continue
            n = shape[ctx.dim]
            grads.append(g.narrow(ctx.dim, off, n) if need else None)
            off += n
        return tuple(grads)


class Stack(Function):
    @staticmethod
    def forward(ctx, dim, *tensors):
        out = _S.stack(list(tensors), dim)
        ctx.dim = _norm_dim(dim, out.dim())
        return out

    @staticmethod
    def backward(ctx, g):
        return (None,) + tuple(g.select(ctx.dim, i) if need else None
                               for i, need in enumerate(ctx.needs_input_grad[1:]))


@register("cat")
def cat(tensors, dim=0):
    _S._tensor_list(tensors, "cat")
    return Cat.apply(_S._int(dim, "cat", "dim"), *tensors)


@register("stack")
def stack(tensors, dim=0):
    _S._tensor_list(tensors, "stack")
    return Stack.apply(_S._int(dim, "stack", "dim"), *tensors)


# ---- flips, rolls, repeats ---------------------------------------------------------------------
class Flip(Function):
    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return _S.flip(x, dims)

    @staticmethod
    def backward(ctx, g):
        return _S.flip(g, ctx.dims), None


class Roll(Function):
    @staticmethod
    def forward(ctx, x, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        return _S.roll(x, shifts, dims)

    @staticmethod
    def backward(ctx, g):
        return _S.roll(g, [-s for s in ctx.shifts], ctx.dims), None, None


class Rot90(Function):
    @staticmethod
    def forward(ctx, x, k, dims):
        ctx.k, ctx.dims = k, dims
        return _S.rot90(x, k, dims)

    @staticmethod
    def backward(ctx, g):
        return _S.rot90(g, -ctx.k, ctx.dims), None, None


class Repeat(Function):
    @staticmethod
    def forward(ctx, x, repeats):
        ctx.shape, ctx.repeats = tuple(x.shape), repeats
        return _raw("repeat")(x, repeats)

    @staticmethod
    def backward(ctx, g):
        r = ctx.repeats
        if not r:
            return g, None
        s = (1,) * (len(r) - len(ctx.shape)) + ctx.shape
        inter = []
        for a, b in zip(r, s):
            inter += [a, b]
        g = g.reshape(inter).sum(list(range(0, 2 * len(r), 2)))
        return g.reshape(ctx.shape), None


class RepeatInterleave(Function):
    """Integer ``repeats``: each element (or slice along ``dim``) repeated; backward sums the copies."""

    @staticmethod
    def forward(ctx, x, repeats, dim, output_size):
        ctx.shape, ctx.repeats, ctx.dim = tuple(x.shape), repeats, dim
        return _S.repeat_interleave(x, repeats, dim, output_size=output_size)

    @staticmethod
    def backward(ctx, g):
        shape, r = ctx.shape, ctx.repeats
        if ctx.dim is None:
            g = g.reshape(_numel(shape), r).sum(1)
        else:
            d = _norm_dim(ctx.dim, len(shape))
            s = list(shape) if shape else [1]
            g = g.reshape(s[:d] + [s[d], r] + s[d + 1:]).sum(d + 1)
        return g.reshape(shape), None, None, None


class IndexRemap(Function):
    """An op that only moves/repeats elements; ``remap(t)`` reruns it on any tensor of the input's shape."""

    @staticmethod
    def forward(ctx, x, remap):
        ctx.shape, ctx.remap = tuple(x.shape), remap
        return remap(x)

    @staticmethod
    def backward(ctx, g):
        return _ScatterAdd.apply(g, _index_map(ctx.shape, ctx.remap), ctx.shape), None


@register("flip")
def flip(input, dims):
    return Flip.apply(input, _S._int_list(dims, "flip", "dims"))


@register("roll")
def roll(input, shifts, dims=None):
    d = [] if dims is None else _S._int_list(dims, "roll", "dims")
    return Roll.apply(input, _S._int_list(shifts, "roll", "shifts"), d or None)


@register("rot90")
def rot90(input, k=1, dims=(0, 1)):
    return Rot90.apply(input, _S._int(k, "rot90", "k"), _S._int_list(dims, "rot90", "dims"))


@register("Tensor.repeat")
def repeat(self, *sizes):
    if not sizes:
        raise TypeError('[repeat] repeat() missing 1 required positional arguments: "repeats"')
    return Repeat.apply(self, tuple(_S._varargs_ints(sizes, "repeat", "repeats")))


@register("tile")
def tile(input, dims):
    d = _S._int_list(dims, "tile", "dims")
    d = [1] * (input.dim() - len(d)) + d
    return Repeat.apply(input, tuple(d))


@register("repeat_interleave")
def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    if isinstance(repeats, Tensor):
        if repeats.numel() == 1:
            repeats = int(repeats.item())
        else:
            return IndexRemap.apply(input, lambda t: _S.repeat_interleave(t, repeats, dim, output_size=output_size))
    if repeats is None:
        return _S.repeat_interleave._raw(input, None, dim, output_size=output_size)
    return RepeatInterleave.apply(input, _S._int(repeats, "repeat_interleave", "repeats"), dim, output_size)


# ---- triangles and diagonals -------------------------------------------------------------------
class Tril(Function):
    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        return _S.tril(x, k)

    @staticmethod
    def backward(ctx, g):
        return _S.tril(g, ctx.k), None


class Triu(Function):
    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        return _S.triu(x, k)

    @staticmethod
    def backward(ctx, g):
        return _S.triu(g, ctx.k), None


class DiagEmbed(Function):
    @staticmethod
    def forward(ctx, x, offset, dim1, dim2):
        ctx.args = (offset, dim1, dim2)
        return _S.diag_embed(x, offset, dim1, dim2)

    @staticmethod
    def backward(ctx, g):
        return g.diagonal(*ctx.args), None, None, None


class Diag(Function):
    """2-D input: a copy of its ``k``-th diagonal (1-D inputs go through DiagEmbed)."""

    @staticmethod
    def forward(ctx, x, k):
        ctx.shape, ctx.k = tuple(x.shape), k
        return _S.diag(x, k)

    @staticmethod
    def backward(ctx, g):
        return _Embed.apply(g, ctx.shape, ("diagonal", ctx.k, 0, 1)), None


class Diagflat(Function):
    @staticmethod
    def forward(ctx, x, offset):
        ctx.shape, ctx.offset = tuple(x.shape), offset
        return _S.diagflat(x, offset)

    @staticmethod
    def backward(ctx, g):
        return g.diagonal(ctx.offset).reshape(ctx.shape), None


class Trace(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.shape = tuple(x.shape)
        return _S.trace(x)

    @staticmethod
    def backward(ctx, g):
        n = builtins.min(ctx.shape)
        return _Embed.apply(g.expand(n), ctx.shape, ("diagonal", 0, 0, 1))


@register("tril")
def tril(input, diagonal=0):
    return Tril.apply(input, _S._int(diagonal, "tril", "diagonal"))


@register("triu")
def triu(input, diagonal=0):
    return Triu.apply(input, _S._int(diagonal, "triu", "diagonal"))


@register("diag")
def diag(input, diagonal=0):
    k = _S._int(diagonal, "diag", "diagonal")
    if input.dim() == 1:
        return DiagEmbed.apply(input, k, 0, 1)
    return Diag.apply(input, k)


@register("diag_embed")
def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    return DiagEmbed.apply(input, offset, dim1, dim2)


@register("diagflat")
def diagflat(input, offset=0):
    return Diagflat.apply(input, _S._int(offset, "diagflat", "offset"))


@register("trace")
def trace(input):
    return Trace.apply(input)


# ---- scatter into a view (select_scatter & co.) ------------------------------------------------
class ScatterInto(Function):
    """A copy of ``x`` with the injective view ``view(copy)`` replaced by ``src``."""

    @staticmethod
    def forward(ctx, x, src, view):
        ctx.view, ctx.src_shape = view, tuple(src.shape)
        out = x.clone()
        view(out).copy_(src)
        return out

    @staticmethod
    def backward(ctx, g):
        gx = gs = None
        if ctx.needs_input_grad[0]:
            zeros = g.new_zeros(ctx.src_shape)
            gx = ScatterInto.apply(g, zeros, ctx.view)
        if ctx.needs_input_grad[1]:
            gs = ctx.view(g)
        return gx, gs, None


def scatter_into(input, src, view):
    return ScatterInto.apply(input, src, view)


# ---- padding -----------------------------------------------------------------------------------
class ConstantPadNd(Function):
    @staticmethod
    def forward(ctx, x, pad, value):
        ctx.pad = pad
        return _F_pad()(x, list(pad), "constant", value)

    @staticmethod
    def backward(ctx, g):
        return _F_pad()(g, [-p for p in ctx.pad], "constant", None), None, None


class ReflectionPad(Function):
    """reflect/replicate/circular padding: an index remap (the subclasses differ only in name)."""

    @staticmethod
    def forward(ctx, x, pad, mode):
        ctx.shape, ctx.pad, ctx.mode = tuple(x.shape), list(pad), mode
        return _F_pad()(x, list(pad), mode, None)

    @staticmethod
    def backward(ctx, g):
        idx = _index_map(ctx.shape, lambda t: _F_pad()(t, ctx.pad, ctx.mode, None))
        return _ScatterAdd.apply(g, idx, ctx.shape), None, None


class ReplicationPad(ReflectionPad):
    pass


class CircularPad(ReflectionPad):
    pass


_PAD_FUNCTIONS = {"reflect": ReflectionPad, "replicate": ReplicationPad, "circular": CircularPad}


def _F_pad():
    from ...nn._functional import basic
    return basic.pad


@register("pad")
def pad(input, pad, mode="constant", value=None):
    if mode == "constant" or mode not in _PAD_FUNCTIONS:
        if mode != "constant":
            return _F_pad()._raw(input, pad, mode, value)  # raises the unknown-mode error
        return ConstantPadNd.apply(input, tuple(pad), value)
    with no_grad():
        _F_pad()(input, pad, mode, value)  # validates (shape/pad rules) before recording
    return _PAD_FUNCTIONS[mode].apply(input, tuple(pad), mode)


# ---- small products living in _ops/shape.py -----------------------------------------------------
class Outer(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _S.outer(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        return ((g * b.unsqueeze(0)).sum(1) if na else None,
                (g * a.unsqueeze(1)).sum(0) if nb else None)


class Cross(Function):
    @staticmethod
    def forward(ctx, a, b, dim):
        out = _S.cross(a, b, dim)
        if dim is None:
            dim = next(i for i, s in enumerate(out.shape) if s == 3)
        ctx.dim = dim
        ctx.save_for_backward(a, b)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad[:2]
        return (sum_to(_S.cross(b, g, ctx.dim), tuple(a.shape)) if na else None,
                sum_to(_S.cross(g, a, ctx.dim), tuple(b.shape)) if nb else None, None)


class Kron(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _S.kron(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        n = builtins.max(a.dim(), b.dim())
        sa = (1,) * (n - a.dim()) + tuple(a.shape)
        sb = (1,) * (n - b.dim()) + tuple(b.shape)
        inter, a_r, b_r = [], [], []
        for x, y in zip(sa, sb):
            inter += [x, y]
            a_r += [x, 1]
            b_r += [1, y]
        g = g.reshape(inter)
        even, odd = list(range(0, 2 * n, 2)), list(range(1, 2 * n, 2))
        ga = (g * b.reshape(b_r)).sum(odd).reshape(tuple(a.shape)) if na and n else (g * b if na else None)
        gb = (g * a.reshape(a_r)).sum(even).reshape(tuple(b.shape)) if nb and n else (g * a if nb else None)
        return ga, gb


@register("outer")
def outer(input, vec2):
    return Outer.apply(input, vec2)


@register("cross")
def cross(input, other, dim=None):
    return Cross.apply(input, other, dim)


@register("kron")
def kron(input, other):
    return Kron.apply(input, other)
