"""Grad implementations: reductions, scans and norms (see ``grad_fns/__init__``).

Formulas follow PyTorch's (``tools/autograd/derivatives.yaml``): ties of amax/amin and of the
full max/min/median split the gradient evenly; value-selecting reductions with ``dim`` send it
to the returned index; prod/cumprod handle zeros exactly. Masks (``x == out``, ``isnan``) are
constants of the backward, so the formulas below stay correct under ``create_graph=True``.
"""
import builtins
import math

from ... import _ops
from .._dispatch import register
from ..function import Function
from .. import grad_mode
from ._util import unreduce

_R = _ops.reduce


# ---- helpers --------------------------------------------------------------------------------
def _dim_list(dim, ndim, op):
    """Normalised, sorted, non-negative reduction dims (all dims for None / empty)."""
    d = _R._dims(dim, op)
    if not d:
        return tuple(range(ndim))
    return tuple(sorted({x % ndim if ndim else 0 for x in d})) if ndim else ()


def _count(shape, dims):
    n = 1
    for d in dims:
        n *= shape[d]
    return n


def _keep(t, shape, dims, keepdim):
    """A reduced tensor (or its gradient) reshaped to keepdim=True form, ready to broadcast."""
    if keepdim:
        return t
    return t.reshape(tuple(1 if i in dims else s for i, s in enumerate(shape)))


def _full(g, shape, dims, keepdim):
    return unreduce(g, shape, list(dims) if len(shape) else None, keepdim)


def _mask_sum(mask, dims, like):
    """Number of True entries of ``mask`` over ``dims`` (keepdim), in ``like``'s dtype."""
    return mask.to(like.dtype).sum(list(dims), keepdim=True) if dims else mask.to(like.dtype)


class RevCumsum(Function):
    """sum_{j >= i} v_j along ``dim`` (flip/cumsum/flip: exact, no cancellation); its adjoint is cumsum."""

    @staticmethod
    def forward(ctx, v, dim):
        ctx.dim = dim
        flip = _ops.shape.flip
        return flip(_R.cumsum(flip(v, [dim]), dim), [dim])

    @staticmethod
    def backward(ctx, g):
        return _R.cumsum(g, ctx.dim), None


def _revcumsum(v, dim):
    return RevCumsum.apply(v, dim)


def _select_back(g, idx, dim, shape, keepdim, accumulate=False):
    """Gradient of a value-selecting op: ``g`` written at ``idx`` along ``dim`` of zeros(shape)."""
    if len(shape) == 0:
        return g.reshape(())
    if not keepdim:
        ks = tuple(1 if i == dim else s for i, s in enumerate(shape))
        ks = ks if g.dim() < len(shape) else tuple(g.shape)
        g, idx = g.reshape(ks), idx.reshape(ks)
    z = _ops.creation.zeros(shape, dtype=g.dtype)
    if accumulate:
        return _ops.index.scatter_add(z, dim, idx, g)
    return _ops.index.scatter(z, dim, idx, g)


def _even_split(g, x, out, dims, nan_aware):
    """``g`` split evenly over the elements equal to ``out`` (keepdim form) within each slice."""
    mask = x == out
    if nan_aware:
        mask = _ops.elementwise.logical_or(mask, _ops.elementwise.logical_and(_ops.unary.isnan(x),
                                                                                _ops.unary.isnan(out)))
    return (g / _mask_sum(mask, dims, g)) * mask


def _others_matrix(x, dim):
    """Y[..., i, m, ...] = x[..., m, ...] for m != i and 1 on the diagonal (a new dim after ``dim``):
    prod/cumprod of Y over dim+1 give exact, differentiable products "without element i"."""
    shape = tuple(x.shape)
    n = shape[dim]
    xr = x.reshape(shape[:dim] + (1, n) + shape[dim + 1:])
    eye = _ops.creation.eye(n, dtype=x.dtype).reshape((n, n) + (1,) * (len(shape) - dim - 1))
    return xr * (1 - eye) + eye


# ---- sums and means -------------------------------------------------------------------------
class Sum(Function):
    @staticmethod
    def forward(ctx, x, dim, keepdim, dtype):
        ctx.shape, ctx.dim, ctx.keepdim = tuple(x.shape), dim, keepdim
        return _R.sum(x, dim, keepdim, dtype=dtype)

    @staticmethod
    def backward(ctx, g):
        return unreduce(g, ctx.shape, ctx.dim, ctx.keepdim), None, None, None


class Mean(Function):
    @staticmethod
    def forward(ctx, x, dim, keepdim, dtype):
        ctx.shape, ctx.dim, ctx.keepdim = tuple(x.shape), dim, keepdim
        ctx.count = _count(ctx.shape, _dim_list(dim, x.dim(), "mean"))
        return _R.mean(x, dim, keepdim, dtype=dtype)

    @staticmethod
    def backward(ctx, g):
        return unreduce(g / ctx.count if ctx.count else g, ctx.shape, ctx.dim, ctx.keepdim), None, None, None


class Nansum(Function):
    @staticmethod
    def forward(ctx, x, dim, keepdim, dtype):
        ctx.shape, ctx.dim, ctx.keepdim = tuple(x.shape), dim, keepdim
        ctx.save_for_backward(_ops.unary.logical_not(_ops.unary.isnan(x)))
        return _R.nansum(x, dim, keepdim, dtype=dtype)

    @staticmethod
    def backward(ctx, g):
        keep, = ctx.saved_tensors
        return unreduce(g, ctx.shape, ctx.dim, ctx.keepdim) * keep, None, None, None


class Nanmean(Function):
    """nansum / (number of non-nan values); an all-nan slice gets nan gradients, as PyTorch."""

    @staticmethod
    def forward(ctx, x, dim, keepdim, dtype):
        ctx.shape, ctx.keepdim = tuple(x.shape), keepdim
        ctx.dims = _dim_list(dim, x.dim(), "nanmean")
        keep = _ops.unary.logical_not(_ops.unary.isnan(x))
        ctx.save_for_backward(keep)
        return _R.nanmean(x, dim, keepdim, dtype=dtype)

    @staticmethod
    def backward(ctx, g):
        keep, = ctx.saved_tensors
        n = _mask_sum(keep, ctx.dims, g)
        return _full(_keep(g, ctx.shape, ctx.dims, ctx.keepdim) / n, ctx.shape, ctx.dims, True) * keep, \
            None, None, None


@register("sum")
def sum(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A001
    return Sum.apply(input, dim, keepdim, dtype)


@register("mean")
def mean(input, dim=None, keepdim=False, *, dtype=None):
    return Mean.apply(input, dim, keepdim, dtype)


@register("nansum")
def nansum(input, dim=None, keepdim=False, *, dtype=None):
    return Nansum.apply(input, dim, keepdim, dtype)


@register("nanmean")
def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    return Nanmean.apply(input, dim, keepdim, dtype)


# ---- prod -----------------------------------------------------------------------------------
def _prod_grad(x, out, g, dim):
    """d prod(x, dim) / dx times ``g`` (``out``, ``g`` in keepdim form); ``dim`` None = all."""
    if dim is None:
        flat = x.reshape(-1)
        r = _prod_grad(flat, out.reshape(1), g.reshape(1), 0)
        return r.reshape(tuple(x.shape))
    is_zero = x == 0
    if not bool(_R.any(is_zero)):
        return g * out / x
    if grad_mode.is_grad_enabled():  # create_graph: exact and differentiable, O(n^2) along dim
        others = _R.prod(_others_matrix(x, dim), dim + 1)
        return g * others
    # first order: one zero in a slice takes the product of the others; two or more give zeros
    zeros = is_zero.to(x.dtype)
    nz = zeros.sum(dim, keepdim=True)
    x1 = x + zeros
    p1 = _R.prod(x1, dim, keepdim=True)
    return g * ((nz == 0) * (p1 / x1) + (nz == 1) * zeros * p1)


class Prod(Function):
    @staticmethod
    def forward(ctx, x, dim, keepdim, dtype):
        out = _R.prod(x, dim, keepdim, dtype=dtype)
        ctx.keepdim = keepdim
        ctx.dim = None if dim is None else _R._one_dim(dim, "prod") % builtins.max(x.dim(), 1)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        shape = tuple(x.shape)
        if x.numel() == 0:
            return _ops.creation.zeros(shape, dtype=g.dtype), None, None, None
        if x.dim() == 0:
            return g.reshape(()), None, None, None
        dims = tuple(range(len(shape))) if ctx.dim is None else (ctx.dim,)
        gk = _keep(g, shape, dims, ctx.keepdim if ctx.dim is not None else False)
        ok = _keep(out, shape, dims, ctx.keepdim if ctx.dim is not None else False)
        return _prod_grad(x, ok.to(x.dtype) if ok.dtype != x.dtype else ok, gk, ctx.dim), None, None, None


@register("prod")
def prod(input, dim=None, keepdim=False, *, dtype=None):
    return Prod.apply(input, dim, keepdim, dtype)


# ---- variance and standard deviation ------------------------------------------------------------
def _var_grad(x, g, dims, correction, full):
    """g * d var / dx (``g`` broadcastable to x, keepdim form), with PyTorch's dof <= 0 rules."""
    n = _count(tuple(x.shape), dims) if x.dim() else 1
    dof = n - correction
    xm = x - (x.mean(list(dims), keepdim=True) if dims else x)
    if full and dof <= 0:  # 2/dof is inf: nan where x equals the mean, inf elsewhere (PyTorch)
        with grad_mode.no_grad():
            c = _ops.elementwise.where(xm == 0, _ops.creation.full_like(x, math.nan),
                                       _ops.creation.full_like(x, math.inf))
        return g * c
    scale = (2.0 / dof) if dof != 0 else math.inf
    return g * scale * xm


def _std_to_var_grad(g, std):
    """g / (2 std), 0 where std == 0 (PyTorch)."""
    zero = std == 0
    return g / (2 * (std + zero)) * _ops.unary.logical_not(zero)


class Var(Function):
    @staticmethod
    def forward(ctx, x, dim, correction, keepdim):
        ctx.dims, ctx.keepdim, ctx.correction = _dim_list(dim, x.dim(), "var"), keepdim, correction
        ctx.full = dim is None or x.dim() == 0
        ctx.save_for_backward(x)
        return _R.var(x, dim, keepdim=keepdim, correction=correction)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        gk = _keep(g, tuple(x.shape), ctx.dims, ctx.keepdim)
        return _var_grad(x, gk, ctx.dims, ctx.correction, ctx.full), None, None, None


class Std(Function):
    @staticmethod
    def forward(ctx, x, dim, correction, keepdim):
        ctx.dims, ctx.keepdim, ctx.correction = _dim_list(dim, x.dim(), "std"), keepdim, correction
        ctx.full = dim is None or x.dim() == 0
        out = _R.std(x, dim, keepdim=keepdim, correction=correction)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        shape = tuple(x.shape)
        gv = _std_to_var_grad(_keep(g, shape, ctx.dims, ctx.keepdim), _keep(out, shape, ctx.dims, ctx.keepdim))
        return _var_grad(x, gv, ctx.dims, ctx.correction, ctx.full), None, None, None


class VarMean(Function):
    @staticmethod
    def forward(ctx, x, dim, correction, keepdim, is_std):
        ctx.dims, ctx.keepdim, ctx.correction = _dim_list(dim, x.dim(), "var_mean"), keepdim, correction
        ctx.full, ctx.is_std = dim is None or x.dim() == 0, is_std
        f = _R.std_mean if is_std else _R.var_mean
        v, m = f(x, dim, keepdim=keepdim, correction=correction)
        ctx.save_for_backward(x, v if is_std else None)
        return v, m

    @staticmethod
    def backward(ctx, gv, gm):
        x, v = ctx.saved_tensors
        shape = tuple(x.shape)
        gv = _keep(gv, shape, ctx.dims, ctx.keepdim)
        if ctx.is_std:
            gv = _std_to_var_grad(gv, _keep(v, shape, ctx.dims, ctx.keepdim))
        r = _var_grad(x, gv, ctx.dims, ctx.correction, ctx.full)
        n = _count(shape, ctx.dims) if x.dim() else 1
        if n:
            r = r + _keep(gm, shape, ctx.dims, ctx.keepdim) / n
        return r, None, None, None, None


_StdMean = type("StdMean", (VarMean,), {"__module__": __name__})


@register("var")
def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    d, c = _R._correction("var", dim, unbiased, correction)
    return Var.apply(input, d, c, keepdim)


@register("std")
def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    d, c = _R._correction("std", dim, unbiased, correction)
    return Std.apply(input, d, c, keepdim)


@register("var_mean")
def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    d, c = _R._correction("var_mean", dim, unbiased, correction)
    return VarMean.apply(input, d, c, keepdim, False)


@register("std_mean")
def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    d, c = _R._correction("std_mean", dim, unbiased, correction)
    return _StdMean.apply(input, d, c, keepdim, True)


# ---- extremes -------------------------------------------------------------------------------
class _EvenlyDistributed(Function):
    """A reduction to one selected value (full max/min/median): ties share the gradient evenly;
    a nan result sends it to the nan inputs (PyTorch's evenly_distribute_backward)."""

    @staticmethod
    def forward(ctx, x, fn):
        out = fn(x)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        dims = tuple(range(x.dim()))
        return _even_split(g, x, out, dims, nan_aware=True), None


Max = type("Max", (_EvenlyDistributed,), {"__module__": __name__})      # max(): MaxBackward1 in PyTorch
Min = type("Min", (_EvenlyDistributed,), {"__module__": __name__})


class _SelectAlongDim(Function):
    """(values, indices) along ``dim``: the gradient goes to the returned index."""

    @staticmethod
    def forward(ctx, x, fn, dim, keepdim):
        v, i = fn(x)
        ctx.shape, ctx.dim, ctx.keepdim = tuple(x.shape), dim % builtins.max(x.dim(), 1), keepdim
        ctx.save_for_backward(i)
        ctx.mark_non_differentiable(i)
        return v, i

    @staticmethod
    def backward(ctx, gv, gi):
        i, = ctx.saved_tensors
        return _select_back(gv, i, ctx.dim, ctx.shape, ctx.keepdim), None, None, None


MaxDim = type("Max", (_SelectAlongDim,), {"__module__": __name__})
MinDim = type("Min", (_SelectAlongDim,), {"__module__": __name__})


def _extreme_grad(is_max):
    op = "max" if is_max else "min"
    cls = getattr(_R.return_types, op)
    full_fn, dim_fn = (Max, MaxDim) if is_max else (Min, MinDim)
    raw = getattr(_R, op)._raw

    def impl(input, dim=None, keepdim=False):
        from ..._tensor import Tensor
        if isinstance(dim, Tensor):  # max(a, b) is elementwise: maximum's own gradient
            return raw(input, dim)
        if dim is None:
            if keepdim:
                raise TypeError(f"[{op}] keepdim requires dim")
            return full_fn.apply(input, raw)
        d = _R._one_dim(dim, op)
        v, i = dim_fn.apply(input, lambda x: raw(x, d, keepdim), d, keepdim)
        return cls(v, i)
    impl.__name__ = op
    return impl


max = register("max")(_extreme_grad(True))  # noqa: A001
min = register("min")(_extreme_grad(False))  # noqa: A001


class _AmaxAmin(Function):
    @staticmethod
    def forward(ctx, x, dim, keepdim, fn):
        out = fn(x, dim, keepdim)
        ctx.dims, ctx.keepdim = _dim_list(dim, x.dim(), "amax"), keepdim
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        shape = tuple(x.shape)
        gk, ok = _keep(g, shape, ctx.dims, ctx.keepdim), _keep(out, shape, ctx.dims, ctx.keepdim)
        return _even_split(gk, x, ok, ctx.dims, nan_aware=False), None, None, None


Amax = type("Amax", (_AmaxAmin,), {"__module__": __name__})
Amin = type("Amin", (_AmaxAmin,), {"__module__": __name__})


@register("amax")
def amax(input, dim=(), keepdim=False):
    return Amax.apply(input, dim, keepdim, _R.amax._raw)


@register("amin")
def amin(input, dim=(), keepdim=False):
    return Amin.apply(input, dim, keepdim, _R.amin._raw)


class Aminmax(Function):
    @staticmethod
    def forward(ctx, x, dim, keepdim):
        lo, hi = _R.aminmax._raw(x, dim=dim, keepdim=keepdim)
        ctx.dims, ctx.keepdim = _dim_list(dim, x.dim(), "aminmax"), keepdim
        ctx.save_for_backward(x, lo, hi)
        return lo, hi

    @staticmethod
    def backward(ctx, glo, ghi):
        x, lo, hi = ctx.saved_tensors
        shape, d, k = tuple(x.shape), ctx.dims, ctx.keepdim
        r = _even_split(_keep(glo, shape, d, k), x, _keep(lo, shape, d, k), d, nan_aware=False)
        return r + _even_split(_keep(ghi, shape, d, k), x, _keep(hi, shape, d, k), d, nan_aware=False), None, None


@register("aminmax")
def aminmax(input, *, dim=None, keepdim=False):
    lo, hi = Aminmax.apply(input, dim, keepdim)
    return _R.return_types.aminmax(lo, hi)


# ---- logsumexp ------------------------------------------------------------------------------
class Logsumexp(Function):
    @staticmethod
    def forward(ctx, x, dim, keepdim):
        out = _R.logsumexp(x, dim, keepdim)
        ctx.dims, ctx.keepdim = _dim_list(dim, x.dim(), "logsumexp"), keepdim
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        shape = tuple(x.shape)
        gk, ok = _keep(g, shape, ctx.dims, ctx.keepdim), _keep(out, shape, ctx.dims, ctx.keepdim)
        return gk * _ops.unary.exp(x - ok), None, None


@register("logsumexp")
def logsumexp(input, dim=None, keepdim=False):
    return Logsumexp.apply(input, dim, keepdim)


# ---- vector norms ---------------------------------------------------------------------------
def _vector_norm_grad(x, norm, g, p, dims):
    """g * d ||x||_p / dx over ``dims`` (``norm``, ``g`` in keepdim form), as PyTorch's norm_backward."""
    if p == 0.0:  # piecewise constant: no gradient flows (PyTorch returns an undefined gradient)
        return None
    sgn = _ops.unary.sgn(x)
    if p == 1.0:
        return sgn * g
    nonzero = norm != 0
    safe = norm + _ops.unary.logical_not(nonzero)
    if p == 2.0:
        return g * (x / safe) * nonzero
    if math.isinf(p):
        ax = x * sgn
        mask = _ops.elementwise.logical_or(ax == norm, _ops.unary.isnan(ax))
        return sgn * ((g / _mask_sum(mask, dims, g)) * mask)
    ax = x * sgn  # |x| (sgn is piecewise constant, so this stays differentiable)
    if p < 1.0:
        scaled = sgn * _ops.elementwise.pow(ax + (x == 0), p - 1) * (x != 0)
        return scaled * g * _ops.elementwise.pow(norm, 1 - p)
    scaled = sgn * _ops.elementwise.pow(ax, p - 1) if p < 2.0 else x * _ops.elementwise.pow(ax, p - 2)
    return scaled * (g / _ops.elementwise.pow(safe, p - 1) * nonzero)


class LinalgVectorNorm(Function):
    @staticmethod
    def forward(ctx, x, ord, dim, keepdim, dtype):
        from ... import linalg
        out = linalg.vector_norm._raw(x, ord, dim, keepdim, dtype=dtype)
        ctx.dims, ctx.keepdim, ctx.ord = _dim_list(dim, x.dim(), "linalg.vector_norm"), keepdim, float(ord)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        shape = tuple(x.shape)
        gk, ok = _keep(g, shape, ctx.dims, ctx.keepdim), _keep(out, shape, ctx.dims, ctx.keepdim)
        return _vector_norm_grad(x, ok, gk, ctx.ord, ctx.dims), None, None, None, None


def _check_ord(ord, op):
    import builtins
    import numbers
    if isinstance(ord, builtins.bool) or not isinstance(ord, numbers.Real):
        raise TypeError(f"[{op}] ord must be a number, got {type(ord).__name__}")


@register("linalg.vector_norm")
def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    _check_ord(ord, "linalg.vector_norm")
    return LinalgVectorNorm.apply(x, ord, dim, keepdim, dtype)


class LinalgMatrixNorm(Function):
    """ord 1 / -1 (max / min column abs-sum) and inf / -inf (rows): composite of a 1-norm over one
    dim and amax/amin over the other, as PyTorch; ties share the gradient evenly."""

    @staticmethod
    def forward(ctx, A, ord, dim, keepdim, dtype):
        from ... import linalg
        out = linalg.matrix_norm._raw(A, ord, dim, keepdim, dtype=dtype)
        nd = A.dim()
        d0, d1 = (dim[0] % nd, dim[1] % nd)
        if math.isinf(ord):
            d0, d1 = d1, d0
        sums = _R.sum(_ops.unary.abs(A), d0, keepdim=True, dtype=dtype)
        best = (_R.amax if ord > 0 else _R.amin)(sums, d1, keepdim=True)
        ctx.save_for_backward(_ops.unary.sgn(A), sums == best)
        ctx.d1, ctx.dims, ctx.keepdim, ctx.shape = d1, tuple(sorted((d0, d1))), keepdim, tuple(A.shape)
        return out

    @staticmethod
    def backward(ctx, g):
        sgn, mask = ctx.saved_tensors
        gk = _keep(g, ctx.shape, ctx.dims, ctx.keepdim)
        return sgn * ((gk / _mask_sum(mask, (ctx.d1,), gk)) * mask), None, None, None, None


@register("linalg.matrix_norm")
def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    from ... import linalg
    if isinstance(ord, str) and ord not in ("fro", "nuc"):
        return linalg.matrix_norm._raw(A, ord, dim, keepdim, dtype=dtype)  # raises the op's own error
    d = _R._dims(dim, "linalg.matrix_norm")
    if d is None or len(d) != 2:
        raise RuntimeError(f"[linalg.matrix_norm] dim must be a 2-tuple, got {dim!r}")
    if A.dim() < 2:
        raise RuntimeError(f"[linalg.matrix_norm] The input tensor A must have at least 2 dimensions, got {A.dim()}")
    if ord == "fro":
        return LinalgVectorNorm.apply(A, 2.0, d, keepdim, dtype)
    if ord == "nuc" or abs(ord) == 2:
        raise NotImplementedError(f"[linalg.matrix_norm] autograd: the backward of ord={ord!r} needs an SVD with "
                                  "singular vectors, which ember does not have yet")
    if abs(ord) not in (1, math.inf):
        return linalg.matrix_norm._raw(A, ord, dim, keepdim, dtype=dtype)  # raises the op's own error
    return LinalgMatrixNorm.apply(A, float(ord), d, keepdim, dtype)


class Norm(LinalgVectorNorm):
    @staticmethod
    def forward(ctx, x, p, dim, keepdim, dtype):
        out = _R.norm._raw(x, p, dim, keepdim, dtype=dtype)
        ctx.dims, ctx.keepdim, ctx.ord = _dim_list(dim, x.dim(), "norm"), keepdim, 2.0 if p == "fro" else float(p)
        ctx.save_for_backward(x, out)
        return out


@register("norm")
def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    if p is None:
        p = "fro"
    if isinstance(p, str):
        if p == "nuc":
            raise NotImplementedError("[norm] autograd: the backward of the nuclear norm needs an SVD with singular "
                                      "vectors, which ember does not have yet")
        d = _R._dims(dim, "norm")
        if p != "fro" or (d is not None and len(d) > 2):
            return _R.norm._raw(input, p, dim, keepdim, dtype=dtype)  # raises the op's own error
    else:
        _check_ord(p, "norm")
    return Norm.apply(input, p, dim, keepdim, dtype)


# ---- scans ----------------------------------------------------------------------------------
class Cumsum(Function):
    @staticmethod
    def forward(ctx, x, dim, dtype):
        ctx.dim = _R._one_dim(dim, "cumsum") % builtins.max(x.dim(), 1)
        return _R.cumsum(x, dim, dtype=dtype)

    @staticmethod
    def backward(ctx, g):
        if g.dim() == 0:
            return g, None, None
        return _revcumsum(g, ctx.dim), None, None


@register("cumsum")
def cumsum(input, dim, *, dtype=None):
    return Cumsum.apply(input, dim, dtype)


def _cumprod_grad(x, out, g, dim):
    """sum_{j >= i} g_j * prod_{m <= j, m != i} x_m, exact with zeros (PyTorch's cumprod_backward)."""
    is_zero = x == 0
    if not bool(_R.any(is_zero)):
        return _revcumsum(g * out, dim) / x
    if grad_mode.is_grad_enabled():  # create_graph: exact and differentiable, O(n^2) along dim
        n = x.shape[dim]
        c = _R.cumprod(_others_matrix(x, dim), dim + 1)        # c[i, j] = prod_{m <= j, m != i} x_m
        ge = g.reshape(tuple(x.shape[:dim]) + (1, n) + tuple(x.shape[dim + 1:]))
        upper = _ops.creation.ones(n, n, dtype=x.dtype).triu().reshape((n, n) + (1,) * (x.dim() - dim - 1))
        return (c * ge * upper).sum(dim + 1)
    zeros = is_zero.to(x.dtype)
    nzero_before = _R.cumsum(zeros, dim)
    before = nzero_before == 0                       # positions before the first zero
    first = is_zero * (nzero_before == 1)            # the first zero of each slice
    part_before = _revcumsum(g * out, dim) / (x + zeros) * before
    skip_first = _R.cumprod(x + first, dim)          # prod_{m <= j, m != first zero} x_m
    return part_before + _revcumsum(g * skip_first, dim) * first


class Cumprod(Function):
    @staticmethod
    def forward(ctx, x, dim, dtype):
        ctx.dim = _R._one_dim(dim, "cumprod") % builtins.max(x.dim(), 1)
        out = _R.cumprod(x, dim, dtype=dtype)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        if x.numel() == 0:
            return g, None, None
        if x.dim() == 0:
            return g.reshape(()), None, None
        return _cumprod_grad(x, out.to(x.dtype) if out.dtype != x.dtype else out, g, ctx.dim), None, None


@register("cumprod")
def cumprod(input, dim, *, dtype=None):
    return Cumprod.apply(input, dim, dtype)


class _CumExtreme(Function):
    """cummax/cummin values: the gradient of each position goes to the index it came from."""

    @staticmethod
    def forward(ctx, x, dim, fn):
        v, i = fn(x, dim)
        ctx.dim, ctx.shape = dim % builtins.max(x.dim(), 1), tuple(x.shape)
        ctx.save_for_backward(i)
        ctx.mark_non_differentiable(i)
        return v, i

    @staticmethod
    def backward(ctx, gv, gi):
        i, = ctx.saved_tensors
        if len(ctx.shape) == 0:
            return gv, None, None
        return _select_back(gv, i, ctx.dim, ctx.shape, True, accumulate=True), None, None


Cummax = type("Cummax", (_CumExtreme,), {"__module__": __name__})
Cummin = type("Cummin", (_CumExtreme,), {"__module__": __name__})


@register("cummax")
def cummax(input, dim):
    v, i = Cummax.apply(input, _R._one_dim(dim, "cummax"), _R.cummax._raw)
    return _R.return_types.cummax(v, i)


@register("cummin")
def cummin(input, dim):
    v, i = Cummin.apply(input, _R._one_dim(dim, "cummin"), _R.cummin._raw)
    return _R.return_types.cummin(v, i)


def _reverse_logcumsumexp(v, dim):
    f = _ops.shape.flip
    return f(_R.logcumsumexp(f(v, [dim]), dim), [dim])


class Logcumsumexp(Function):
    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = _R._one_dim(dim, "logcumsumexp") % builtins.max(x.dim(), 1)
        out = _R.logcumsumexp(x, dim)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        # grad_i = sum_{j >= i} g_j exp(x_i - out_j), with positive and negative g in log space (stable)
        x, out = ctx.saved_tensors
        if x.dim() == 0 or x.numel() == 0:
            return g, None
        E, U = _ops.elementwise, _ops.unary
        lowest = -1.7976931348623157e308 if x.dtype._name == "float64" else -3.4028234663852886e38
        log_abs = U.log(U.abs(g))
        pos = E.where(g > 0, log_abs, lowest)
        neg = E.where(g < 0, log_abs, lowest)
        return (U.exp(_reverse_logcumsumexp(pos - out, ctx.dim) + x)
                - U.exp(_reverse_logcumsumexp(neg - out, ctx.dim) + x)), None


@register("logcumsumexp")
def logcumsumexp(input, dim):
    return Logcumsumexp.apply(input, dim)
