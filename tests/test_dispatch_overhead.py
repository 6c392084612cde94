"""Correctness of the low-overhead dispatch paths (no timing here: see bench/python/bench_dispatch.py).

Covered: ``a @ b`` / ``ember.matmul`` calling ``_C`` directly on the raw path, the inline grad-argument
scan of ``@differentiable`` (positional, keyword and list arguments), the int fast path of shape
arguments (``view``/``reshape``/...), and elementwise methods bound straight to their ops.
"""
import numpy as np
import pytest

import ember
from conftest import assert_close, make, needs_torch
from gradutil import grad_case


@pytest.fixture(params=["fast", "reference"])
def kernels(request):
    ember.set_kernels(request.param)
    yield request.param
    ember.set_kernels("fast")


# ---- a @ b and matmul -----------------------------------------------------------------------------
@pytest.mark.parametrize("sa,sb", [((2, 2), (2, 2)), ((3, 4), (4,)), ((4,), (4, 5)), ((4,), (4,)),
                                   ((2, 3, 4), (4, 5)), ((1, 3, 4), (2, 4, 2)), ((0, 3), (3, 2))])
def test_matmul_operator_matches_numpy(sa, sb, kernels):
    a, b = make(sa, seed=1), make(sb, seed=2)
    expect = a.numpy() @ b.numpy()
    for r in (a @ b, ember.matmul(a, b), a.matmul(b), b.__rmatmul__(a)):
        assert isinstance(r, ember.Tensor) and r.shape == expect.shape and not r.requires_grad
        assert_close(r, expect)


def test_matmul_operator_noncontiguous_and_dtypes():
    a = make((4, 3), seed=3).t()
    b = make((2, 4), seed=4).t()
    assert_close(a @ b, a.numpy() @ b.numpy())
    d = make((3, 3), dtype=ember.float64, seed=5)
    assert (d @ d).dtype is ember.float64
    i = ember.arange(4).reshape(2, 2)
    assert (i @ i).dtype is ember.int64
    assert (i @ i).tolist() == (np.arange(4).reshape(2, 2) @ np.arange(4).reshape(2, 2)).tolist()


def test_matmul_operator_errors():
    a = make((2, 3))
    with pytest.raises(RuntimeError, match=r"\[matmul\]"):
        a @ make((2, 3))
    with pytest.raises(RuntimeError, match=r"\[matmul\]"):
        a @ make((3,), dtype=ember.float64)
    with pytest.raises(TypeError):
        a @ 2
    with pytest.raises(TypeError):
        2 @ a
    with pytest.raises(TypeError, match=r"\[matmul\]"):
        ember.matmul(a, [[1.0]])
    with pytest.raises(TypeError, match=r"\[matmul\]"):
        ember.matmul(a, make((3, 2)), out=3)


def test_matmul_out_and_parameter_subclass():
    a, b = make((2, 3), seed=1), make((3, 2), seed=2)
    out = ember.empty(2, 2)
    r = ember.matmul(a, b, out=out)
    assert r is out
    assert_close(out, a.numpy() @ b.numpy())
    p = ember.nn.Parameter(make((3, 2), seed=3))
    for r in (a @ p, ember.matmul(a, p), p.t() @ a.t()):
        assert r.requires_grad and r.grad_fn is not None


def test_matmul_operator_records_and_respects_no_grad():
    a = make((2, 3), seed=1).requires_grad_()
    b = make((3, 2), seed=2)
    r = a @ b
    assert r.requires_grad and "Backward0" in repr(r.grad_fn)
    r.sum().backward()
    assert_close(a.grad, np.ones((2, 2), np.float32) @ b.numpy().T)
    r2 = b.__rmatmul__(a)  # a @ b through the reflected method
    assert r2.requires_grad
    with ember.no_grad():
        assert not (a @ b).requires_grad
        assert not ember.matmul(a, b).requires_grad


@needs_torch
def test_matmul_operator_gradients():
    grad_case(lambda m, x, y: x @ y, make((2, 3), seed=1), make((3, 4), seed=2), gradgrad=True)
    grad_case(lambda m, x, y: x @ y, make((2, 3, 4), seed=3), make((4,), seed=4), gradgrad=True)


def test_matmul_operator_version_counter_and_inplace_guard():
    a = make((2, 2), seed=1).requires_grad_()
    b = make((2, 2), seed=2).requires_grad_()
    c = a * 1
    r = c @ b
    c.add_(1)  # matmul saved c: backward must refuse the modified value
    with pytest.raises(RuntimeError):
        r.sum().backward()


# ---- the @differentiable argument scan ----------------------------------------------------------
def test_scan_positional_keyword_and_list_arguments():
    x = make((2, 3), seed=1).requires_grad_()
    y = make((2, 3), seed=2)
    assert ember.add(y, x).requires_grad                      # second positional
    assert ember.add(y, other=x).requires_grad                # keyword
    assert ember.add(y, 1.0, alpha=2).requires_grad is False
    assert ember.cat([y, x]).requires_grad                    # inside a list
    assert ember.stack((y, x)).requires_grad                  # inside a tuple
    assert not ember.cat([y, y]).requires_grad
    assert ember.cat(tensors=[y, x]).requires_grad            # a list given by keyword (was missed before)
    assert ember.cat(tensors=[y, x]).grad_fn is not None
    assert ember.sum(input=x).requires_grad                   # the tensor given by keyword only
    assert ember.nn.functional.linear(y, make((4, 3)), bias=make((4,)).requires_grad_()).requires_grad
    with ember.no_grad():
        assert not ember.cat([y, x]).requires_grad
        assert not ember.add(y, other=x).requires_grad


def test_scan_inplace_forms():
    x = make((2, 3), seed=1).requires_grad_()
    y = make((2, 3), seed=2)
    z = y.clone()
    z.add_(x)                                                 # operand requires grad: target records history
    assert z.requires_grad and z.grad_fn is not None
    w = y.clone()
    w.mul_(2)                                                 # raw path: no history
    assert not w.requires_grad
    assert_close(w, y.numpy() * 2)
    with pytest.raises(RuntimeError, match="leaf"):
        x.add_(1)
    out = ember.empty(2, 3)
    ember.add(y, x, out=out)                                  # out= on the grad path
    assert out.requires_grad
    with pytest.raises(RuntimeError, match=r"\[add\]"):
        ember.add(y, x, out=x)


def test_scan_missing_grad_raises_not_implemented():
    from ember.autograd._dispatch import differentiable

    @differentiable("__no_such_op_for_test__")
    def f(a, *, scale=1):
        return a * scale

    x = make((2,), seed=1)
    assert_close(f(x, scale=2), x.numpy() * 2)
    with pytest.raises(NotImplementedError, match=r"\[__no_such_op_for_test__\]"):
        f(x.requires_grad_())
    with pytest.raises(NotImplementedError):
        f([x])  # a tensor inside a list argument is scanned too
    with pytest.raises(NotImplementedError):
        f(make((2,)), scale=x)  # and keyword arguments
    with ember.no_grad():
        assert_close(f(x), x.detach().numpy())


def test_requires_grad_args_helper():
    from ember.autograd._dispatch import requires_grad_args
    x = make((2,)).requires_grad_()
    y = make((2,))
    assert requires_grad_args((y, x), {})
    assert requires_grad_args((y, [y, x]), None)
    assert requires_grad_args((y,), {"other": x})
    assert not requires_grad_args((y, [y], 3, None), {"k": [x]})  # lists in keywords are not scanned
    assert not requires_grad_args((y, [[x]]), {})                  # only one level of nesting


# ---- shape arguments --------------------------------------------------------------------------------
@pytest.mark.parametrize("shape,want", [((8, 4), (8, 4)), (((8, 4),), (8, 4)), (([8, 4],), (8, 4)),
                                        ((ember.Size([8, 4]),), (8, 4)), ((-1, 4), (8, 4)), (((32,),), (32,)),
                                        ((32,), (32,)), ((np.int64(8), 4), (8, 4)), (((np.int32(8), 4),), (8, 4)),
                                        (((2, -1, 4),), (2, 4, 4))])
def test_shape_argument_forms(shape, want):
    x = make((4, 8), seed=1)
    for name in ("view", "reshape"):
        r = getattr(x, name)(*shape)
        assert r.shape == want
        assert_close(r, x.numpy().reshape(want))


def test_expand_and_permute_shape_forms():
    x = make((1, 4), seed=1)
    for args in ((3, 4), ((3, 4),), ([3, -1],), (ember.Size([3, 4]),), (np.int64(3), 4)):
        assert_close(x.expand(*args), np.broadcast_to(x.numpy(), (3, 4)))
    y = make((2, 3, 4), seed=2)
    for args in ((2, 0, 1), ((2, 0, 1),), ([2, 0, 1],)):
        assert_close(y.permute(*args), y.numpy().transpose(2, 0, 1))


def test_shape_argument_empty_and_scalar():
    s = ember.tensor(5.0)
    assert s.view(()).shape == ()
    assert s.view([]).shape == ()
    assert s.reshape(1).shape == (1,)
    assert make((1,)).view().shape == ()
    assert ember.zeros(0, 3).view(3, 0).shape == (3, 0)


def test_shape_argument_errors():
    x = make((4, 8))
    with pytest.raises(TypeError, match=r"\[view\]"):
        x.view(8, 4.0)
    with pytest.raises(TypeError, match=r"\[view\]"):
        x.view(True, 32)
    with pytest.raises(TypeError, match=r"\[reshape\]"):
        x.reshape((8, "4"))
    with pytest.raises(RuntimeError, match=r"\[view\]"):
        x.view(5, 7)
    with pytest.raises(RuntimeError, match=r"\[view\]"):
        x.t().view(32)  # not viewable without a copy


def test_view_dtype_still_dispatches():
    x = ember.zeros(2, 2)
    assert x.view(ember.int32).dtype is ember.int32
    assert x.view(ember.int32).shape == (2, 2)


def test_view_shares_storage_and_records():
    x = make((4, 8), seed=1)
    v = x.view(8, 4)
    v[0, 0] = 42.0
    assert x[0, 0].item() == 42.0
    w = make((4, 8)).requires_grad_()
    g = w.view(2, 16)
    assert g.requires_grad and g._base is w


# ---- elementwise methods bound to the ops ------------------------------------------------------
def test_elementwise_methods_are_the_ops():
    x, y = make((2, 3), seed=1), make((2, 3), seed=2)
    assert_close(x.add(y, alpha=2), x.numpy() + 2 * y.numpy())
    assert_close(x.subtract(y), x.numpy() - y.numpy())
    assert_close(x.mul(3), x.numpy() * 3)
    assert_close(x.div(y, rounding_mode="floor"), np.floor(x.numpy() / y.numpy()))
    xr = x.clone().requires_grad_()
    assert xr.add(y).requires_grad and xr.mul(y).grad_fn is not None
    with pytest.raises(TypeError, match=r"\[add\]"):
        x.add("a")
    with pytest.raises(TypeError):
        x.add()


# ---- generated exact-signature wrappers ---------------------------------------------------------
def _decorated_ops():
    import gc
    import types
    return [o for o in gc.get_objects() if type(o) is types.FunctionType and "_grad_name" in o.__dict__
            and "_raw" in o.__dict__]


def test_exact_wrappers_keep_signature_and_reach_their_grad_impl():
    import inspect
    import ember.autograd.grad_fns  # noqa: F401
    from ember.autograd._dispatch import _IMPLS
    P = inspect.Parameter
    exact = [f for f in _decorated_ops() if getattr(f, "__code__", None) is not None
             and f.__code__.co_filename.startswith("<differentiable")]
    assert len(exact) > 50
    for f in exact:
        assert inspect.signature(f, follow_wrapped=False) == inspect.signature(f._raw, follow_wrapped=False), f._grad_name
        assert f.__name__ == f._raw.__name__
        impl = _IMPLS.get(f._grad_name)
        if impl is None:
            continue
        ip = inspect.signature(impl).parameters.values()
        rp = inspect.signature(f._raw, follow_wrapped=False).parameters.values()
        n_pos = sum(p.kind is P.POSITIONAL_OR_KEYWORD for p in rp)
        if not any(p.kind is P.VAR_POSITIONAL for p in ip):  # every positional argument has a slot
            assert n_pos <= sum(p.kind in (P.POSITIONAL_OR_KEYWORD, P.POSITIONAL_ONLY) for p in ip), f._grad_name
        if not any(p.kind is P.VAR_KEYWORD for p in ip):      # every keyword-only one a name (out= aside)
            names = {p.name for p in ip}
            for p in rp:
                if p.kind is P.KEYWORD_ONLY and p.name != "out":
                    assert p.name in names, (f._grad_name, p.name)


def test_exact_wrapper_forwards_what_was_given():
    from ember.autograd._dispatch import differentiable, register, _IMPLS
    seen = []

    @register("__exact_probe__")
    def probe_impl(a, b=2, c=None, *, k=1, out=None):
        seen.append((a, b, c, k, out))
        return a * 1

    @differentiable("__exact_probe__")
    def probe(a, b=2, c=None, *, k=1, out=None):
        return a

    try:
        x = make((2,)).requires_grad_()
        y = make((2,))
        assert probe(y, 5, k=3) is y                          # raw path: the raw op itself runs
        probe(x)
        probe(x, 2, None)
        probe(x, c=4)
        probe(x, k=7)
        probe(b=3, a=x)
        probe(y, [x])                                         # a tensor inside a list
        probe(y, k=x)                                         # keyword-only tensor
        assert [s[1:4] for s in seen] == [(2, None, 1), (2, None, 1), (2, 4, 1), (2, None, 7), (3, None, 1),
                                          ([x], None, 1), (2, None, x)]
        with pytest.raises(TypeError, match="probe"):
            probe(x, bogus=1)
        with pytest.raises(TypeError, match="probe"):
            probe()
        out = ember.empty(2)
        r = probe(x, out=out)                                 # out= on the grad path: written, history moved
        assert r is out and out.requires_grad and seen[-1][4] is None
    finally:
        _IMPLS.pop("__exact_probe__", None)


def test_exact_wrapper_inplace_form():
    from ember.autograd._dispatch import differentiable, register, _IMPLS

    @register("__exact_probe_ip__")
    def impl(a, b, *, scale=1):
        return a + b * scale

    @differentiable("__exact_probe_ip__", inplace=True)
    def probe_(a, b, *, scale=1):
        a.add_(b * scale)
        return a

    try:
        t = make((2,), seed=1)
        before = t.detach().numpy().copy()
        w = make((2,), seed=2).requires_grad_()
        r = probe_(t, w, scale=2)
        assert r is t and t.requires_grad and t.grad_fn is not None
        assert_close(t.detach(), before + 2 * w.detach().numpy())
        with pytest.raises(RuntimeError, match="leaf"):
            probe_(w, t)
    finally:
        _IMPLS.pop("__exact_probe_ip__", None)
