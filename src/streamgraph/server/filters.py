"""Metadata filters returned by auth handlers, checked and matched the same way everywhere.

A handler restricts an operation to resources whose ``metadata`` matches what it returns
(``streamgraph.sdk.auth.types.FilterType``)::

    {"owner": "alice"}                          # equal (as JSON values: True is not 1)
    {"owner": {"$eq": "alice"}}                 # the same
    {"tags": {"$contains": "a"}}                # a list holding "a"
    {"tags": {"$contains": ["a", "b"]}}         # a list holding both
    {"$or": [{"owner": "alice"}, {"shared": True}]}   # two or more filters, one must match
    {"$and": [..., ...]}                        # two or more filters, all must match

Every key of a filter must match. ``$or``/``$and`` nest at most twice, as LangGraph's
server allows. A filter is checked when the handler returns it: an operator this server
does not know is an error (LangGraph's in-memory server ignores it, which lets every row
through), and so is any other malformed filter.

Storage backends run a filter in two parts: ``narrowing``, a containment filter every
matching row satisfies (SQL selects by it, so a typical ``{"owner": ...}`` filter is a
plain indexed condition), and ``matches`` for what containment cannot say (``exact`` is
False then, and the rows are checked in Python).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from streamgraph.server.storage.base import same

__all__ = ("FilterInvalid", "MetadataFilter")

MAX_NESTING = 2
OPERATORS = ("$eq", "$contains")
SCALARS = (str, int, float, bool, type(None))


class FilterInvalid(ValueError):
    """An auth handler returned a filter this server cannot apply (a bug in the handler)."""


class MetadataFilter:
    """A checked auth filter over a resource's metadata (see the module docstring)."""

    __slots__ = ("exact", "narrowing", "spec")

    def __init__(self, spec: Mapping[str, Any]) -> None:
        _check(spec, 0)
        self.spec: dict[str, Any] = dict(spec)
        narrowing: dict[str, Any] = {}
        exact = True
        for key, value in self.spec.items():
            if key.startswith("$"):
                exact = False
            elif not isinstance(value, dict):
                narrowing[key] = value
            elif "$eq" in value and isinstance(value["$eq"], SCALARS):
                narrowing[key] = value["$eq"]
            else:
                exact = False
        self.narrowing: dict[str, Any] | None = narrowing or None
        """Containment every matching row's metadata satisfies (None: nothing to narrow by)."""
        self.exact = exact
        """True when ``narrowing`` selects exactly the matching rows."""

    def matches(self, metadata: Any) -> bool:
        return _matches(metadata if isinstance(metadata, Mapping) else {}, self.spec)

    def __repr__(self) -> str:
        return f"MetadataFilter({self.spec!r})"


def _check(spec: Any, depth: int) -> None:
    if not isinstance(spec, Mapping):
        raise FilterInvalid(f"a filter must be a dict, not {type(spec).__name__}")
    if depth > MAX_NESTING:
        raise FilterInvalid(
            "Your auth handler returned a filter with too many nested operators. The "
            f"maximum depth for nested operators is {MAX_NESTING}. Please simplify your filter."
        )
    for key, value in spec.items():
        if not isinstance(key, str):
            raise FilterInvalid(f"filter keys must be strings, not {key!r}")
        if key in ("$or", "$and"):
            if not isinstance(value, list) or len(value) < 2:
                raise FilterInvalid(
                    f"Your auth handler returned a filter with an invalid {key} operator. "
                    f"The {key} operator must be a list of at least 2 filter objects."
                )
            for group in value:
                _check(group, depth + 1)
        elif key.startswith("$"):
            raise FilterInvalid(
                f"unknown filter operator {key!r}: expected a metadata key, '$or' or '$and'"
            )
        elif isinstance(value, Mapping):
            _check_operator(key, value)


def _check_operator(key: str, value: Mapping[str, Any]) -> None:
    if len(value) != 1 or next(iter(value)) not in OPERATORS:
        raise FilterInvalid(
            f"filter on {key!r}: a dict value must be one operator, {{'$eq': ...}} or "
            f"{{'$contains': ...}}, not {dict(value)!r}"
        )


def _matches(metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> bool:
    for key, wanted in spec.items():
        if key == "$or":
            if not any(_matches(metadata, group) for group in wanted):
                return False
        elif key == "$and":
            if not all(_matches(metadata, group) for group in wanted):
                return False
        elif key not in metadata:
            return False
        elif isinstance(wanted, Mapping):
            operator, operand = next(iter(wanted.items()))
            if operator == "$eq":
                if not same(metadata[key], operand):
                    return False
            elif not _contains(metadata[key], operand):
                return False
        elif not same(metadata[key], wanted):
            return False
    return True


def _contains(stored: Any, operand: Any) -> bool:
    if not isinstance(stored, list):
        return False
    wanted = operand if isinstance(operand, list) else [operand]
    return all(any(same(item, element) for item in stored) for element in wanted)
