"""Tensor printing (``repr``/``str``) in PyTorch's format, and ``set_printoptions``.

Follows torch/_tensor_str.py's rules: one width for all elements; floats print in integer mode
("1.", "2."), fixed ("0.1000") or scientific ("1.0000e+05") depending on the range of the
finite non-zero values; tensors above ``threshold`` elements are summarized with "...".
"""
import math

import numpy as np

__all__ = ["set_printoptions", "get_printoptions"]

_DEFAULTS = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}
_opts = dict(_DEFAULTS)


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    """Set how tensors print (same arguments and profiles as torch.set_printoptions)."""
    if profile is not None:
        if profile not in ("default", "short", "full"):
            raise ValueError(f"[set_printoptions] unknown profile {profile!r}")
        _opts.update(_DEFAULTS)
        if profile == "short":
            _opts.update(precision=2, edgeitems=2)
        elif profile == "full":
            _opts.update(threshold=math.inf)
    for k, v in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                 ("linewidth", linewidth)):
        if v is not None:
            _opts[k] = v
    _opts["sci_mode"] = sci_mode


def get_printoptions():
    """The current print options as a dict."""
    return dict(_opts)


class _Formatter:
    def __init__(self, values, floating):
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        p = _opts["precision"]
        flat = values.reshape(-1)
        if not floating:
            for v in flat.tolist():
                self.max_width = max(self.max_width, len(str(v)))
            return
        finite = flat[np.isfinite(flat)]
        signed = finite[finite != 0]
        nz = np.abs(signed)
        if nz.size == 0:
            self._apply_sci_override()
            return
        lo, hi = float(nz.min()), float(nz.max())
        self.int_mode = bool(np.all(np.ceil(nz) == nz))
        if self.int_mode:
            if hi / lo > 1000.0 or hi > 1.0e8:
                self.sci_mode = True
                widths = (len(f"{v:.{p}e}") for v in signed.tolist())
            else:
                widths = (len(f"{v:.0f}") + 1 for v in signed.tolist())
        else:
            if hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4:
                self.sci_mode = True
                widths = (len(f"{v:.{p}e}") for v in signed.tolist())
            else:
                widths = (len(f"{v:.{p}f}") for v in signed.tolist())
        self.max_width = max(self.max_width, max(widths))
        self._apply_sci_override()

    def _apply_sci_override(self):
        if _opts["sci_mode"] is not None:
            self.sci_mode = _opts["sci_mode"]

    def _raw(self, v):
        p = _opts["precision"]
        if not self.floating:
            return str(v)
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        if self.sci_mode:
            return f"{v:.{p}e}"
        if self.int_mode:
            return f"{v:.0f}."
        return f"{v:.{p}f}"

    def width(self):
        return self.max_width

    def format(self, v):
        s = self._raw(v)
        return " " * (self.max_width - len(s)) + s


def _summarize(a):
    e = _opts["edgeitems"]
    if a.ndim == 0:
        return a
    if a.shape[0] > 2 * e:
        parts = [_summarize(x) for x in a[:e]] + [_summarize(x) for x in a[-e:]]
    else:
        parts = [_summarize(x) for x in a]
    return np.stack(parts) if parts else a


def _vector_str(a, indent, summarize, fmt):
    element_length = fmt.width() + 2
    per_line = max(1, int(math.floor((_opts["linewidth"] - indent) / element_length)))
    e = _opts["edgeitems"]
    vals = a.tolist()
    if summarize and len(vals) > 2 * e:
        data = [fmt.format(v) for v in vals[:e]] + [" ..."] + [fmt.format(v) for v in vals[-e:]]
    else:
        data = [fmt.format(v) for v in vals]
    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"


def _tensor_str(a, indent, summarize, fmt):
    if a.ndim == 0:
        return fmt.format(a.item())
    if a.ndim == 1:
        return _vector_str(a, indent, summarize, fmt)
    e = _opts["edgeitems"]
    n = a.shape[0]
    if summarize and n > 2 * e:
        slices = ([_tensor_str(a[i], indent + 1, summarize, fmt) for i in range(e)] + ["..."] +
                  [_tensor_str(a[i], indent + 1, summarize, fmt) for i in range(n - e, n)])
    else:
        slices = [_tensor_str(a[i], indent + 1, summarize, fmt) for i in range(n)]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(slices) + "]"


def _add_suffixes(body, suffixes, indent):
    out = [body]
    last_line_len = len(body) - body.rfind("\n") + 1
    for s in suffixes:
        if last_line_len + len(s) + 2 > _opts["linewidth"]:
            out.append(",\n" + " " * indent + s)
            last_line_len = indent + len(s)
        else:
            out.append(", " + s)
            last_line_len += len(s) + 2
    out.append(")")
    return "".join(out)


def tensor_repr(t):
    from . import _dtype as dt
    prefix = "tensor("
    indent = len(prefix)
    suffixes = []
    d = t.dtype
    if t.device.type != "cpu":
        suffixes.append(f"device='{t.device}'")
    a = np.asarray(t.__array__())
    floating = d.is_floating_point
    if floating:
        a = a.astype(np.float64)
    if t.numel() == 0:
        if t.dim() != 1:
            suffixes.append(f"size={tuple(t.shape)}")
        if d is not dt.get_default_dtype():
            suffixes.append(f"dtype={d!r}")
        body = "[]"
    else:
        default = d is dt.get_default_dtype() or d is dt.int64 or d is dt.bool
        if not default:
            suffixes.append(f"dtype={d!r}")
        summarize = t.numel() > _opts["threshold"]
        shown = _summarize(a) if summarize else a
        fmt = _Formatter(shown, floating)
        body = _tensor_str(a, indent, summarize, fmt)
    if t.grad_fn is not None:
        name = t.grad_fn.name() if hasattr(t.grad_fn, "name") else type(t.grad_fn).__name__
        suffixes.append(f"grad_fn=<{name}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)
