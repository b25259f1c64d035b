"""The options of one ``stream``/``invoke`` call, read and checked once.

``RunOptions.read`` turns the keyword arguments LangGraph's run methods take (``stream_mode``,
``print_mode``, ``debug``, ``subgraphs``, ``version``, the deprecated ``checkpoint_during``)
into what the loop and the stream shaper need. ``print_mode`` chunks are printed as LangGraph
prints them (``[mode] payload``, bold, with ``[graph=ns]`` for nested graphs).
"""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any

from streamgraph.pregel._stream import Event, parse_modes

if TYPE_CHECKING:
    from streamgraph.pregel.main import Pregel

__all__ = ("RunOptions", "coerce_context")

_INVOKE_EXTRAS = ("debug", "subgraphs")
"""``stream()`` arguments ``invoke()`` takes through ``**kwargs``, as LangGraph's does."""

_LOOP_OPTIONS = ("output_keys", "interrupt_before", "interrupt_after", "context", "durability")


class RunOptions:
    """``modes``: those whose chunks the caller gets; ``print_modes``: those printed."""

    __slots__ = ("loop_options", "modes", "print_modes", "subgraphs", "tagged", "version")

    def __init__(
        self,
        *,
        modes: frozenset[str],
        tagged: bool,
        print_modes: frozenset[str],
        subgraphs: bool,
        version: str,
        loop_options: dict[str, Any],
    ) -> None:
        self.modes = modes
        self.tagged = tagged
        self.print_modes = print_modes
        self.subgraphs = subgraphs
        self.version = version
        self.loop_options = loop_options

    @classmethod
    def read(
        cls, graph: Pregel, config: Any, options: dict[str, Any], legacy: dict[str, Any]
    ) -> RunOptions:
        legacy = dict(legacy)
        options = {**options, **{k: legacy.pop(k) for k in _INVOKE_EXTRAS if k in legacy}}
        durability = _legacy_durability(options.get("durability"), legacy)
        stream_mode = options.get("stream_mode")
        if stream_mode is None:
            stream_mode = graph.stream_mode
        modes, tagged = parse_modes(stream_mode)
        print_mode = options.get("print_mode") or ()
        if options.get("debug") or graph.debug:
            print_mode = ["updates", "values"]
        print_modes = parse_modes(print_mode)[0] if print_mode else frozenset()
        version = options.get("version") or "v1"
        loop_options = {key: options.get(key) for key in _LOOP_OPTIONS}
        loop_options["durability"] = durability
        return cls(
            modes=modes,
            tagged=tagged,
            print_modes=print_modes,
            subgraphs=bool(options.get("subgraphs")),
            version=version,
            loop_options=loop_options,
        )

    def _show(self, event: Event) -> None:
        ns, mode, payload = event
        if mode not in self.print_modes:
            return
        label = f"\033[1m[{mode}]\033[0m"
        if self.subgraphs and ns:
            print(label, f"\033[1;30;33m[graph={ns}]\033[0m", repr(payload))
        else:
            print(label, repr(payload))

    def printing(self, events: Iterator[Event], shape: Callable[[Event], Any]) -> Iterator[Any]:
        """Print the events of ``print_mode``; yield those of ``stream_mode``, shaped."""
        modes = self.modes
        for event in events:
            self._show(event)
            if event[1] in modes:
                yield shape(event)

    async def aprinting(
        self, events: AsyncIterator[Event], shape: Callable[[Event], Any]
    ) -> AsyncIterator[Any]:
        modes = self.modes
        async for event in events:
            self._show(event)
            if event[1] in modes:
                yield shape(event)


def _legacy_durability(durability: Any, legacy: dict[str, Any]) -> Any:
    """``checkpoint_during=`` (deprecated) as ``durability``; any other unknown keyword
    argument is an error."""
    legacy = dict(legacy)
    during = legacy.pop("checkpoint_during", None)
    if legacy:
        raise TypeError(f"unexpected keyword arguments: {sorted(legacy)}")
    if during is None:
        return durability
    from streamgraph.warnings import LangGraphDeprecatedSinceV10

    warnings.warn(
        "`checkpoint_during` is deprecated and will be removed. Please use `durability` instead.",
        category=LangGraphDeprecatedSinceV10,
        stacklevel=5,
    )
    if durability is not None:
        raise ValueError(
            "Cannot use both `checkpoint_during` and `durability` parameters. Please use "
            "`durability` instead."
        )
    return "async" if during else "exit"


def coerce_context(schema: Any, context: Any) -> Any:
    """A ``context=`` dict as an instance of the graph's ``context_schema`` when that is a
    dataclass or a pydantic model (their own errors for missing or unknown fields); anything
    else as given."""
    if context is None or schema is None or not isinstance(context, dict):
        return context
    if hasattr(schema, "__dataclass_fields__") or (
        isinstance(schema, type) and hasattr(schema, "model_validate")
    ):
        return schema(**context)
    return context
