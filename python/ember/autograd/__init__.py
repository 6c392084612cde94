"""ember.autograd: a dynamic tape of ``Function`` nodes, as torch.autograd.

``Function`` subclasses define forward/backward; ``backward`` and ``grad`` run the recorded graph;
grad modes (``no_grad`` ...) control recording. Built-in ops are wired to Functions by the
autograd/nn issue; until then, graphs are recorded through user-defined Functions.
"""
from .function import Function, FunctionCtx, detect_anomaly, is_anomaly_enabled, set_detect_anomaly  # noqa: F401
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled,  # noqa: F401
                        no_grad, set_grad_enabled)
from .engine import backward, grad  # noqa: F401
from .gradcheck import gradcheck, gradgradcheck  # noqa: F401
from . import _tensor_methods  # noqa: F401
