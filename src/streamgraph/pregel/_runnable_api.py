"""The LangChain ``Runnable`` side of a compiled graph: schemas, composition, streaming input.

A graph is a LangChain ``Runnable`` (``isinstance(graph, Runnable)``, ``prompt | graph``,
``graph | parser``, ``graph.with_config``, ``batch``, ``astream_log``) without
``import streamgraph.graph`` importing langchain-core: ``Pregel`` registers itself as a
virtual subclass of ``Runnable`` once the process has imported langchain-core (when a graph
is built or composed), and implements the methods LangChain calls on its steps.

Schemas are pydantic models built from the state schema (``get_input_jsonschema()`` is what
LangGraph returns: the TypedDict's fields, with reducers' types unwrapped).
"""

from __future__ import annotations

import sys
import typing
import warnings
from collections.abc import AsyncIterator, Iterator
from types import GenericAlias
from typing import Any

__all__ = ("RunnableAPI", "register_as_runnable")

_REGISTERED = False
_RUNNABLE_MODULE = "langchain_core.runnables.base"
_TOOL_OUTPUT_MODULE = "langchain_core.messages.tool"


def register_as_runnable(cls: type) -> None:
    """Make ``cls`` a virtual ``Runnable`` subclass, and ``Command`` a LangChain tool output
    (a tool returning one hands it over as is): now if langchain-core is loaded, else as soon
    as it is (a finder watches for those imports, then steps aside)."""
    global _REGISTERED
    if _REGISTERED:
        return
    _REGISTERED = True
    when_imported(_RUNNABLE_MODULE, lambda module: module.Runnable.register(cls))
    when_imported(_TOOL_OUTPUT_MODULE, command_as_tool_output)


def command_as_tool_output(module: Any) -> None:
    """``Command`` subclasses LangChain's ``ToolOutputMixin`` as LangGraph's does (added to
    its bases here, so that ``import streamgraph.types`` needs no langchain-core)."""
    from streamgraph.types import Command

    mixin = module.ToolOutputMixin
    if not issubclass(Command, mixin):
        Command.__bases__ = (*Command.__bases__, mixin)


_HOOKS: dict[str, list[Any]] = {}


def when_imported(name: str, hook: Any) -> None:
    """Call ``hook(module)`` once module ``name`` is imported (now, if it is)."""
    module = sys.modules.get(name)
    if module is not None:
        hook(module)
        return
    _HOOKS.setdefault(name, []).append(hook)
    if not any(isinstance(f, _ImportWatcher) for f in sys.meta_path):
        sys.meta_path.insert(0, _ImportWatcher())


class _ImportWatcher:
    """A meta path finder that runs the hooks of ``when_imported`` after their module is
    executed (whoever imports it, whenever), and removes itself when none is left."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        hooks = _HOOKS.pop(name, None)
        if hooks is None:
            return None
        import importlib.machinery

        if not _HOOKS and self in sys.meta_path:
            sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        spec.loader = typing.cast(Any, _HookedLoader(spec.loader, hooks))
        return spec


class _HookedLoader:
    """The module's own loader, running the hooks once the module is executed."""

    def __init__(self, inner: Any, hooks: list[Any]) -> None:
        self.inner = inner
        self.hooks = hooks

    def create_module(self, spec: Any) -> Any:
        return self.inner.create_module(spec)

    def exec_module(self, module: Any) -> None:
        self.inner.exec_module(module)
        for hook in self.hooks:
            hook(module)

    def __getattr__(self, name: str) -> Any:  # get_source etc. (tracebacks)
        return getattr(self.inner, name)


_QUALIFIERS = ("Required", "NotRequired", "ReadOnly")


def _field_type(hint: Any) -> Any:
    """A state key's value type for a schema: ``Annotated[list, add]`` -> ``list``,
    ``Annotated[Required[str], ...]`` -> ``str``."""
    while True:
        origin = typing.get_origin(hint)
        if origin is typing.Annotated or getattr(origin, "_name", None) in _QUALIFIERS:
            hint = typing.get_args(hint)[0]
        else:
            return hint


def _accepts_none(typ: Any) -> bool:
    return typ is Any or typ is None or type(None) in typing.get_args(typ)


def _model_for(spec: Any, name: str, *, all_optional: bool = False) -> Any:
    """A pydantic model for a schema (a state schema, or a low-level graph's channels)."""
    from dataclasses import MISSING

    import pydantic

    kind = getattr(spec, "kind", None)
    cls = getattr(spec, "cls", None)
    if kind == "channels":
        if isinstance(spec.keys, str):
            root = pydantic.RootModel[spec.hints[spec.keys]]
            return type(name, (root,), {})
        optional: dict[str, Any] = {k: (spec.hints[k], None) for k in spec.stored_keys}
        return pydantic.create_model(name, **optional)
    if kind == "pydantic" and not all_optional:
        return cls
    if kind == "root":  # one value, optional
        root_type = _field_type(spec.hints["__root__"])
        base = pydantic.RootModel[root_type]  # type: ignore[valid-type]
        return type(
            "LangGraphInput" if name.endswith("Input") else "LangGraphOutput",
            (base,),
            {
                "__annotations__": {"root": root_type},
                "root": None,
            },
        )
    required = getattr(cls, "__required_keys__", None)
    dataclass_fields = getattr(cls, "__dataclass_fields__", {})
    fields: dict[str, Any] = {}
    for key in spec.stored_keys:
        typ = _field_type(spec.hints[key])
        if all_optional or (required is not None and key not in required):
            fields[key] = (typ | None, None)
        elif kind == "dataclass":  # required: no default, and None is not a value
            field = dataclass_fields[key]
            if field.default is not MISSING and field.default is not ...:
                fields[key] = (typ, field.default)
            elif field.default_factory is not MISSING:
                fields[key] = (typ, pydantic.Field(default_factory=field.default_factory))
            elif _accepts_none(typ) and field.default is not ...:
                fields[key] = (typ, None)
            else:
                fields[key] = (typ, ...)
        else:
            fields[key] = (typ, ...)
    model = pydantic.create_model(getattr(cls, "__name__", name), **fields)
    if cls is not None and cls.__doc__ and kind == "dataclass":
        model.__doc__ = cls.__doc__
    return model


class RunnableAPI:
    """Mixed into ``Pregel``: the ``Runnable`` methods LangChain uses on a graph."""

    # ``Pregel[Any]``/``CompiledStateGraph[S, C, I, O]`` in annotations, as LangGraph's
    # generic classes allow.
    __class_getitem__: Any = classmethod(GenericAlias)

    name: str
    input_spec: Any
    output_spec: Any
    context_schema: Any

    def get_name(self, suffix: str | None = None, *, name: str | None = None) -> str:
        name = name or self.name
        return f"{name}{suffix}" if suffix else name

    # -- schemas -----------------------------------------------------------------------------

    def get_input_schema(self, config: Any = None) -> Any:
        return _model_for(self.input_spec, self.get_name("Input"), all_optional=False)

    def get_output_schema(self, config: Any = None) -> Any:
        return _model_for(self.output_spec, self.get_name("Output"))

    @property
    def input_schema(self) -> Any:
        return self.get_input_schema()

    @property
    def output_schema(self) -> Any:
        return self.get_output_schema()

    def get_input_jsonschema(self, config: Any = None) -> dict[str, Any]:
        return dict(self.get_input_schema(config).model_json_schema())

    def get_output_jsonschema(self, config: Any = None) -> dict[str, Any]:
        return dict(self.get_output_schema(config).model_json_schema())

    def get_context_jsonschema(self) -> dict[str, Any] | None:
        schema = self.context_schema
        if schema is None:
            return None
        import pydantic

        if hasattr(schema, "model_json_schema"):
            return dict(schema.model_json_schema())
        return dict(pydantic.TypeAdapter(schema).json_schema())

    def config_schema(self, *, include: Any = None) -> Any:
        from streamgraph.warnings import LangGraphDeprecatedSinceV10

        warnings.warn(
            "`config_schema` is deprecated. Use `get_context_jsonschema` for the relevant "
            "schema instead.",
            category=LangGraphDeprecatedSinceV10,
            stacklevel=2,
        )
        import pydantic

        if self.context_schema is None:
            return pydantic.create_model(self.get_name("Config"))
        return pydantic.create_model(
            self.get_name("Config"), configurable=(self.context_schema, None)
        )

    def get_config_jsonschema(self, *, include: Any = None) -> dict[str, Any]:
        from streamgraph.warnings import LangGraphDeprecatedSinceV10

        warnings.warn(
            "`get_config_jsonschema` is deprecated. Use `get_context_jsonschema` instead.",
            category=LangGraphDeprecatedSinceV10,
            stacklevel=2,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return dict(self.config_schema(include=include).model_json_schema())

    @property
    def config_specs(self) -> list[Any]:
        return []

    @property
    def InputType(self) -> Any:
        return getattr(self.input_spec, "cls", Any)

    @property
    def OutputType(self) -> Any:
        return getattr(self.output_spec, "cls", Any)

    # -- composition -------------------------------------------------------------------------

    def _lc(self) -> Any:
        register_as_runnable(type(self))
        from langchain_core.runnables import base

        return base

    def __or__(self, other: Any) -> Any:
        base = self._lc()
        return base.RunnableSequence(self, base.coerce_to_runnable(other))

    def __ror__(self, other: Any) -> Any:
        base = self._lc()
        return base.RunnableSequence(base.coerce_to_runnable(other), self)

    def pipe(self, *others: Any, name: str | None = None) -> Any:
        base = self._lc()
        return base.RunnableSequence(self, *others, name=name)

    def _as_lambda(self) -> Any:
        """The graph as a ``RunnableLambda`` (for LangChain's generic wrappers)."""
        base = self._lc()
        run = self

        def invoke(input: Any, config: Any = None) -> Any:
            return run.invoke(input, config)  # type: ignore[attr-defined]

        async def ainvoke(input: Any, config: Any = None) -> Any:
            return await run.ainvoke(input, config)  # type: ignore[attr-defined]

        return base.RunnableLambda(invoke, afunc=ainvoke, name=self.get_name())

    def with_retry(self, **kwargs: Any) -> Any:
        return self._as_lambda().with_retry(**kwargs)

    def with_fallbacks(self, fallbacks: Any, **kwargs: Any) -> Any:
        return self._as_lambda().with_fallbacks(fallbacks, **kwargs)

    def with_listeners(self, **kwargs: Any) -> Any:
        return self._as_lambda().with_listeners(**kwargs)

    def with_types(self, **kwargs: Any) -> Any:
        return self._as_lambda().with_types(**kwargs)

    def bind(self, **kwargs: Any) -> Any:
        return self._as_lambda().bind(**kwargs)

    def map(self) -> Any:
        """A runnable that runs the graph on each item of a list input."""
        return self._lc().RunnableEach(bound=self)

    def assign(self, **kwargs: Any) -> Any:
        return self | self._lc().RunnablePassthrough.assign(**kwargs)

    def astream_log(self, input: Any, config: Any = None, **kwargs: Any) -> AsyncIterator[Any]:
        """LangChain's run log of the graph: its stream chunks, its tasks' runs (with their
        outputs streamed) and the runs inside them."""
        result: AsyncIterator[Any] = self._lc().Runnable.astream_log(self, input, config, **kwargs)
        return result

    # -- streaming input ---------------------------------------------------------------------

    def transform(self, input: Iterator[Any], config: Any = None, **kwargs: Any) -> Iterator[Any]:
        """Stream the graph on an input that arrives in chunks (combined with ``+`` first),
        as a step of a streamed ``RunnableSequence``."""
        final = _combined(input)
        yield from self.stream(final, config, **kwargs)  # type: ignore[attr-defined]

    async def atransform(
        self, input: AsyncIterator[Any], config: Any = None, **kwargs: Any
    ) -> AsyncIterator[Any]:
        chunks = [chunk async for chunk in input]
        async for part in self.astream(_combined(iter(chunks)), config, **kwargs):  # type: ignore[attr-defined]
            yield part


def _combined(chunks: Iterator[Any]) -> Any:
    final: Any = None
    started = False
    for chunk in chunks:
        if not started:
            final, started = chunk, True
            continue
        try:
            final = final + chunk
        except TypeError:
            final = chunk
    return final
