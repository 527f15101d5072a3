"""Read what an Ultralytics ``.pt`` checkpoint says about itself without torch and without
running it.

A ``.pt`` file is a ZIP holding a pickle (``*/data.pkl``) and the tensors' bytes beside it.
Unpickling it for real imports torch and Ultralytics and may run any code the file carries;
here every class and function the pickle names is replaced by an inert record of what it was
given, and tensor storages by None. What remains is the plain data Ultralytics saved (the
model's ``yaml`` dict, ``names``, ``task``, ``args``, ``train_args``) — enough to know the task
and the classes before a job holds credits, in a process that may have no torch at all.
"""

from __future__ import annotations

import io
import pickle
import zipfile
from pathlib import Path
from typing import Any

# Plain containers the pickle may rebuild for real (they run no code of the file's).
_SAFE: dict[tuple[str, str], Any] = {
    ("collections", "OrderedDict"): dict,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("builtins", "dict"): dict,
    ("builtins", "list"): list,
    ("builtins", "tuple"): tuple,
}
_MAX_PICKLE_BYTES = 256 * 1024 * 1024


class CheckpointError(Exception):
    """The file is not a checkpoint this reader understands."""


class Inert:
    """Stands for any object of the checkpoint: keeps its constructor arguments and state."""

    __slots__ = ("_args", "_items", "_state")
    _qualname = "?"

    def __new__(cls, *args: Any, **kwargs: Any) -> Inert:
        return object.__new__(cls)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._args = args
        self._state: Any = None
        self._items: list[Any] = []

    def __setstate__(self, state: Any) -> None:
        self._state = state

    # Containers subclassed by the checkpoint's classes get SETITEMS / APPENDS.
    def __setitem__(self, key: Any, value: Any) -> None:
        self._items.append((key, value))

    def append(self, value: Any) -> None:
        self._items.append(value)

    def extend(self, values: Any) -> None:
        self._items.extend(values)

    @property
    def qualname(self) -> str:
        return type(self)._qualname

    def attrs(self) -> dict[str, Any]:
        """The object's saved attributes (``__dict__`` state), {} when it saved none."""
        state = self._state
        if isinstance(state, tuple) and len(state) == 2:
            merged: dict[str, Any] = {}
            for part in state:
                if isinstance(part, dict):
                    merged.update(part)
            return merged
        return state if isinstance(state, dict) else {}


class _InertUnpickler(pickle.Unpickler):
    def __init__(self, data: bytes) -> None:
        super().__init__(io.BytesIO(data))
        self._classes: dict[tuple[str, str], type[Inert]] = {}

    def find_class(self, module: str, name: str) -> Any:
        safe = _SAFE.get((module, name))
        if safe is not None:
            return safe
        key = (module, name)
        cls = self._classes.get(key)
        if cls is None:
            cls = type(name.replace(".", "_"), (Inert,), {"__slots__": ()})
            cls._qualname = f"{module}.{name}"
            self._classes[key] = cls
        return cls

    def persistent_load(self, pid: Any) -> None:
        return None  # a tensor storage: its bytes are not needed


def read_checkpoint(path: Path) -> Any:
    """The checkpoint's top-level object (a dict for Ultralytics), every object in it inert."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if n.endswith("data.pkl")]
            if not names:
                raise CheckpointError(f"{path.name} holds no data.pkl")
            info = archive.getinfo(min(names, key=len))
            if info.file_size > _MAX_PICKLE_BYTES:
                raise CheckpointError(f"{path.name}'s data.pkl is implausibly large")
            data = archive.read(info)
    except zipfile.BadZipFile:
        raise CheckpointError(
            f"{path.name} is not a PyTorch checkpoint in the ZIP format Ultralytics saves"
        ) from None
    try:
        return _InertUnpickler(data).load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, IndexError) as exc:
        raise CheckpointError(f"{path.name} could not be read: {exc}") from None


def attrs(obj: Any) -> dict[str, Any]:
    """Attributes of an inert object, or the dict itself."""
    if isinstance(obj, Inert):
        return obj.attrs()
    return obj if isinstance(obj, dict) else {}
