"""Gradients of the matmul family and einsum: finite differences and PyTorch parity (grad_case)."""
import numpy as np
import pytest

import ember
from gradutil import grad_case, const

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="needs torch")




def r(*shape):
    return ember.randn(*shape)


MATMUL_SHAPES = [
    ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
    ((5, 2, 3), (3,)), ((3,), (5, 3, 4)), ((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)),
    ((5, 2, 3), (5, 3, 4)), ((2, 1, 2, 3), (5, 3, 4)), ((1, 2, 3), (5, 3, 2)), ((4, 1, 2, 3), (1, 5, 3, 2)),
]


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES)
def test_matmul_ranks_and_broadcasting(sa, sb):
    grad_case(lambda m, a, b: m.matmul(a, b), r(*sa), r(*sb))
    grad_case(lambda m, a, b: a @ b, r(*sa), r(*sb))


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES[::2] + [((5, 2, 3), (3, 4))])
def test_matmul_double_backward(sa, sb):
    grad_case(lambda m, a, b: m.matmul(a, b), r(*sa), r(*sb), gradgrad=True)


def test_matmul_one_side_constant_and_noncontiguous():
    a, b = r(4, 3).t(), r(4, 5)          # a: non-contiguous (3, 4)
    grad_case(lambda m, a, b: m.matmul(a, b), a, const(b))
    grad_case(lambda m, a, b: m.matmul(a, b), const(a), b)
    x = r(2, 3, 4).transpose(1, 2)       # batched, non-contiguous, with a 2-D right operand
    grad_case(lambda m, a, b: a @ b, x, r(3, 2))
    grad_case(lambda m, a, b: a @ b, r(6, 3)[::2], r(3, 4))


def _grads_vs_torch(f, *shapes):
    xs = [ember.randn(*s, requires_grad=True) for s in shapes]
    ts = [torch.from_numpy(x.detach().numpy().copy()).requires_grad_() for x in xs]
    ye, yt = f(ember, *xs), f(torch, *ts)
    assert tuple(ye.shape) == tuple(yt.shape)
    ye.sum().backward()
    yt.sum().backward()
    for x, t in zip(xs, ts):
        assert tuple(x.grad.shape) == tuple(t.grad.shape)
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-5, atol=1e-6)


@needs_torch
def test_empty_operands():
    _grads_vs_torch(lambda m, a, b: m.matmul(a, b), (0, 3), (3, 2))
    _grads_vs_torch(lambda m, a, b: m.matmul(a, b), (2, 0), (0, 2))
    _grads_vs_torch(lambda m, a, b: m.matmul(a, b), (0, 2, 3), (3, 2))
    _grads_vs_torch(lambda m, a, b: m.einsum("ij,j->i", a, b), (2, 0), (0,))
    _grads_vs_torch(lambda m, a, b: m.einsum("ij,jk->ik", a, b), (0, 3), (3, 2))


def test_node_names():
    a = r(2, 3).requires_grad_()
    assert (a @ r(3, 4)).grad_fn.name() == "MmBackward0"
    assert ember.matmul(r(3).requires_grad_(), r(3)).grad_fn.name() == "DotBackward0"
    assert ember.mv(a, r(3)).grad_fn.name() == "MvBackward0"


def test_rmatmul_and_imatmul():
    a = ember.randn(2, 3, requires_grad=True)
    b = ember.randn(3, 2)
    c = b.__rmatmul__(a)     # a @ b
    np.testing.assert_allclose(c.detach().numpy(), a.detach().numpy() @ b.numpy(), rtol=1e-5, atol=1e-6)
    assert c.requires_grad
    # ``@=`` rebinds (Tensor has no __imatmul__, as in PyTorch): the leaf is left untouched.
    x = a
    x @= b
    assert x is not a and x.requires_grad and x.grad_fn is not None
    x.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), np.ones((2, 2)) @ b.numpy().T, rtol=1e-5)


def test_mm_bmm_mv_dot_vdot():
    grad_case(lambda m, a, b: m.mm(a, b), r(2, 3), r(3, 4))
    grad_case(lambda m, a, b: a.mm(b), r(3, 2).t(), r(3, 4))
    grad_case(lambda m, a, b: m.bmm(a, b), r(2, 2, 3), r(2, 3, 4))
    grad_case(lambda m, a, b: m.mv(a, b), r(2, 3), r(3))
    grad_case(lambda m, a, b: m.dot(a, b), r(4), r(4))
    grad_case(lambda m, a, b: m.vdot(a, b), r(4), r(4))
    grad_case(lambda m, a, b: a.dot(b), r(8)[::2], r(4))


def test_mm_bmm_mv_dot_double_backward():
    grad_case(lambda m, a, b: m.mm(a, b), r(2, 3), r(3, 4), gradgrad=True)
    grad_case(lambda m, a, b: m.bmm(a, b), r(2, 2, 3), r(2, 3, 2), gradgrad=True)
    grad_case(lambda m, a, b: m.mv(a, b), r(2, 3), r(3), gradgrad=True)
    grad_case(lambda m, a, b: m.dot(a, b), r(4), r(4), gradgrad=True)


def test_dot_double_backward():  # needs no shape grads
    grad_case(lambda m, a, b: m.dot(a, b) * m.dot(a, a), r(4), r(4), gradgrad=True)


def test_inner():
    grad_case(lambda m, a, b: m.inner(a, b), r(3), r(3))
    grad_case(lambda m, a, b: m.inner(a, b), r(2, 3), r(4, 3))
    grad_case(lambda m, a, b: m.inner(a, b), r(2, 2, 3), r(3))
    grad_case(lambda m, a, b: m.inner(a, b), r(2, 3), r(()))


@pytest.mark.parametrize("beta,alpha", [(1, 1), (0.5, -2.0), (0, 3)])
def test_addmm_addmv_addr_baddbmm_addbmm(beta, alpha):
    kw = dict(beta=beta, alpha=alpha)
    grad_case(lambda m, c, a, b: m.addmm(c, a, b, **kw), r(2, 4), r(2, 3), r(3, 4))
    grad_case(lambda m, c, a, b: m.addmm(c, a, b, **kw), r(4), r(2, 3), r(3, 4))       # broadcast input
    grad_case(lambda m, c, a, b: m.addmv(c, a, b, **kw), r(2), r(2, 3), r(3))
    grad_case(lambda m, c, a, b: m.addmv(c, a, b, **kw), r(()), r(2, 3), r(3))
    grad_case(lambda m, c, a, b: m.addr(c, a, b, **kw), r(2, 3), r(2), r(3))
    grad_case(lambda m, c, a, b: m.baddbmm(c, a, b, **kw), r(2, 2, 4), r(2, 2, 3), r(2, 3, 4))
    grad_case(lambda m, c, a, b: m.baddbmm(c, a, b, **kw), r(1, 4), r(2, 2, 3), r(2, 3, 4))
    grad_case(lambda m, c, a, b: m.addbmm(c, a, b, **kw), r(2, 4), r(3, 2, 3), r(3, 3, 4))
    grad_case(lambda m, c, a, b: c.addmm(a, b, **kw), r(2, 4), const(r(2, 3)), r(3, 4))


def test_add_products_double_backward():
    grad_case(lambda m, c, a, b: m.addmm(c, a, b, beta=0.5, alpha=2), r(2, 4), r(2, 3), r(3, 4), gradgrad=True)
    grad_case(lambda m, c, a, b: m.addmv(c, a, b, alpha=-1), r(2), r(2, 3), r(3), gradgrad=True)
    grad_case(lambda m, c, a, b: m.baddbmm(c, a, b, beta=2), r(2, 2, 2), r(2, 2, 3), r(2, 3, 2), gradgrad=True)
    grad_case(lambda m, c, a, b: m.addbmm(c, a, b), r(2, 2), r(2, 2, 3), r(2, 3, 2), gradgrad=True)


def test_inplace_addmm_on_nonleaf_and_out():
    c0, a0, b0 = r(2, 4), r(2, 3), r(3, 4)
    grad_case(lambda m, c, a, b: (c * 1).addmm_(a, b, beta=2, alpha=0.5), c0, a0, b0)
    grad_case(lambda m, c, a, v: (c * 1).addmv_(a, v), r(2), a0, r(3))
    grad_case(lambda m, c, a, b: (c * 1).baddbmm_(a, b), r(2, 2, 4), r(2, 2, 3), r(2, 3, 4))
    grad_case(lambda m, c, a, b: (c * 1).addbmm_(a, b), r(2, 4), r(2, 2, 3), r(2, 3, 4))
    a = ember.randn(2, 3, requires_grad=True)
    out = ember.empty(2, 4)
    ember.mm(a, b0, out=out)
    assert out.requires_grad and out.grad_fn is not None
    out.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), np.ones((2, 4)) @ b0.numpy().T, rtol=1e-5)
    leaf = ember.randn(2, 4, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"\[addmm\].*leaf Variable"):
        leaf.addmm_(a, b0)


EINSUM_CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),                       # implicit output
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]),
    ("i,i->", [(3,), (3,)]),
    ("i,j->ij", [(3,), (2,)]),
    ("ij->ji", [(2, 3)]),
    ("ij->", [(2, 3)]),
    ("ij->i", [(2, 3)]),                              # j summed out of the only operand
    ("ii->i", [(3, 3)]),                              # diagonal
    ("ii", [(3, 3)]),                                 # trace
    ("iij->ji", [(2, 2, 3)]),
    ("ij,ij->ij", [(2, 3), (2, 3)]),
    ("ij,kj->", [(2, 3), (4, 3)]),
    ("ik,kj,jl->il", [(2, 3), (3, 2), (2, 4)]),       # three operands
    ("bi,bj,b->ij", [(4, 2), (4, 3), (4,)]),
    ("...ij,...jk->...ik", [(2, 2, 3), (3, 4)]),      # ellipsis broadcasting (rank differs)
    ("...ij,...jk->...ik", [(1, 2, 3), (5, 3, 2)]),   # ellipsis broadcasting (size-1 dim)
    ("i...->...", [(3, 2, 2)]),
    ("...i,...i", [(2, 3), (3,)]),                    # implicit output with ellipsis
    ("aB,Bc->ac", [(2, 3), (3, 2)]),                  # upper-case subscripts
    ("Ba,cB", [(3, 2), (4, 3)]),                      # implicit output: upper case sorts first
    ("iji,j->i", [(2, 3, 2), (3,)]),
]


@pytest.mark.parametrize("eq,shapes", EINSUM_CASES)
def test_einsum(eq, shapes):
    xs = [r(*s) for s in shapes]
    grad_case(lambda m, *ops: m.einsum(eq, *ops), *xs)


@pytest.mark.parametrize("eq,shapes", [c for c in EINSUM_CASES if c[0] in
                                       ("ij,jk->ik", "ii->i", "ij->i", "ik,kj,jl->il", "...ij,...jk->...ik",
                                        "bi,bj,b->ij")])
def test_einsum_double_backward(eq, shapes):
    xs = [r(*s) for s in shapes]
    grad_case(lambda m, *ops: m.einsum(eq, *ops), *xs, gradgrad=True)


def test_einsum_same_operand_twice():
    grad_case(lambda m, a: m.einsum("i,i->", a, a), r(3))
    grad_case(lambda m, a: m.einsum("ij,kj->ik", a, a), r(2, 3), gradgrad=True)


def test_einsum_call_forms_and_constants():
    a, b = r(2, 3), r(3, 4)
    grad_case(lambda m, a, b: m.einsum("ij,jk->ik", [a, b]), a, b)
    grad_case(lambda m, a, b: m.einsum(a, [0, 1], b, [1, 2], [0, 2]), a, b)
    grad_case(lambda m, a, b: m.einsum("ij,jk->ik", a, b), a, const(b))
    grad_case(lambda m, a, b: m.einsum("ij , jk -> ki", a, b), a.t().t(), r(4, 3).t())


@pytest.mark.parametrize("dims,sb", [(0, (2, 3)), (1, (4, 3)), (2, (3, 4, 2)), (([1, 0], [0, 2]), (3, 2, 2)),
                                     (([2], [1]), (2, 4)), (([0, 2], [1, 0]), (4, 2, 3)), ([[2], [0]], (4,))])
def test_tensordot(dims, sb):
    grad_case(lambda m, a, b: m.tensordot(a, b, dims), r(2, 3, 4), r(*sb))


def test_tensordot_double_backward():
    grad_case(lambda m, a, b: m.tensordot(a, b, ([0, 2], [1, 0])), r(2, 3, 4), r(4, 2, 3), gradgrad=True)


@pytest.mark.parametrize("shapes", [[(2, 3), (3, 4)], [(2, 3), (3, 4), (4, 2)], [(3,), (3, 4), (4, 2), (2,)],
                                    [(3,), (3, 4), (4, 5)], [(5, 3), (3, 4), (4,)], [(2, 10), (10, 2), (2, 10)]])
def test_multi_dot(shapes):
    xs = [r(*s) for s in shapes]
    grad_case(lambda m, *ms: m.linalg.multi_dot(list(ms)), *xs)


@pytest.mark.filterwarnings("ignore:torch.chain_matmul is deprecated")
def test_chain_matmul():
    grad_case(lambda m, a, b, c: m.chain_matmul(a, b, c), r(2, 3), r(3, 4), r(4, 2))


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5])
def test_matrix_power(n):
    grad_case(lambda m, a: m.linalg.matrix_power(a, n), r(3, 3) * 0.5)
    grad_case(lambda m, a: m.matrix_power(a, n), r(2, 3, 3) * 0.5)


def test_matrix_power_double_backward():
    grad_case(lambda m, a: a.matrix_power(3), r(3, 3) * 0.5, gradgrad=True)


def test_vecdot():
    grad_case(lambda m, a, b: m.linalg.vecdot(a, b), r(2, 3), r(3))
    grad_case(lambda m, a, b: m.linalg.vecdot(a, b, dim=0), r(3, 2), r(3, 1))


def test_errors_name_the_op():
    a = ember.randn(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"\[mm\]"):
        ember.mm(a, ember.randn(2, 3))
    with pytest.raises(RuntimeError, match=r"\[matmul\]"):
        ember.matmul(a, ember.randn(2, 3))
    with pytest.raises(RuntimeError, match=r"\[matmul\]"):
        ember.matmul(a, ember.tensor(2.0))
    with pytest.raises(RuntimeError, match=r"\[bmm\]"):
        ember.bmm(a, a)
    with pytest.raises(RuntimeError, match=r"\[einsum\]"):
        ember.einsum("ij,jk->ik", a, ember.randn(4, 2))
    with pytest.raises(RuntimeError, match=r"\[multi_dot\]"):
        ember.linalg.multi_dot([a, ember.randn(4, 2)])
    with pytest.raises(RuntimeError, match=r"\[tensordot\]"):
        ember.tensordot(a, ember.randn(3), 3)
    with pytest.raises(TypeError, match=r"\[matrix_power\]"):
        ember.matrix_power(ember.randn(2, 2, requires_grad=True), 1.5)
    with pytest.raises(RuntimeError, match=r"\[addr\]"):
        ember.addr(ember.randn(2, 3), ember.randn(2, 1, requires_grad=True), ember.randn(3))


def test_no_grad_path_stays_raw():
    a, b = ember.randn(2, 3, requires_grad=True), ember.randn(3, 4)
    with ember.no_grad():
        c = a @ b
    assert not c.requires_grad and c.grad_fn is None


# ---- outer/ger/kron/cross: ops and grads belong to the shape family (_ops/shape.py); checked here too
# once shape.py marks them differentiable.
def test_outer_public():
    grad_case(lambda m, a, b: m.outer(a, b), r(3), r(4), gradgrad=True)
    grad_case(lambda m, a, b: m.ger(a, b), r(3), r(4))


def test_kron_public():
    grad_case(lambda m, a, b: m.kron(a, b), r(2, 3), r(3, 2))
    grad_case(lambda m, a, b: m.kron(a, b), r(2), r(2, 3))
    grad_case(lambda m, a, b: m.kron(a, b), r(2, 1, 2), r(3, 2))


@pytest.mark.filterwarnings("ignore:Using torch.cross without specifying the dim")
def test_cross_public():
    grad_case(lambda m, a, b: m.cross(a, b, dim=1), r(4, 3), r(4, 3))
    grad_case(lambda m, a, b: m.cross(a, b), r(4, 3), r(4, 3))
    grad_case(lambda m, a, b: m.cross(a, b, dim=0), r(3, 2), r(3, 1))


def test_vecdot_errors():
    x = ember.randn(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"\[vecdot\]"):
        ember.linalg.vecdot(x, ember.randn(3, dtype=ember.float64))
    with pytest.raises(IndexError, match=r"\[vecdot\]"):
        ember.linalg.vecdot(x, ember.randn(3), dim=2)
