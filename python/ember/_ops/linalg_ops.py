"""Matrix products: matmul / ``@``, mm, bmm, mv, dot, vdot, inner, addmm, addmv, addbmm, baddbmm,
einsum, tensordot, chain_matmul, matrix_power, and ember.linalg's matmul, multi_dot, vecdot,
matrix_power. Validation, broadcasting and the GEMM itself are C++ (csrc/ember/ops/gemm)."""
import builtins
import numbers

from .. import _C
from .._tensor import Tensor, _register_method, _wrap
from ..autograd._dispatch import differentiable, _grad_call
from ..autograd.grad_mode import _state as _grad_state

__all__ = ["matmul", "mm", "bmm", "mv", "dot", "vdot", "inner", "addmm", "addmv", "addr", "addbmm", "baddbmm",
           "einsum", "tensordot", "chain_matmul", "matrix_power", "set_float32_matmul_precision",
           "get_float32_matmul_precision"]

# Names re-exported by ember.linalg (see python/ember/linalg.py).
LINALG_EXPORTS = ["matmul", "multi_dot", "vecdot", "matrix_power"]


def _t(x, op, name="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"[{op}] argument '{name}' must be Tensor, not {type(x).__name__}")
    return x._t


def _out(out, op):
    if out is None:
        return None
    if not isinstance(out, Tensor):
        raise TypeError(f"[{op}] argument 'out' must be Tensor, not {type(out).__name__}")
    return out._t


def _num(x, op, name):
    if isinstance(x, Tensor):
        return x.item()
    if not isinstance(x, numbers.Number) or isinstance(x, complex):
        raise TypeError(f"[{op}] argument '{name}' must be a number, not {type(x).__name__}")
    return x


def _result(r, out):
    return out if out is not None else _wrap(r)


# ---- float32 matmul precision ----------------------------------------------------------------------
_PRECISIONS = ("highest", "high", "medium")


def set_float32_matmul_precision(precision):
    """Internal precision of float32 matrix products on CUDA: ``"highest"`` (default: full float32),
    ``"high"`` or ``"medium"`` (TF32 tensor cores allowed; ember has no bfloat16-based float32 mode,
    so "medium" behaves as "high"). Same switch as ``ember.backends.cuda.matmul.allow_tf32``. The CPU
    always computes in full float32."""
    if not isinstance(precision, str) or precision.lower() not in _PRECISIONS:
        raise RuntimeError(f"[set_float32_matmul_precision] expected one of 'highest', 'high', 'medium', "
                           f"got {precision!r}")
    _C._set_float32_matmul_precision(_PRECISIONS.index(precision.lower()))


def get_float32_matmul_precision():
    """The current float32 matmul precision: "highest", "high" or "medium"."""
    return _PRECISIONS[_C._get_float32_matmul_precision()]


# ---- products -------------------------------------------------------------------------------------
@differentiable("matmul")
def matmul(input, other, *, out=None):
    """Matrix product with NumPy/PyTorch broadcasting: 1-D operands are promoted to matrices (and the
    added dim removed), leading batch dims broadcast; 1-D @ 1-D is a 0-d dot product."""
    if out is None and input.__class__ is Tensor and other.__class__ is Tensor:  # the common case, checks inline
        return _wrap(_c_matmul(input._t, other._t, None))
    return _result(_c_matmul(_t(input, "matmul"), _t(other, "matmul", "other"), _out(out, "matmul")), out)


_c_matmul = _C.matmul


@differentiable("mm")
def mm(input, mat2, *, out=None):
    """Product of two matrices: (n, k) @ (k, m) -> (n, m). No broadcasting."""
    return _result(_C.mm(_t(input, "mm"), _t(mat2, "mm", "mat2"), _out(out, "mm")), out)


@differentiable("bmm")
def bmm(input, mat2, *, out=None):
    """Batched product of 3-D tensors: (b, n, k) @ (b, k, m) -> (b, n, m). No broadcasting."""
    return _result(_C.bmm(_t(input, "bmm"), _t(mat2, "bmm", "mat2"), _out(out, "bmm")), out)


@differentiable("mv")
def mv(input, vec, *, out=None):
    """Matrix-vector product: (n, k) @ (k,) -> (n,)."""
    return _result(_C.mv(_t(input, "mv"), _t(vec, "mv", "vec"), _out(out, "mv")), out)


@differentiable("dot")
def dot(input, tensor, *, out=None):
    """Dot product of two 1-D tensors with the same number of elements (a 0-d tensor)."""
    return _result(_C.dot(_t(input, "dot"), _t(tensor, "dot", "tensor"), _out(out, "dot")), out)


@differentiable("vdot")
def vdot(input, other, *, out=None):
    """Dot product of two 1-D tensors (the first is conjugated; ember has only real dtypes)."""
    return _result(_C.vdot(_t(input, "vdot"), _t(other, "vdot", "other"), _out(out, "vdot")), out)


@differentiable("inner")
def inner(input, other, *, out=None):
    """Inner product over the last dimension: result shape input.shape[:-1] + other.shape[:-1]."""
    return _result(_C.inner(_t(input, "inner"), _t(other, "inner", "other"), _out(out, "inner")), out)


@differentiable("addmm")
def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (mat1 @ mat2); input broadcasts to (n, m); beta=0 ignores input (nan too)."""
    op = "addmm"
    return _result(_C.addmm(_t(input, op), _t(mat1, op, "mat1"), _t(mat2, op, "mat2"), _num(beta, op, "beta"),
                            _num(alpha, op, "alpha"), _out(out, op)), out)


@differentiable("addmv")
def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (mat @ vec)."""
    op = "addmv"
    return _result(_C.addmv(_t(input, op), _t(mat, op, "mat"), _t(vec, op, "vec"), _num(beta, op, "beta"),
                            _num(alpha, op, "alpha"), _out(out, op)), out)


@differentiable("addbmm")
def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * sum_b batch1[b] @ batch2[b]."""
    op = "addbmm"
    return _result(_C.addbmm(_t(input, op), _t(batch1, op, "batch1"), _t(batch2, op, "batch2"),
                             _num(beta, op, "beta"), _num(alpha, op, "alpha"), _out(out, op)), out)


@differentiable("baddbmm")
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * bmm(batch1, batch2); input broadcasts to (b, n, m)."""
    op = "baddbmm"
    return _result(_C.baddbmm(_t(input, op), _t(batch1, op, "batch1"), _t(batch2, op, "batch2"),
                              _num(beta, op, "beta"), _num(alpha, op, "alpha"), _out(out, op)), out)


def _sublist_equation(args):
    """einsum(op0, sublist0, op1, sublist1, ..., [out_sublist]) -> (equation, operands)."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

    def sub(lst):
        s = ""
        for v in lst:
            if v is Ellipsis:
                s += "..."
            elif isinstance(v, numbers.Integral) and 0 <= v < 52:
                s += letters[v]
            else:
                raise ValueError(f"[einsum] subscript in a sublist must be Ellipsis or an int in [0, 52), got {v!r}")
        return s
    ops, terms = [], []
    i = 0
    while i + 1 < len(args) and isinstance(args[i], Tensor):
        ops.append(args[i])
        terms.append(sub(args[i + 1]))
        i += 2
    eq = ",".join(terms)
    if i < len(args):
        eq += "->" + sub(args[i])
    return eq, ops


def _einsum_args(args):
    """einsum's two call forms -> (equation, list of operand Tensors)."""
    if not args:
        raise TypeError("[einsum] einsum() missing required argument 'equation'")
    if isinstance(args[0], Tensor):
        return _sublist_equation(args)
    equation, operands = args[0], args[1:]
    if not isinstance(equation, str):
        raise TypeError(f"[einsum] equation must be a str, not {type(equation).__name__}")
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = operands[0]
    for o in operands:
        _t(o, "einsum", "operands")
    return equation, list(operands)


@differentiable("einsum")
def einsum(*args):
    """Einstein summation: ``einsum("bij,bjk->bik", a, b)``. Supports implicit and explicit output,
    ``...``, repeated subscripts (diagonals) and any number of operands (contracted pairwise, left to
    right, each as a batched GEMM). The sublist form ``einsum(a, [0, 1], b, [1, 2])`` works too."""
    equation, operands = _einsum_args(args)
    return _wrap(_C.einsum(equation, [o._t for o in operands]))


@differentiable("tensordot")
def tensordot(a, b, dims=2, out=None):
    """Contract ``dims`` of a with those of b: an int n (a's last n with b's first n), or a pair of
    lists ``([a dims], [b dims])``. Result: a's remaining dims followed by b's."""
    op = "tensordot"
    ta, tb = _t(a, op, "a"), _t(b, op, "b")
    if isinstance(dims, Tensor):
        dims = dims.tolist() if dims.dim() > 0 else int(dims.item())
    if isinstance(dims, numbers.Integral) and not isinstance(dims, builtins.bool):
        dims = int(dims)
        if dims < 0:
            raise RuntimeError(f"[{op}] tensordot expects dims >= 0, but got dims={dims}")
        if dims > ta.ndim or dims > tb.ndim:
            raise RuntimeError(f"[{op}] tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        da = list(range(ta.ndim - dims, ta.ndim))
        db = list(range(dims))
    elif isinstance(dims, (list, tuple)) and len(dims) == 2:
        da, db = dims

        def as_list(d):
            if isinstance(d, Tensor):
                d = d.tolist()
            return [int(d)] if isinstance(d, numbers.Integral) else [int(x) for x in d]
        da, db = as_list(da), as_list(db)
    else:
        raise TypeError(f"[{op}] tensordot expects dims to be an int or a pair of lists of ints, got {dims!r}")
    return _result(_C.tensordot(ta, tb, da, db, _out(out, op)), out)


@differentiable("multi_dot")
def multi_dot(tensors, *, out=None):
    """Product of a chain of matrices in the cheapest order; the first and last may be 1-D."""
    op = "multi_dot"
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"[{op}] expected a list or tuple of tensors, got {type(tensors).__name__}")
    return _result(_C.multi_dot([_t(x, op, "tensors") for x in tensors], _out(out, op)), out)


@differentiable("chain_matmul")
def chain_matmul(*matrices, out=None):
    """Product of 2-D matrices in the cheapest order (deprecated in PyTorch for linalg.multi_dot)."""
    op = "chain_matmul"
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = tuple(matrices[0])
    if not matrices:
        raise RuntimeError(f"[{op}] chain_matmul(): Expected one or more matrices")
    for m in matrices:
        if _t(m, op, "matrices").ndim != 2:
            raise RuntimeError(f"[{op}] Tensor dimension is {m.dim()}, expected 2 instead.")
    if len(matrices) == 1:
        r = matrices[0].clone()
        if out is not None:
            out.copy_(r)
            return out
        return r
    return multi_dot(list(matrices), out=out)


@differentiable("matrix_power")
def matrix_power(input, n, *, out=None):
    """input^n for a square matrix or a batch of them; n = 0 gives identity matrices. Negative n
    needs a matrix inverse and raises NotImplementedError."""
    op = "matrix_power"
    t = _t(input, op)
    if isinstance(n, builtins.bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"[{op}] argument 'n' must be int, not {type(n).__name__}")
    r = _wrap(_C.matrix_power(t, int(n)))
    if out is not None:
        _out(out, op)
        if out.shape != r.shape or out.dtype is not r.dtype:
            raise RuntimeError(f"[{op}] out tensor has shape {tuple(out.shape)} and dtype {out.dtype}, expected "
                               f"{tuple(r.shape)} and {r.dtype}")
        out.copy_(r)
        return out
    return r


@differentiable("vecdot")
def vecdot(x, y, *, dim=-1, out=None):
    """Dot products of (broadcast) vectors along ``dim``: sum(x * y, dim) as a batched GEMM."""
    op = "vecdot"
    tx, ty = _t(x, op, "x"), _t(y, op, "y")
    if tx.dtype != ty.dtype:
        raise RuntimeError(f"[{op}] linalg.vecdot: Expected x and y to have the same dtype, but found x of type "
                           f"{x.dtype} and y of type {y.dtype} instead")
    nd = builtins.max(tx.ndim, ty.ndim)
    if nd == 0:
        raise RuntimeError(f"[{op}] linalg.vecdot: x and y must have at least one dimension")
    if not -nd <= dim < nd:
        raise IndexError(f"[{op}] Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], but got {dim})")
    d = dim - nd if dim >= 0 else dim  # counted from the end, valid for both after broadcasting
    xs = x if tx.ndim >= -d else x.reshape((1,) * (-d - tx.ndim) + tuple(x.shape))
    ys = y if ty.ndim >= -d else y.reshape((1,) * (-d - ty.ndim) + tuple(y.shape))
    if xs.shape[d] != ys.shape[d] and xs.shape[d] != 1 and ys.shape[d] != 1:
        raise RuntimeError(f"[{op}] linalg.vecdot: the sizes of x {tuple(x.shape)} and y {tuple(y.shape)} don't "
                           f"match along dim {dim}")
    if xs.shape[d] != ys.shape[d]:  # one side broadcasts along the contracted dim
        n = builtins.max(xs.shape[d], ys.shape[d])
        shp = list(xs.shape)
        shp[d] = n
        xs = xs.expand(*shp)
        shp = list(ys.shape)
        shp[d] = n
        ys = ys.expand(*shp)
    xm = xs.movedim(d, -1).unsqueeze(-2)
    ym = ys.movedim(d, -1).unsqueeze(-1)
    r = _wrap(_C.matmul(xm._t, ym._t, None))
    r = r.reshape(tuple(r.shape[:-2]))
    if out is not None:
        _out(out, op)
        if out.shape != r.shape or out.dtype is not r.dtype:
            raise RuntimeError(f"[{op}] out tensor has shape {tuple(out.shape)} and dtype {out.dtype}, expected "
                               f"{tuple(r.shape)} and {r.dtype}")
        out.copy_(r)
        return out
    return r


def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * outer(vec1, vec2), as a rank-1 GEMM (addmm with k = 1)."""
    op = "addr"
    for v, n in ((vec1, "vec1"), (vec2, "vec2")):
        if _t(v, op, n).ndim != 1:
            raise RuntimeError(f"[{op}] {n} must be a 1-D tensor, got {v.dim()}-D")
    _t(input, op)
    kw = {} if out is None else {"out": out}
    return addmm(input, vec1.reshape(-1, 1), vec2.reshape(1, -1), beta=beta, alpha=alpha, **kw)


# ---- Tensor methods ---------------------------------------------------------------------------------
# ``a @ b`` skips ``matmul``'s wrapper: the grad test is inline, the raw path calls _C directly. The
# plain requires_grad attributes are tested before the thread-local grad mode (~0.3 us a lookup).
@_register_method("__matmul__")
def _matmul_op(self, other):
    if not isinstance(other, Tensor):
        return NotImplemented
    if (self.requires_grad or other.requires_grad) and _grad_state.enabled:
        return _grad_call("matmul", (self, other), {})
    return _wrap(_c_matmul(self._t, other._t, None))


@_register_method("__rmatmul__")
def _rmatmul_op(self, other):
    if not isinstance(other, Tensor):
        return NotImplemented
    if (self.requires_grad or other.requires_grad) and _grad_state.enabled:
        return _grad_call("matmul", (other, self), {})
    return _wrap(_c_matmul(other._t, self._t, None))


for _name in ("matmul", "mm", "bmm", "mv", "dot", "vdot", "inner", "addmm", "addmv", "addr", "addbmm", "baddbmm",
              "matrix_power"):
    _register_method(_name)(globals()[_name])


def _inplace(name, op, args):
    def method(self, a, b, *, beta=1, alpha=1):
        getattr(_C, name)(_t(self, name), _t(a, name, args[0]), _t(b, name, args[1]), _num(beta, name, "beta"),
                          _num(alpha, name, "alpha"))
        return self
    method.__name__ = name
    method.__doc__ = f"In-place ``{op}``: self = beta * self + alpha * product."
    _register_method(name)(differentiable(op, inplace=True)(method))


for _name, _op, _args in (("addmm_", "addmm", ("mat1", "mat2")), ("addmv_", "addmv", ("mat", "vec")),
                          ("addbmm_", "addbmm", ("batch1", "batch2")), ("baddbmm_", "baddbmm", ("batch1", "batch2"))):
    _inplace(_name, _op, _args)
del _name, _op, _args


def _addr_(self, vec1, vec2, *, beta=1, alpha=1):
    """In-place ``addr``."""
    return self.addmm_(vec1.reshape(-1, 1), vec2.reshape(1, -1), beta=beta, alpha=alpha)


_register_method("addr_")(_addr_)
