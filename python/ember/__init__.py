"""ember: a small, fast deep-learning tensor library with a PyTorch-shaped API."""
import builtins as _builtins
import os as _os

# Developer builds (cmake without pip) put _C in $EMBER_BUILD_DIR/ember_ext.
if _os.environ.get("EMBER_BUILD_DIR"):
    __path__.insert(0, _os.path.join(_os.environ["EMBER_BUILD_DIR"], "ember_ext"))

from . import _C  # noqa: E402
from ._device import device  # noqa: E402
from ._dtype import *  # noqa: E402,F401,F403
from ._dtype import dtype  # noqa: E402
from ._tensor import Tensor, Size, is_tensor, from_numpy, numel  # noqa: E402
from ._dlpack import from_dlpack  # noqa: E402
from ._printing import set_printoptions, get_printoptions  # noqa: E402
from ._ops.creation import *  # noqa: E402,F401,F403
from ._ops.elementwise import *  # noqa: E402,F401,F403
from ._ops.unary import *  # noqa: E402,F401,F403
from ._ops.reduce import *  # noqa: E402,F401,F403
from ._ops.sort import *  # noqa: E402,F401,F403
from ._ops.index import *  # noqa: E402,F401,F403
from ._ops.shape import *  # noqa: E402,F401,F403
from ._ops.linalg_ops import *  # noqa: E402,F401,F403
from ._ops.random import *  # noqa: E402,F401,F403
from . import linalg, nn, random, optim, utils  # noqa: E402,F401
from . import autograd  # noqa: E402,F401
from .autograd import grad_fns as _grad_fns  # noqa: E402,F401
from .autograd import no_grad, enable_grad, set_grad_enabled, inference_mode, is_grad_enabled  # noqa: E402,F401
from . import cuda  # noqa: E402
from . import backends  # noqa: E402,F401


def _export_top_level():
    # nn.functional groups that PyTorch also exposes at top level (torch.relu, torch.softmax, ...)
    from .nn._functional import activation as _act, softmax as _sm
    from .nn import functional as _F
    g = globals()
    for mod in (_act, _sm):
        for name in getattr(mod, "TOP_LEVEL", ()):
            g[name] = getattr(mod, name)
    # only where torch.<name> takes the same positional arguments as F.<name> (torch.batch_norm,
    # torch.embedding and the int-reduction losses do not, so they are left out)
    for name in ("conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
                 "avg_pool1d", "max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices",
                 "adaptive_avg_pool1d", "adaptive_max_pool1d", "pixel_shuffle", "pixel_unshuffle", "channel_shuffle",
                 "dropout", "alpha_dropout", "feature_alpha_dropout", "bilinear", "layer_norm", "group_norm",
                 "rms_norm", "cosine_similarity", "pairwise_distance"):
        if hasattr(_F, name) and name not in g:  # as torch.<name>
            g[name] = getattr(_F, name)


_export_top_level()
from .serialization import save, load  # noqa: E402,F401

__version__ = "0.1.0"


def set_num_threads(n):
    """Number of CPU threads ember's kernels use."""
    if not isinstance(n, _builtins.int) or n < 1:
        raise ValueError(f"[set_num_threads] expected a positive int, got {n!r}")
    _C.set_num_threads(n)


def get_num_threads():
    """Number of CPU threads ember's kernels use."""
    return _C.get_num_threads()


def set_kernels(mode):
    """``"fast"`` (default) or ``"reference"``: route every op to its plain-loop reference."""
    if mode not in ("fast", "reference"):
        raise ValueError(f"[set_kernels] mode must be 'fast' or 'reference', got {mode!r}")
    _C.set_reference_kernels(mode == "reference")


def get_kernels():
    return "reference" if _C.use_reference_kernels() else "fast"
