"""nn.functional: convolutions: conv1d/2d/3d, conv_transpose1d/2d/3d.

Argument parsing (ints or tuples, 'same'/'valid' padding, unbatched inputs) happens here; the
convolution itself is one C++ call (``ops/conv``). Every variant funnels into one differentiable
op, ``_convolution``, whose autograd node (``grad_fns/conv.py``: ``Convolution``) calls the C++
backward kernels. ``padding='same'`` with an even effective kernel pads one more element on the
high side, as PyTorch does (the kernels take separate low/high padding).
"""
import builtins
import numbers

from ... import _C
from ..._tensor import Tensor, _wrap
from ...autograd._dispatch import differentiable

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]



def _reraise(ex, op):
    msg = str(ex)
    if msg.startswith("[") and "]" in msg:
        msg = msg[msg.index("]") + 2:]
    return type(ex)(f"[{op}] {msg}")


def _tuple(v, n, name, op):
    """An int or a sequence of n ints -> a list of n ints (PyTorch's _single/_pair/_triple)."""
    if isinstance(v, builtins.bool):
        raise TypeError(f"[{op}] argument '{name}' must be an int or a tuple of {n} ints, not bool")
    if isinstance(v, numbers.Integral):
        return [int(v)] * n
    if isinstance(v, (list, tuple)):
        if len(v) == 1 and n > 1:
            v = list(v) * n
        if len(v) != n:
            raise RuntimeError(f"[{op}] expected {name} to be a single integer value or a list of {n} values to "
                               f"match the convolution dimensions, but got {name}={list(v)}")
        out = []
        for e in v:
            if isinstance(e, builtins.bool) or not isinstance(e, numbers.Integral):
                raise TypeError(f"[{op}] argument '{name}' must be a tuple of ints, but found element of type "
                                f"{type(e).__name__}")
            out.append(int(e))
        return out
    raise TypeError(f"[{op}] argument '{name}' must be an int or a tuple of ints, not {type(v).__name__}")


def _check_tensor(x, op, name):
    if not isinstance(x, Tensor):
        raise TypeError(f"[{op}] argument '{name}' must be Tensor, not {type(x).__name__}")


def _batch(input, nsp, op):
    """(input with a batch dim, whether it was added): PyTorch accepts unbatched (C, *spatial)."""
    nd = input.dim()
    if nd == nsp + 2:
        return input, False
    if nd == nsp + 1:
        return input.unsqueeze(0), True
    raise RuntimeError(f"[{op}] Expected {nsp + 1}D (unbatched) or {nsp + 2}D (batched) input to {op}, but got "
                       f"input of size: {list(input.shape)}")


def _padding(padding, nsp, stride, dilation, weight, op):
    """(pad_lo, pad_hi) lists for an int/tuple/'same'/'valid' padding."""
    if isinstance(padding, str):
        if padding == "valid":
            return [0] * nsp, [0] * nsp
        if padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError(f"[{op}] padding='same' is not supported for strided convolutions")
            lo, hi = [], []
            for i in range(nsp):
                total = dilation[i] * (weight.shape[2 + i] - 1)
                lo.append(total // 2)
                hi.append(total - total // 2)
            return lo, hi
        raise RuntimeError(f"[{op}] Invalid padding string: {padding!r}")
    p = _tuple(padding, nsp, "padding", op)
    return p, p


@differentiable("convolution")
def _convolution(input, weight, bias, stride, pad_lo, pad_hi, dilation, groups, transposed, output_shape, op):
    """The one differentiable conv op (normalized arguments, batched input).

    transposed=False: conv with low/high padding. transposed=True: the adjoint of that conv
    (PyTorch's conv_transpose); with ``output_shape`` None, ``pad_hi`` holds output_padding and
    the output size follows PyTorch's formula, else the output has ``output_shape`` exactly.
    """
    b = None if bias is None else bias._t
    try:
        if not transposed:
            return _wrap(_C.conv_forward(input._t, weight._t, b, stride, pad_lo, pad_hi, dilation, groups, op))
        if output_shape is None:
            return _wrap(_C.conv_transpose_forward(input._t, weight._t, b, stride, pad_lo, pad_hi, dilation, groups, op))
        y = _wrap(_C.conv_backward_input(input._t, weight._t, list(output_shape), stride, pad_lo, dilation, groups, op))
    except (RuntimeError, ValueError, IndexError, TypeError) as ex:
        raise _reraise(ex, op) from None
    if bias is not None:
        y = y + bias.reshape((-1,) + (1,) * (len(output_shape) - 2))
    return y


def _conv(nsp, op, input, weight, bias, stride, padding, dilation, groups):
    _check_tensor(input, op, "input")
    _check_tensor(weight, op, "weight")
    if bias is not None:
        _check_tensor(bias, op, "bias")
    if isinstance(groups, builtins.bool) or not isinstance(groups, numbers.Integral):
        raise TypeError(f"[{op}] argument 'groups' must be int, not {type(groups).__name__}")
    stride = _tuple(stride, nsp, "stride", op)
    dilation = _tuple(dilation, nsp, "dilation", op)
    if weight.dim() != nsp + 2:
        raise RuntimeError(f"[{op}] expected weight to be {nsp + 2}-D, but got {weight.dim()}-D weight of size "
                           f"{list(weight.shape)}")
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != weight.shape[0]):
        raise RuntimeError(f"[{op}] Given weight of size {list(weight.shape)}, expected bias to be 1-dimensional "
                           f"with {weight.shape[0]} elements, but got bias of size {list(bias.shape)} instead")
    lo, hi = _padding(padding, nsp, stride, dilation, weight, op)
    x, unbatched = _batch(input, nsp, op)
    y = _convolution(x, weight, bias, stride, lo, hi, dilation, int(groups), False, None, op)
    return y.squeeze(0) if unbatched else y


def _conv_transpose(nsp, op, input, weight, bias, stride, padding, output_padding, groups, dilation):
    _check_tensor(input, op, "input")
    _check_tensor(weight, op, "weight")
    if bias is not None:
        _check_tensor(bias, op, "bias")
    if isinstance(padding, str):
        raise TypeError(f"[{op}] argument 'padding' must be tuple of ints, not str")
    if isinstance(groups, builtins.bool) or not isinstance(groups, numbers.Integral):
        raise TypeError(f"[{op}] argument 'groups' must be int, not {type(groups).__name__}")
    stride = _tuple(stride, nsp, "stride", op)
    padding = _tuple(padding, nsp, "padding", op)
    output_padding = _tuple(output_padding, nsp, "output_padding", op)
    dilation = _tuple(dilation, nsp, "dilation", op)
    if weight.dim() != nsp + 2:
        raise RuntimeError(f"[{op}] expected weight to be {nsp + 2}-D, but got {weight.dim()}-D weight of size "
                           f"{list(weight.shape)}")
    x, unbatched = _batch(input, nsp, op)
    y = _convolution(x, weight, bias, stride, padding, output_padding, dilation, int(groups), True, None, op)
    return y.squeeze(0) if unbatched else y


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution (cross-correlation) of input ``(N, C_in, L)`` or ``(C_in, L)`` with weight
    ``(C_out, C_in/groups, k)``; padding is an int, a 1-tuple, ``'valid'`` or ``'same'``."""
    return _conv(1, "conv1d", input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution of input ``(N, C_in, H, W)`` or ``(C_in, H, W)`` with weight
    ``(C_out, C_in/groups, kH, kW)``; padding is an int, a 2-tuple, ``'valid'`` or ``'same'``."""
    return _conv(2, "conv2d", input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution of input ``(N, C_in, D, H, W)`` or ``(C_in, D, H, W)`` with weight
    ``(C_out, C_in/groups, kD, kH, kW)``; padding is an int, a 3-tuple, ``'valid'`` or ``'same'``."""
    return _conv(3, "conv3d", input, weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """1-D transposed convolution ("deconvolution") of input ``(N, C_in, L)`` with weight
    ``(C_in, C_out/groups, k)``: the gradient of conv1d with respect to its input."""
    return _conv_transpose(1, "conv_transpose1d", input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """2-D transposed convolution of input ``(N, C_in, H, W)`` with weight ``(C_in, C_out/groups, kH, kW)``."""
    return _conv_transpose(2, "conv_transpose2d", input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """3-D transposed convolution of input ``(N, C_in, D, H, W)`` with weight
    ``(C_in, C_out/groups, kD, kH, kW)``."""
    return _conv_transpose(3, "conv_transpose3d", input, weight, bias, stride, padding, output_padding, groups,
                           dilation)



@differentiable("convolution_backward_weight")
def _conv_weight_grad(grad_output, input, weight_shape, stride, pad_lo, dilation, groups, op):
    """The weight gradient of ``_convolution`` (non-transposed form) as a differentiable op, so that
    double backward through a conv is recorded (it is bilinear in grad_output and input)."""
    return _wrap(_C.conv_backward_weight(grad_output._t, input._t, list(weight_shape), stride, pad_lo, dilation, groups,
                                    op))
