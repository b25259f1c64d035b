"""Make streamed output of two libraries comparable: ids and timestamps become stable
placeholders (numbered by first appearance, so "the same id in two places" is still checked),
library-specific objects become plain tuples, and dicts keep their key order."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
HEX32 = re.compile(r"\b[0-9a-f]{32}\b")
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00")


class Normalizer:
    def __init__(self) -> None:
        self.ids: dict[str, str] = {}

    def _id(self, match: re.Match[str]) -> str:
        return self.ids.setdefault(match.group(0), f"<id{len(self.ids)}>")

    def __call__(self, value: Any) -> Any:
        name = type(value).__name__
        if isinstance(value, str):
            value = UUID.sub(self._id, value)
            value = HEX32.sub(self._id, value)
            return TIMESTAMP.sub("<ts>", value)
        if isinstance(value, dict):
            return ("dict", [(self(k), self(v)) for k, v in value.items()])
        if isinstance(value, list):
            return [self(v) for v in value]
        if name == "GraphOutput":
            return ("GraphOutput", self(value.value), self(tuple(value.interrupts)))
        if isinstance(value, tuple):
            if hasattr(value, "_fields"):  # StateSnapshot, PregelTask, ...
                return (name, [(f, self(getattr(value, f))) for f in value._fields])
            return tuple(self(v) for v in value)
        if isinstance(value, BaseException):
            return ("error", name)
        if name == "Interrupt":
            return ("Interrupt", self(value.value), self(value.id))
        if name == "Send":
            return ("Send", value.node, self(value.arg))
        if name == "Command":
            return ("Command", self(value.update), self(value.goto), self(value.resume))
        if name == "Overwrite":
            return ("Overwrite", self(value.value))
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return (name, self({f.name: getattr(value, f.name) for f in dataclasses.fields(value)}))
        if hasattr(value, "model_dump"):
            return (name, self(dict(value)))
        return value


def normalize(value: Any) -> Any:
    return Normalizer()(value)
