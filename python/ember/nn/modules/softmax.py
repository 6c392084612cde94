"""nn modules: Softmax, LogSoftmax, Softmin, Softmax2d and the fused classification losses
(CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss). Each forward calls its nn.functional form."""
from .. import functional as F
from . import loss as _loss
from . import module as _module

# ``Module`` (module.py) and the loss bases (loss.py) are written alongside; until they exist
# these classes cannot be instantiated.
Module = getattr(_module, "Module", object)

__all__ = ["Softmax", "LogSoftmax", "Softmin", "Softmax2d", "CrossEntropyLoss", "NLLLoss", "BCELoss",
           "BCEWithLogitsLoss"]


def _bases():
    """``_Loss`` / ``_WeightedLoss`` from loss.py, or equivalents with PyTorch's semantics."""
    lb, wb = getattr(_loss, "_Loss", None), getattr(_loss, "_WeightedLoss", None)
    if lb is not None and wb is not None:
        return lb, wb

    class _Loss(Module):
        def __init__(self, size_average=None, reduce=None, reduction="mean"):
            super().__init__()
            if size_average is not None or reduce is not None:
                size_average = True if size_average is None else size_average
                reduce = True if reduce is None else reduce
                reduction = ("mean" if size_average else "sum") if reduce else "none"
            self.reduction = reduction

    class _WeightedLoss(_Loss):
        def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
            super().__init__(size_average, reduce, reduction)
            self.register_buffer("weight", weight)

    return _Loss, _WeightedLoss


_Loss, _WeightedLoss = _bases()


class _DimModule(Module):
    __constants__ = ["dim"]

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def __setstate__(self, state):
        super().__setstate__(state)
        if not hasattr(self, "dim"):
            self.dim = None

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmax(_DimModule):
    """Softmax over ``dim`` (see :func:`ember.nn.functional.softmax`)."""

    def forward(self, input):
        return F.softmax(input, self.dim, _stacklevel=5)


class LogSoftmax(_DimModule):
    """log_softmax over ``dim`` (see :func:`ember.nn.functional.log_softmax`)."""

    def forward(self, input):
        return F.log_softmax(input, self.dim, _stacklevel=5)


class Softmin(_DimModule):
    """softmax(-x) over ``dim`` (see :func:`ember.nn.functional.softmin`)."""

    def forward(self, input):
        return F.softmin(input, self.dim, _stacklevel=5)


class Softmax2d(Module):
    """Softmax over the channel dim of a (C, H, W) or (N, C, H, W) input."""

    def forward(self, input):
        if input.dim() not in (3, 4):
            raise ValueError(f"[Softmax2d] Softmax2d: expected input to be 3D or 4D, got {input.dim()}D instead")
        return F.softmax(input, -3, _stacklevel=5)


class CrossEntropyLoss(_WeightedLoss):
    """Fused log-softmax + negative log-likelihood (see :func:`ember.nn.functional.cross_entropy`)."""
    __constants__ = ["ignore_index", "reduction", "label_smoothing"]

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                 label_smoothing=0.0):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        return F.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of log-probabilities (see :func:`ember.nn.functional.nll_loss`)."""
    __constants__ = ["ignore_index", "reduction"]

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index, reduction=self.reduction)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy of probabilities (see :func:`ember.nn.functional.binary_cross_entropy`)."""
    __constants__ = ["reduction"]

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)

    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid + binary cross-entropy, stable form (see
    :func:`ember.nn.functional.binary_cross_entropy_with_logits`)."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean", pos_weight=None):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target, self.weight, pos_weight=self.pos_weight,
                                                  reduction=self.reduction)
