"""``ember.device``: where a tensor lives (``cpu`` or ``cuda:N``)."""

__all__ = ["device"]


class device:
    """A device, built from a string (``"cpu"``, ``"cuda:0"``), a type and index, or another device."""

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            self.type, self.index = type.type, type.index
            return
        if isinstance(type, int) and not isinstance(type, bool):
            self.type, self.index = "cuda", type
            return
        if not isinstance(type, str):
            raise TypeError(f"[device] expected a string or device, got {type.__class__.__name__}")
        s = type.strip()
        if ":" in s:
            kind, _, idx = s.partition(":")
            if index is not None:
                raise RuntimeError(f"[device] type (string) must not include an index because index was passed explicitly: {s}")
            try:
                index = int(idx)
            except ValueError:
                raise RuntimeError(f"[device] invalid device string: '{s}'") from None
            s = kind
        if s not in ("cpu", "cuda"):
            raise RuntimeError(f"[device] Expected one of cpu, cuda device type at start of device string: {type}")
        if index is not None and index < 0:
            raise RuntimeError(f"[device] Device index must not be negative, got {index}")
        self.type = s
        self.index = index

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        return f"device(type='{self.type}')" if self.index is None else f"device(type='{self.type}', index={self.index})"

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))

    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


_CPU = device("cpu")


def _parse(dev):
    if dev is None:
        return _CPU
    return dev if isinstance(dev, device) else device(dev)
