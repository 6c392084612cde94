"""ember.nn.functional: the functional form of every nn layer, activation and loss.

The implementations live in ``ember/nn/_functional/<group>.py``, one file per group.
"""
from ._functional.basic import *  # noqa: F401,F403
from ._functional.linear import *  # noqa: F401,F403
from ._functional.activation import *  # noqa: F401,F403
from ._functional.loss import *  # noqa: F401,F403
from ._functional.softmax import *  # noqa: F401,F403
from ._functional.normalization import *  # noqa: F401,F403
from ._functional.conv import *  # noqa: F401,F403
from ._functional.pooling import *  # noqa: F401,F403
from ._functional.attention import *  # noqa: F401,F403
from ._functional.mha import *  # noqa: F401,F403
