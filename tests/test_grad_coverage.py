"""Every differentiable entry point records history: module functions, methods and aliases that
are thin wrappers over wired ops must not silently drop the graph (one line per entry point)."""
import pytest

import ember

x = ember.randn(3, 4, requires_grad=True)
v = ember.randn(4, requires_grad=True)
m3 = ember.randn(3, 3, requires_grad=True)

CASES = {
    "addr": lambda: ember.addr(ember.randn(3, 4), ember.randn(3, requires_grad=True), v),
    "adjoint": lambda: ember.adjoint(x), "as_strided": lambda: ember.as_strided(x, (2, 2), (1, 1)),
    "atleast_3d": lambda: ember.atleast_3d(x), "broadcast_to": lambda: ember.broadcast_to(v, (3, 4)),
    "clone": lambda: ember.clone(x), "column_stack": lambda: ember.column_stack([x, x]),
    "concat": lambda: ember.concat([x, x]), "concatenate": lambda: ember.concatenate([x, x]),
    "diagonal": lambda: ember.diagonal(x), "diagonal_scatter": lambda: ember.diagonal_scatter(x, ember.randn(3)),
    "dsplit": lambda: ember.dsplit(x.reshape(3, 2, 2), 2)[0], "dstack": lambda: ember.dstack([x, x]),
    "flatten": lambda: ember.flatten(x), "fliplr": lambda: ember.fliplr(x), "ger": lambda: ember.ger(v, v),
    "hsplit": lambda: ember.hsplit(x, 2)[0], "hstack": lambda: ember.hstack([x, x]),
    "movedim": lambda: ember.movedim(x, 0, 1), "narrow": lambda: ember.narrow(x, 0, 0, 2),
    "permute": lambda: ember.permute(x, (1, 0)), "positive": lambda: ember.positive(x * 1),
    "ravel": lambda: ember.ravel(x), "reshape": lambda: ember.reshape(x, (4, 3)),
    "select": lambda: ember.select(x, 0, 1), "select_scatter": lambda: ember.select_scatter(x, v, 0, 0),
    "slice_scatter": lambda: ember.slice_scatter(x, x[:1], 0, 0, 1), "squeeze": lambda: ember.squeeze(x),
    "swapaxes": lambda: ember.swapaxes(x, 0, 1), "t": lambda: ember.t(x), "transpose": lambda: ember.transpose(x, 0, 1),
    "unflatten": lambda: ember.unflatten(x, 1, (2, 2)), "unsqueeze": lambda: ember.unsqueeze(x, 0),
    "view_copy": lambda: ember.view_copy(x, (12,)), "vsplit": lambda: ember.vsplit(x, 3)[0],
    "vstack": lambda: ember.vstack([x, x]), "row_stack": lambda: ember.row_stack([x, x]),
    "Tensor.chunk": lambda: x.chunk(2)[0], "Tensor.cross": lambda: m3.cross(ember.randn(3, 3)),
    "Tensor.cumsum": lambda: x.cumsum(0), "Tensor.cumprod": lambda: x.cumprod(1), "Tensor.diag": lambda: v.diag(),
    "Tensor.expand_as": lambda: v.expand_as(x), "Tensor.roll": lambda: x.roll(1), "Tensor.rot90": lambda: x.rot90(),
    "Tensor.tile": lambda: x.tile(2), "Tensor.trace": lambda: x.trace(), "Tensor.tril": lambda: x.tril(),
    "Tensor.view_as": lambda: x.view_as(x), "Tensor.reshape_as": lambda: x.reshape_as(x),
    "Tensor.type_as": lambda: x.type_as(ember.zeros(1, dtype=ember.float64)), "Tensor.double": lambda: x.double(),
    "Tensor.half": lambda: x.half(), "Tensor.to": lambda: x.to(ember.float64),
    "Tensor.repeat_interleave": lambda: x.repeat_interleave(2), "Tensor.split": lambda: x.split(2)[0],
    "Tensor.unbind": lambda: x.unbind()[0], "Tensor.where": lambda: x.where(x > 0, 0.0),
    "Tensor.nan_to_num": lambda: x.nan_to_num(), "Tensor.logit": lambda: x.sigmoid().logit(),
    "Tensor.sum": lambda: x.sum(), "Tensor.prod": lambda: x.prod(), "Tensor.outer": lambda: v.outer(v),
    "Tensor.kron": lambda: x.kron(x), "Tensor.msort": lambda: x.msort(), "Tensor.sort": lambda: x.sort()[0],
    "Tensor.topk": lambda: x.topk(2)[0], "Tensor.median": lambda: x.median(), "Tensor.mode": lambda: x.mode()[0],
    "Tensor.kthvalue": lambda: x.kthvalue(2)[0], "Tensor.flip": lambda: x.flip(0),
    "Tensor.float_power": lambda: x.float_power(2), "Tensor.lerp": lambda: x.lerp(x * 2, 0.5),
    "Tensor.__matmul__": lambda: x @ v, "Tensor.__getitem__": lambda: x[1:, ::2], "Tensor.mT": lambda: x.mT,
    "Tensor.T": lambda: x.T, "Tensor.abs": lambda: x.abs(), "Tensor.__neg__": lambda: -x,
    "Tensor.__pow__": lambda: x ** 2, "Tensor.__rpow__": lambda: 2 ** x, "Tensor.__rtruediv__": lambda: 1 / (x * x + 1),
    "Tensor.std": lambda: x.std(), "Tensor.norm": lambda: x.norm(), "Tensor.max": lambda: x.max(),
    "Tensor.amax": lambda: x.amax(0), "Tensor.logsumexp": lambda: x.logsumexp(1), "Tensor.clamp": lambda: x.clamp(0, 1),
    "linalg.vector_norm": lambda: ember.linalg.vector_norm(x), "einsum": lambda: ember.einsum("ij,j->i", x, v),
}


@pytest.mark.parametrize("name", list(CASES))
def test_records_history(name):
    out = CASES[name]()
    assert out.requires_grad and out.grad_fn is not None, name


def test_non_differentiable_outputs_do_not_require_grad():
    for out in (x > 0, x.argmax(), x.sort()[1], ember.isnan(x), x.new_zeros(2), x.detach(), ember.zeros_like(x)):
        assert not out.requires_grad
