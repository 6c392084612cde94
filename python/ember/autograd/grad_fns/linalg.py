"""Grad implementations: the matmul family and einsum (see ``grad_fns/__init__``).

Backward formulas are products with transposed *views* (``x.mT``), never explicit copies, and
use public ember ops only, so ``create_graph=True`` records them again (double backward).
Broadcast batch dims are summed back with ``sum_to``.
"""
import builtins

from ... import _ops
from ..._tensor import Tensor
from .._dispatch import register
from ..function import Function
from ._util import sum_to

_L = _ops.linalg_ops


def _scale(g, s):
    return g if s == 1 else g * s


def _num(x):
    return x.item() if isinstance(x, Tensor) else x


# ---- matmul (any ranks) -------------------------------------------------------------------------------
# Dot, Mm and Mv take the op that computes the forward (dot or matmul, ...) so errors name it.
class Dot(Function):
    @staticmethod
    def forward(ctx, a, b, op):
        ctx.save_for_backward(a, b)
        return op(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad[:2]
        return g * b if na else None, g * a if nb else None, None


class Mm(Function):
    @staticmethod
    def forward(ctx, a, b, op):
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b if ctx.needs_input_grad[0] else None)
        return op(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad[:2]
        return _L.mm(g, b.mT) if na else None, _L.mm(a.mT, g) if nb else None, None


class Bmm(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b if ctx.needs_input_grad[0] else None)
        return _L.bmm(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        return _L.bmm(g, b.mT) if na else None, _L.bmm(a.mT, g) if nb else None


class Mv(Function):
    @staticmethod
    def forward(ctx, a, v, op):
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, v if ctx.needs_input_grad[0] else None)
        return op(a, v)

    @staticmethod
    def backward(ctx, g):
        a, v = ctx.saved_tensors
        na, nv = ctx.needs_input_grad[:2]
        return g.reshape(-1, 1) * v if na else None, _L.mv(a.mT, g) if nv else None, None


class MatMul(Function):
    """matmul of operands with at least one of rank > 2 or mixed 1-D/N-D ranks: a 1-D operand
    is a row (left) or column (right) vector, batch dims broadcast."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b if ctx.needs_input_grad[0] else None)
        ctx.shapes = (tuple(a.shape), tuple(b.shape))
        return _L.matmul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        sa, sb = ctx.shapes
        # Promote 1-D operands to matrices and put the removed dims back into g.
        a2 = None if a is None else a.reshape(1, -1) if len(sa) == 1 else a
        b2 = None if b is None else b.reshape(-1, 1) if len(sb) == 1 else b
        a2_shape = (1,) + sa if len(sa) == 1 else sa
        b2_shape = sb + (1,) if len(sb) == 1 else sb
        gs = list(g.shape)
        if len(sa) == 1:
            gs.insert(len(gs) - (0 if len(sb) == 1 else 1), 1)
        if len(sb) == 1:
            gs.append(1)
        g2 = g.reshape(gs)
        ga = gb = None
        if na:
            if len(sb) <= 2 and len(sa) > 2:  # (..., n, k) @ (k, m): no batch dims to sum
                ga = _L.matmul(g2, b2.mT)
            else:
                ga = sum_to(_L.matmul(g2, b2.mT), a2_shape)
            ga = ga.reshape(sa) if len(sa) == 1 else ga
        if nb:
            if len(sb) <= 2 and len(sa) > 2:  # fold a's batch into the GEMM's rows: one mm
                k = a2_shape[-1]
                gb = _L.mm(a2.reshape(-1, k).mT, g2.reshape(-1, g2.shape[-1]))
            else:
                gb = sum_to(_L.matmul(a2.mT, g2), b2_shape)
            gb = gb.reshape(sb) if len(sb) == 1 else gb
        return ga, gb


@register("matmul")
def matmul(input, other):
    if isinstance(input, Tensor) and isinstance(other, Tensor):
        da, db = input.dim(), other.dim()
        op = _L.matmul
        if da == 1 and db == 1:
            return Dot.apply(input, other, op)
        if da == 2 and db == 2:
            return Mm.apply(input, other, op)
        if da == 2 and db == 1:
            return Mv.apply(input, other, op)
        if da >= 1 and db >= 1:
            return MatMul.apply(input, other)
    return _L.matmul._raw(input, other)  # raises the op's own error for bad arguments


@register("mm")
def mm(input, mat2):
    return Mm.apply(input, mat2, _L.mm)


@register("bmm")
def bmm(input, mat2):
    return Bmm.apply(input, mat2)


@register("mv")
def mv(input, vec):
    return Mv.apply(input, vec, _L.mv)


@register("dot")
def dot(input, tensor):
    return Dot.apply(input, tensor, _L.dot)


@register("vdot")
def vdot(input, other):
    return Dot.apply(input, other, _L.vdot)


@register("inner")
def inner(input, other):
    if isinstance(input, Tensor) and isinstance(other, Tensor) and (input.dim() == 0 or other.dim() == 0):
        return input * other
    return tensordot(input, other, ([-1], [-1]))


@register("vecdot")
def vecdot(x, y, *, dim=-1):
    nd = builtins.max(x.dim(), y.dim()) if isinstance(x, Tensor) and isinstance(y, Tensor) else 0
    if not nd or x.dtype != y.dtype or not -nd <= dim < nd:
        return _L.vecdot._raw(x, y, dim=dim)  # raises the op's own error
    return (x * y).sum(dim)


# ---- add + product -----------------------------------------------------------------------------------
class Addmm(Function):
    @staticmethod
    def forward(ctx, c, a, b, beta, alpha):
        ctx.save_for_backward(a if ctx.needs_input_grad[2] else None, b if ctx.needs_input_grad[1] else None)
        ctx.beta, ctx.alpha, ctx.cshape = beta, alpha, tuple(c.shape)
        return _L.addmm(c, a, b, beta=beta, alpha=alpha)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        nc, na, nb = ctx.needs_input_grad[:3]
        ga_ = _scale(g, ctx.alpha) if na or nb else None
        return (sum_to(_scale(g, ctx.beta), ctx.cshape) if nc else None,
                _L.mm(ga_, b.mT) if na else None, _L.mm(a.mT, ga_) if nb else None, None, None)


class Addmv(Function):
    @staticmethod
    def forward(ctx, c, m, v, beta, alpha):
        ctx.save_for_backward(m if ctx.needs_input_grad[2] else None, v if ctx.needs_input_grad[1] else None)
        ctx.beta, ctx.alpha, ctx.cshape = beta, alpha, tuple(c.shape)
        return _L.addmv(c, m, v, beta=beta, alpha=alpha)

    @staticmethod
    def backward(ctx, g):
        m, v = ctx.saved_tensors
        nc, nm, nv = ctx.needs_input_grad[:3]
        ga_ = _scale(g, ctx.alpha) if nm or nv else None
        return (sum_to(_scale(g, ctx.beta), ctx.cshape) if nc else None,
                ga_.reshape(-1, 1) * v if nm else None, _L.mv(m.mT, ga_) if nv else None, None, None)


class Baddbmm(Function):
    @staticmethod
    def forward(ctx, c, a, b, beta, alpha):
        ctx.save_for_backward(a if ctx.needs_input_grad[2] else None, b if ctx.needs_input_grad[1] else None)
        ctx.beta, ctx.alpha, ctx.cshape = beta, alpha, tuple(c.shape)
        return _L.baddbmm(c, a, b, beta=beta, alpha=alpha)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        nc, na, nb = ctx.needs_input_grad[:3]
        ga_ = _scale(g, ctx.alpha) if na or nb else None
        return (sum_to(_scale(g, ctx.beta), ctx.cshape) if nc else None,
                _L.bmm(ga_, b.mT) if na else None, _L.bmm(a.mT, ga_) if nb else None, None, None)


class Addbmm(Function):
    """beta * c + alpha * sum_b a[b] @ b[b]: g broadcasts over the batch in the backward GEMMs."""

    @staticmethod
    def forward(ctx, c, a, b, beta, alpha):
        ctx.save_for_backward(a if ctx.needs_input_grad[2] else None, b if ctx.needs_input_grad[1] else None)
        ctx.beta, ctx.alpha, ctx.cshape = beta, alpha, tuple(c.shape)
        return _L.addbmm(c, a, b, beta=beta, alpha=alpha)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        nc, na, nb = ctx.needs_input_grad[:3]
        ga_ = _scale(g, ctx.alpha) if na or nb else None
        return (sum_to(_scale(g, ctx.beta), ctx.cshape) if nc else None,
                _L.matmul(ga_, b.mT) if na else None, _L.matmul(a.mT, ga_) if nb else None, None, None)


def _addlike(fn, name, fallback):
    def impl(input, m1, m2, *, beta=1, alpha=1):
        if not all(isinstance(x, Tensor) for x in (input, m1, m2)):
            return fallback._raw(input, m1, m2, beta=beta, alpha=alpha)
        return fn.apply(input, m1, m2, _num(beta), _num(alpha))
    impl.__name__ = name
    register(name)(impl)


_addlike(Addmm, "addmm", _L.addmm)
_addlike(Addmv, "addmv", _L.addmv)
_addlike(Baddbmm, "baddbmm", _L.baddbmm)
_addlike(Addbmm, "addbmm", _L.addbmm)


# ---- tensordot, chains, powers ----------------------------------------------------------------------
def _inverse(perm):
    inv = [0] * len(perm)
    for i, p in enumerate(perm):
        inv[p] = i
    return inv


class Tensordot(Function):
    @staticmethod
    def forward(ctx, a, b, da, db):
        r = _L.tensordot(a, b, (da, db))
        na, nb = a.dim(), b.dim()
        ctx.da = [d % na for d in da] if na else []
        ctx.db = [d % nb for d in db] if nb else []
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b if ctx.needs_input_grad[0] else None)
        ctx.ranks = (na, nb)
        return r

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.ranks
        fa = [d for d in range(na) if d not in ctx.da]
        fb = [d for d in range(nb) if d not in ctx.db]
        ga = gb = None
        if ctx.needs_input_grad[0]:
            # g: fa + fb dims; contract g's fb dims with b's fb dims -> fa + da order
            r = _L.tensordot(g, b, (list(range(len(fa), len(fa) + len(fb))), fb))
            order = fa + [ctx.da[ctx.db.index(y)] for y in sorted(ctx.db)]  # a's dim held by each dim of r
            ga = r.permute(_inverse(order)) if order != list(range(na)) else r
        if ctx.needs_input_grad[1]:
            r = _L.tensordot(a, g, (fa, list(range(len(fa)))))
            order = [ctx.db[ctx.da.index(x)] for x in sorted(ctx.da)] + fb  # b's dim held by each dim of r
            gb = r.permute(_inverse(order)) if order != list(range(nb)) else r
        return ga, gb, None, None


@register("tensordot")
def tensordot(a, b, dims=2):
    if not (isinstance(a, Tensor) and isinstance(b, Tensor)):
        return _L.tensordot._raw(a, b, dims)
    if isinstance(dims, Tensor):
        dims = dims.tolist() if dims.dim() > 0 else int(dims.item())
    if isinstance(dims, int) and not isinstance(dims, builtins.bool):
        if dims < 0 or dims > a.dim() or dims > b.dim():
            return _L.tensordot._raw(a, b, dims)  # raises the op's error
        da, db = list(range(a.dim() - dims, a.dim())), list(range(dims))
    elif isinstance(dims, (list, tuple)) and len(dims) == 2:
        def as_list(d):
            if isinstance(d, Tensor):
                d = d.tolist()
            return [int(d)] if isinstance(d, int) else [int(x) for x in d]
        da, db = as_list(dims[0]), as_list(dims[1])
    else:
        return _L.tensordot._raw(a, b, dims)
    return Tensordot.apply(a, b, da, db)


def _chain_order(shapes):
    """Optimal parenthesization of a chain of matrices (classic O(n^3) DP): split[i][j]."""
    n = len(shapes)
    dims = [shapes[0][0]] + [s[1] for s in shapes]
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = None
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def _chain(ms, split, i, j):
    if i == j:
        return ms[i]
    k = split[i][j]
    return mm(_chain(ms, split, i, k), _chain(ms, split, k + 1, j))


@register("multi_dot")
def multi_dot(tensors):
    """Composed of differentiable mm calls in the cheapest order (as PyTorch composes it)."""
    if not isinstance(tensors, (list, tuple)) or len(tensors) < 2 \
            or not all(isinstance(t, Tensor) for t in tensors):
        return _L.multi_dot._raw(tensors)
    ms = list(tensors)
    _check_chain(ms)
    first_vec, last_vec = ms[0].dim() == 1, ms[-1].dim() == 1
    if first_vec:
        ms[0] = ms[0].reshape(1, -1)
    if last_vec:
        ms[-1] = ms[-1].reshape(-1, 1)
    r = _chain(ms, _chain_order([tuple(m.shape) for m in ms]), 0, len(ms) - 1)
    if first_vec and last_vec:
        return r.reshape(())
    if first_vec:
        return r.reshape(-1)
    if last_vec:
        return r.reshape(-1)
    return r


@register("chain_matmul")
def chain_matmul(*matrices):
    ms = tuple(matrices[0]) if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)) else matrices
    if len(ms) < 2:
        return _L.chain_matmul._raw(*matrices)
    for m in ms:
        if isinstance(m, Tensor) and m.dim() != 2:
            return _L.chain_matmul._raw(*matrices)  # raises the op's error
    return multi_dot(list(ms))


def _check_chain(ms):
    n = len(ms)
    for i, m in enumerate(ms):
        ok = m.dim() in ((1, 2) if i in (0, n - 1) else (2,))
        if not ok:
            raise RuntimeError(f"[multi_dot] tensor {i} must be {'1D or 2D' if i in (0, n - 1) else '2D'} but got "
                               f"{m.dim()}D")
    for i in range(n - 1):
        if ms[i].shape[-1] != ms[i + 1].shape[0]:
            raise RuntimeError(f"[multi_dot] tensors {i} and {i + 1} with shapes {tuple(ms[i].shape)} and "
                               f"{tuple(ms[i + 1].shape)} cannot be multiplied")


class MatrixPower(Function):
    """A^n; dA = sum_k (A^T)^k g (A^T)^(n-1-k). n = 0 gives identities (zero gradient)."""

    @staticmethod
    def forward(ctx, a, n):
        ctx.n = n
        ctx.save_for_backward(a if n > 1 else None)
        ctx.shape = tuple(a.shape)
        return _L.matrix_power(a, n)

    @staticmethod
    def backward(ctx, g):
        n = ctx.n
        if n == 0:
            return g.new_zeros(ctx.shape), None
        if n == 1:
            return g, None
        (a,) = ctx.saved_tensors
        at = a.mT
        powers = [None, at]  # powers[k] = (A^T)^k, k >= 1
        for _ in range(2, n):
            powers.append(_L.matmul(powers[-1], at))
        grad = _L.matmul(g, powers[n - 1]) + _L.matmul(powers[n - 1], g)
        for k in range(1, n - 1):
            grad = grad + _L.matmul(_L.matmul(powers[k], g), powers[n - 1 - k])
        return grad, None


@register("matrix_power")
def matrix_power(input, n):
    if not isinstance(input, Tensor) or isinstance(n, builtins.bool) or not isinstance(n, int) or n < 0:
        return _L.matrix_power._raw(input, n)
    return MatrixPower.apply(input, n)


# ---- einsum ------------------------------------------------------------------------------------------
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _parse_einsum(equation, shapes):
    """(input subscript lists, output subscript list) with ``...`` replaced by fresh letters
    (right-aligned across operands), and the implicit output made explicit as PyTorch does."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    used = set(c for c in eq if c.isalpha())
    free = [c for c in _LETTERS if c not in used]
    ell_rank = 0
    for t, s in zip(terms, shapes):
        if "..." in t:
            ell_rank = builtins.max(ell_rank, len(s) - (len(t) - 3))
    ell = free[:ell_rank]
    ins = []
    for t, s in zip(terms, shapes):
        if "..." in t:
            k = len(s) - (len(t) - 3)
            pre, post = t.split("...")
            ins.append(list(pre) + ell[ell_rank - k:] + list(post))
        else:
            ins.append(list(t))
    if arrow:
        out = list(rhs.replace("...", "".join(ell))) if "..." in rhs else list(rhs)
    else:
        counts = {}
        for sub in ins:
            for c in sub:
                counts[c] = counts.get(c, 0) + 1
        out = ell + sorted(c for c, n in counts.items() if n == 1 and c not in ell)
    return ins, out, [c for c in free[ell_rank:]]


class Einsum(Function):
    @staticmethod
    def forward(ctx, equation, *operands):
        ctx.save_for_backward(*operands)
        ctx.equation = equation
        return _L.einsum(equation, *operands)

    @staticmethod
    def backward(ctx, g):
        ops = ctx.saved_tensors
        ins, out, spare = _parse_einsum(ctx.equation, [tuple(o.shape) for o in ops])
        sizes = {}
        for sub, o in zip(ins, ops):
            for c, n in zip(sub, o.shape):
                if n != 1 or c not in sizes:
                    sizes[c] = n
        grads = [None]
        for i, x in enumerate(ops):
            if not ctx.needs_input_grad[i + 1]:
                grads.append(None)
                continue
            grads.append(_einsum_grad(g, out, ops, ins, i, sizes, list(spare)))
        return tuple(grads)


def _einsum_grad(g, out, ops, ins, i, sizes, spare):
    """d out / d ops[i] as one einsum of g with the other operands, plus identity matrices for
    repeated subscripts of operand i and ones vectors for its subscripts that appear nowhere else."""
    from ..._ops import creation
    target = list(ins[i])
    shape = tuple(ops[i].shape)
    terms, args = ["".join(out)], [g]
    for j, (sub, o) in enumerate(zip(ins, ops)):
        if j != i:
            terms.append("".join(sub))
            args.append(o)
    seen = set()
    for p, c in enumerate(target):
        if shape[p] == 1 and sizes.get(c, 1) != 1:  # broadcast size-1 dim: summed, kept as a 1
            target[p] = spare.pop()
        elif c in seen:  # repeated subscript: a diagonal; link a fresh letter via an identity
            f = spare.pop()
            target[p] = f
            terms.append(c + f)
            args.append(creation.eye(shape[p], dtype=g.dtype))
        seen.add(target[p])
    present = set("".join(terms))
    for p, c in enumerate(target):
        if c not in present:  # summed out of operand i only: gradient is constant along it
            terms.append(c)
            args.append(creation.ones(shape[p], dtype=g.dtype))
            present.add(c)
    return _L.einsum(",".join(terms) + "->" + "".join(target), *args)


@register("einsum")
def einsum(*args):
    equation, operands = _L._einsum_args(args)
    return Einsum.apply(equation, *operands)
