"""Finding and rebuilding the classes stored values name, under the serializers' safety rules.

A stored class is looked up by module and qualified name, and rebuilt only if it is a
dataclass, a pydantic model or an enum; its module must already be imported (the graph that
stored it imported it), except for ``langchain_core``, which is imported on demand. Nothing is
ever unpickled.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

__all__ = ("find_class", "rebuild")

_IMPORTABLE_PREFIXES = ("langchain_core.",)


def find_class(ref: list[str]) -> type:
    module_name, qualname = ref
    module = sys.modules.get(module_name)
    if module is None and module_name.startswith(_IMPORTABLE_PREFIXES):
        module = importlib.import_module(module_name)
    if module is None:
        raise TypeError(
            f"cannot restore a {module_name}.{qualname}: module {module_name!r} is not "
            "imported (import it before reading the checkpoint)"
        )
    found: Any = module
    for part in qualname.split("."):
        found = getattr(found, part, None)
        if found is None:
            raise TypeError(f"cannot restore a {module_name}.{qualname}: no such class")
    if not isinstance(found, type):
        raise TypeError(f"cannot restore {module_name}.{qualname}: not a class")
    return found


def rebuild(cls: type, fields: dict[str, Any], kind: str) -> Any:
    """An instance of ``cls`` (a pydantic model or a dataclass, as ``kind`` says) with
    ``fields``, without running validation (the values were valid when stored)."""
    if kind == "pydantic":
        if not hasattr(cls, "model_construct"):
            raise TypeError(f"cannot restore {cls!r}: not a pydantic model")
        return cls.model_construct(**fields)
    if not hasattr(cls, "__dataclass_fields__"):
        raise TypeError(f"cannot restore {cls!r}: not a dataclass")
    init = {k: v for k, v in fields.items() if cls.__dataclass_fields__[k].init}
    obj = cls(**init)
    for key, value in fields.items():
        if key not in init:
            object.__setattr__(obj, key, value)
    return obj
