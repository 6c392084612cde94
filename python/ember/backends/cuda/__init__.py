"""ember.backends.cuda: switches of the CUDA backend, as ``torch.backends.cuda``.

``ember.backends.cuda.matmul.allow_tf32`` (default False, as in PyTorch) lets float32 matrix
products on CUDA use TF32 tensor cores (10-bit mantissa inputs, float32 accumulation). It is the
same setting as ``ember.set_float32_matmul_precision``: True is "high", False is "highest".
The CPU kernels always compute in full float32.
"""
from ... import _C

__all__ = ["matmul", "is_built"]


def is_built():
    """Whether this ember build has CUDA support (not whether a GPU is usable)."""
    return _C._cuda_unavailable_reason() != "ember was built without CUDA support"


class _CuBLASModule:
    """The ``matmul`` switches (torch.backends.cuda.matmul)."""

    _flags = {"allow_fp16_reduced_precision_reduction": True, "allow_bf16_reduced_precision_reduction": True}

    def __getattr__(self, name):
        if name == "allow_tf32":
            return _C._get_float32_matmul_precision() > 0
        if name in _CuBLASModule._flags:
            return _CuBLASModule._flags[name]
        raise AttributeError(f"Unknown attribute {name}")

    def __setattr__(self, name, value):
        if name == "allow_tf32":
            _C._set_float32_matmul_precision(1 if value else 0)
            return
        if name in _CuBLASModule._flags:
            # ember's 16-bit products always accumulate in float32 (a reduced-precision reduction
            # is never used), so these are recorded for compatibility only.
            _CuBLASModule._flags[name] = bool(value)
            return
        raise AttributeError(f"Unknown attribute {name}")


matmul = _CuBLASModule()
