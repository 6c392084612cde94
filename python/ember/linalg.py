"""ember.linalg: norms (reduce family) and matrix products (matmul family)."""
from ._ops import linalg_ops as _lo

__all__ = list(getattr(_lo, "LINALG_EXPORTS", []))
for _n in __all__:
    globals()[_n] = getattr(_lo, _n)

# ---- norms (reduce family) below this line ----
import builtins as _builtins  # noqa: E402
import numbers as _numbers  # noqa: E402

from . import _C as _Cn  # noqa: E402
from ._dtype import _to_dtype as _to_dt  # noqa: E402
from ._tensor import Tensor as _T, _wrap as _wrapn  # noqa: E402
from ._ops.reduce import _dims as _norm_dims, _out as _norm_out  # noqa: E402
from .autograd._dispatch import differentiable as _differentiable  # noqa: E402


def _ndt(dtype):
    return None if dtype is None else _to_dt(dtype)._code


def _check(x, op):
    if not isinstance(x, _T):
        raise TypeError(f"[{op}] expected a Tensor as input, got {type(x).__name__}")


@_differentiable("linalg.vector_norm")
def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    """Vector ``ord``-norm over ``dim`` (all elements when None); ord any float incl. 0, inf, -inf."""
    _check(x, "linalg.vector_norm")
    if isinstance(ord, _builtins.bool) or not isinstance(ord, _numbers.Real):
        raise TypeError(f"[linalg.vector_norm] ord must be a number, got {type(ord).__name__}")
    res = _Cn.vector_norm(x._t, float(ord), _norm_dims(dim, "linalg.vector_norm"), keepdim, _ndt(dtype))
    return _norm_out("linalg.vector_norm", _wrapn(res), out)


@_differentiable("linalg.matrix_norm")
def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    """Matrix norm over the two dims ``dim``: ord 'fro', 'nuc', 1, -1, 2, -2, inf, -inf."""
    _check(A, "linalg.matrix_norm")
    d = _norm_dims(dim, "linalg.matrix_norm")
    if isinstance(ord, str):
        if ord not in ("fro", "nuc"):
            raise RuntimeError(f"[linalg.matrix_norm] Order {ord} not supported.")
        res = _Cn.matrix_norm(A._t, ord, 0.0, d, keepdim, _ndt(dtype))
    else:
        if isinstance(ord, _builtins.bool) or not isinstance(ord, _numbers.Real):
            raise TypeError(f"[linalg.matrix_norm] ord must be a number or 'fro'/'nuc', got {type(ord).__name__}")
        res = _Cn.matrix_norm(A._t, "", float(ord), d, keepdim, _ndt(dtype))
    return _norm_out("linalg.matrix_norm", _wrapn(res), out)


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None, out=None):
    """Vector or matrix norm, chosen as torch.linalg.norm does from ``ord`` and ``dim``."""
    _check(A, "linalg.norm")
    d = _norm_dims(dim, "linalg.norm")
    if d is not None and len(d) == 2 or (d is None and ord is not None and A.dim() == 2):
        kw = {} if out is None else {"out": out}
        return matrix_norm(A, "fro" if ord is None else ord, (-2, -1) if d is None else d, keepdim, dtype=dtype, **kw)
    if ord is None:
        ord = 2
    if isinstance(ord, str):
        raise RuntimeError(f"[linalg.norm] ord {ord!r} needs a 2-D input or a 2-tuple dim")
    if d is None and A.dim() != 1 and ord != 2:
        raise RuntimeError(f"[linalg.norm] input must be 1-D or 2-D when dim is None and ord is given, got "
                           f"{A.dim()}-D")
    return vector_norm(A, ord, d, keepdim, dtype=dtype, **({} if out is None else {"out": out}))


@_differentiable("linalg.svdvals")
def svdvals(A, *, driver=None, out=None):
    """Singular values of the matrices in ``A``: (..., m, n) -> (..., min(m, n)), descending.
    One-sided Jacobi in float64 on every device (``driver`` is cuSOLVER's choice in PyTorch: only None)."""
    _check(A, "linalg.svdvals")
    if driver is not None:
        raise NotImplementedError(f"[linalg.svdvals] driver={driver!r} is not supported (only None)")
    return _norm_out("linalg.svdvals", _wrapn(_Cn.svdvals(A._t)), out)


__all__ += ["vector_norm", "matrix_norm", "norm", "svdvals"]
