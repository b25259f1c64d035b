"""Pregel: a compiled graph's public run API (invoke, stream and their async twins).

Each public method is a few lines over ``_start_run`` (build a ``Loop`` for this call) and a
driver from ``_drive.py``. Runs started inside a running node (a subgraph node, or
``sub.invoke()`` inside a node function) attach to the enclosing run: their events flow to the
enclosing stream under their namespace.
"""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from streamgraph._context import SCOPE
from streamgraph.channels.untracked_value import UntrackedValue
from streamgraph.constants import DEFAULT_RECURSION_LIMIT, INTERRUPT, NS_SEP
from streamgraph.errors import GraphInterrupt
from streamgraph.pregel._configs import merge_configs
from streamgraph.pregel._drive import drive
from streamgraph.pregel._loop import Loop
from streamgraph.pregel._options import RunOptions, coerce_context
from streamgraph.pregel._runnable_api import RunnableAPI, register_as_runnable
from streamgraph.pregel._stream import Listener, check_events_version, shaper
from streamgraph.pregel._thread_api import ThreadAPI
from streamgraph.types import GraphOutput, RetryPolicy

if TYPE_CHECKING:
    from streamgraph.channels import BaseChannel, NamedBarrierValue
    from streamgraph.graph._schema import Schema
    from streamgraph.pregel._node import Node, StartNode
    from streamgraph.pregel._scope import Task as Scope

__all__ = ("Pregel",)

_DURABILITY = ("sync", "async", "exit")


def _names(value: Any, known: Any) -> frozenset[str]:
    """Node names for ``interrupt_before``/``interrupt_after`` (``"*"`` is every node)."""
    if not value:
        return frozenset()
    if value == "*":
        return frozenset(known)
    names = frozenset([value] if isinstance(value, str) else value)
    for name in names:
        if name not in known:
            raise ValueError(f"Interrupt node `{name}` not found")
    return names


class Pregel(RunnableAPI, ThreadAPI):
    """A compiled graph. Built by ``StateGraph.compile()``; not meant to be made directly."""

    stream_mode: str = "values"
    """Stream mode used when ``stream()`` is called without one."""

    debug: bool = False
    """Print every step's updates and values (``compile(debug=True)``)."""

    context_schema: Any = None
    """The type ``context=`` dicts are turned into (a dataclass or pydantic model)."""

    retry_policy: Sequence[RetryPolicy] = ()
    """Retry policies for nodes that have none of their own."""

    step_timeout: float | None = None
    """Seconds a step may take: past them the run raises ``TimeoutError`` once the step's
    tasks have stopped (async ones are cancelled; sync ones cannot be, and are waited for,
    as LangGraph does)."""

    trigger_map: dict[str, tuple[str, ...]] = {}
    """Low-level graphs: the nodes each channel's update triggers."""

    live_calls = False
    """An ``@entrypoint``'s graph: its node's ``@task`` calls stream ``updates``/``tasks`` while
    it runs, so its steps never run inline when those are wanted."""

    low_level = False
    """Built from channels and ``PregelNode``s (``Pregel(...)``), not by ``StateGraph``."""

    channels: dict[str, Any] | None = None
    input_channels: str | Sequence[str] | None = None
    output_channels: str | Sequence[str] | None = None
    stream_channels: str | Sequence[str] | None = None
    specs: dict[str, Any] | None = None

    stream_transformers: tuple[Any, ...] = ()
    """v3 transformers given to ``compile(transformers=...)``, added to every v3 run."""

    def __init__(
        self,
        *,
        nodes: dict[str, Any],
        channels: dict[str, Any] | None,
        input_channels: str | Sequence[str],
        output_channels: str | Sequence[str],
        stream_channels: str | Sequence[str] | None = None,
        auto_validate: bool = True,
        stream_mode: str = "values",
        stream_eager: bool = False,
        interrupt_after_nodes: Any = (),
        interrupt_before_nodes: Any = (),
        step_timeout: float | None = None,
        debug: bool | None = None,
        checkpointer: Any = None,
        store: Any = None,
        cache: Any = None,
        retry_policy: RetryPolicy | Sequence[RetryPolicy] = (),
        cache_policy: Any = None,
        context_schema: Any = None,
        config: dict[str, Any] | None = None,
        trigger_to_nodes: Any = None,
        name: str = "LangGraph",
        **deprecated: Any,
    ) -> None:
        """A low-level graph: ``nodes`` (``NodeBuilder``s or ``PregelNode``s) subscribed to
        ``channels``; the input is written to ``input_channels``, the result read from
        ``output_channels``. ``StateGraph.compile()`` builds graphs of this class too."""
        from streamgraph.pregel._lowlevel import assemble

        if "config_type" in deprecated:
            context_schema = context_schema or _deprecated_config_type(
                deprecated.pop("config_type")
            )
        if deprecated:
            raise TypeError(f"Pregel() got unexpected arguments: {sorted(deprecated)}")
        self.step_timeout = step_timeout
        assemble(
            self,
            nodes=nodes,
            channels=channels,
            input_channels=input_channels,
            output_channels=output_channels,
            stream_channels=stream_channels,
            auto_validate=auto_validate,
            interrupt_before=interrupt_before_nodes,
            interrupt_after=interrupt_after_nodes,
            checkpointer=checkpointer,
            store=store,
            cache=cache,
            cache_policy=cache_policy,
            name=name,
            config=config,
            retry_policy=retry_policy,
            context_schema=context_schema,
            stream_mode=stream_mode,
            debug=debug,
        )

    def _setup(
        self,
        *,
        nodes: dict[str, Node],
        start_node: StartNode,
        channel_protos: dict[str, BaseChannel],
        barrier_protos: dict[str, NamedBarrierValue],
        barrier_targets: dict[str, str],
        state_schema: Schema,
        input_schema: Schema,
        output_schema: Schema,
        stream_keys: tuple[str, ...],
        output_keys: tuple[str, ...],
        interrupt_before: Any = None,
        interrupt_after: Any = None,
        checkpointer: Any = None,
        store: Any = None,
        cache: Any = None,
        name: str = "LangGraph",
        config: dict[str, Any] | None = None,
        retry_policy: RetryPolicy | Sequence[RetryPolicy] = (),
        context_schema: Any = None,
        stream_mode: str | None = None,
        debug: bool | None = None,
    ) -> None:
        """Set the graph up from its compiled parts (what ``compile()`` and the low-level
        constructor both end with)."""
        self.nodes = nodes
        self.start_node = start_node
        self.channel_protos = channel_protos
        self.channels = channel_protos  # LangGraph's name (low-level graphs: as declared)
        self.barrier_protos = barrier_protos
        self.barrier_targets = barrier_targets
        self.branch_targets = {f"branch:to:{name}": name for name in nodes}
        self.deferred_nodes = frozenset(name for name, node in nodes.items() if node.defer)
        self.cached_nodes = frozenset(
            n for n, node in nodes.items() if node.cache_policy is not None
        )
        self.ephemeral_keys = tuple(k for k, c in channel_protos.items() if c.clears_each_step)
        # UntrackedValue keys: never saved (not in checkpoints, task writes or Send arguments)
        self.untracked_keys = frozenset(
            k for k, c in channel_protos.items() if isinstance(c, UntrackedValue)
        )
        # Reducers that prepare each written value as its task finishes, before it streams
        # or is saved (add_messages gives messages their ids there).
        self.write_preparers: dict[str, Callable[[Any], None]] = {
            k: prepare
            for k, c in channel_protos.items()
            if (
                prepare := getattr(getattr(c, "operator", None), "prepare", None)
                or getattr(c, "prepare_write", None)
            )
            is not None
        }
        # (LangGraph's Runnable API owns input_schema/output_schema: see _schemas.py)
        self.state_spec = state_schema
        self.input_spec = input_schema
        self.output_spec = output_schema
        self.input_keys = frozenset(input_schema.stored_keys)
        self.stream_keys = stream_keys
        self.stream_keys_set = frozenset(stream_keys)
        self.output_keys = output_keys
        self.interrupt_before_nodes = _names(interrupt_before, nodes)
        self.interrupt_after_nodes = _names(interrupt_after, nodes)
        self.checkpointer = checkpointer
        self.store = store
        self.cache = cache
        self.name = name
        self.config = config
        self.retry_policy = (
            (retry_policy,) if isinstance(retry_policy, RetryPolicy) else tuple(retry_policy)
        )
        register_as_runnable(Pregel)
        self.context_schema = context_schema
        if stream_mode is not None:
            self.stream_mode = stream_mode
        if debug:
            self.debug = True

    @property
    def all_sync(self) -> bool:
        """Whether every node and routing function, nested graphs included, is sync (then
        ``ainvoke`` can run the whole graph on one worker thread)."""
        cached = self.__dict__.get("_all_sync")
        if cached is None:
            cached = self.__dict__["_all_sync"] = all(
                (node.fn.all_sync if node.is_subgraph else not (node.is_async or node.is_runnable))
                and not any(branch.is_async for branch in node.branches)
                for node in (*self.nodes.values(), self.start_node)
            )
        return bool(cached)

    # -- running -----------------------------------------------------------------------------

    def _start_run(
        self,
        config: dict[str, Any] | None,
        *,
        modes: frozenset[str],
        subgraphs: bool,
        output_keys: str | Sequence[str] | None,
        interrupt_before: Any,
        interrupt_after: Any,
        context: Any,
        durability: str | None,
        control: Any = None,
    ) -> Loop:
        if durability is not None:
            if durability not in _DURABILITY:
                raise ValueError(
                    f"Unknown durability {durability!r}; valid values are: {', '.join(_DURABILITY)}"
                )
            if self.checkpointer is None and SCOPE.get() is None:
                warnings.warn(
                    "`durability` has no effect when no checkpointer is present.", stacklevel=3
                )
        parent: Scope | None = SCOPE.get()
        saver = self.checkpointer
        context = coerce_context(self.context_schema, context)
        persistence: dict[str, Any] = {}
        if parent is not None:
            config = _nested_config(parent, merge_configs(parent.loop.config, self.config, config))
            ns, checkpoint_ns = parent.child_namespace()
            listeners = _listeners_below(parent.loop)
            if context is None:
                context = parent.loop.context
            if control is None:
                control = parent.loop.run_control()
            if durability is None:  # a subgraph saves as often as its parent
                durability = parent.loop.durability
            if saver is None:  # a subgraph keeps its checkpoints with its parent's
                saver = parent.loop.saver
            if saver:
                persistence = _nested_persistence(parent)
        else:
            config = merge_configs(self.config, config)
            ns, checkpoint_ns, listeners = (), "", ()
        if saver is False:
            saver = None
        if saver is not None and "thread_id" not in config.get("configurable", {}):
            raise ValueError(
                "Checkpointer requires one or more of the following 'configurable' keys: "
                "thread_id, checkpoint_ns, checkpoint_id"
            )
        limit = config.setdefault("recursion_limit", DEFAULT_RECURSION_LIMIT)
        if not isinstance(limit, int) or limit < 1:
            raise ValueError(f"recursion_limit must be at least 1, got {limit!r}")
        concurrency = config.get("max_concurrency")
        if concurrency is not None and (not isinstance(concurrency, int) or concurrency < 1):
            raise ValueError(f"max_concurrency must be a positive int, got {concurrency!r}")
        if output_keys is not None and not isinstance(output_keys, str):
            output_keys = tuple(output_keys)
        for key in (output_keys,) if isinstance(output_keys, str) else output_keys or ():
            if key not in self.channel_protos:
                raise ValueError(f"Key {key} not in channels")
        return Loop(
            self,
            config=config,
            own_modes=modes,
            own_subgraphs=subgraphs,
            listeners=listeners,
            ns=ns,
            checkpoint_ns=checkpoint_ns,
            output_keys=output_keys,
            interrupt_before=_names(interrupt_before, self.nodes) or self.interrupt_before_nodes,
            interrupt_after=_names(interrupt_after, self.nodes) or self.interrupt_after_nodes,
            context=context,
            saver=saver,
            durability=durability or "async",
            message_ids=_message_ids(parent),
            events_enclosing=parent if parent is not None and parent.loop.events else None,
            outer=parent.loop if parent is not None else None,
            control=control,
            **persistence,
        )

    def _prepare_stream(
        self, config: Any, options: dict[str, Any], legacy: dict[str, Any]
    ) -> tuple[Loop, Any, RunOptions]:
        run = RunOptions.read(self, config, options, legacy)
        shape = shaper(
            tagged=run.tagged,
            subgraphs=run.subgraphs,
            version=run.version,
            output_schema=self.output_spec,
            state_schema=self.state_spec,
        )
        loop = self._start_run(
            config,
            modes=run.modes | run.print_modes,
            subgraphs=run.subgraphs,
            control=options["control"],
            **run.loop_options,
        )
        return loop, shape, run

    def stream(
        self,
        input: Any,
        config: dict[str, Any] | None = None,
        *,
        context: Any = None,
        stream_mode: str | Sequence[str] | None = None,
        print_mode: str | Sequence[str] = (),
        output_keys: str | Sequence[str] | None = None,
        interrupt_before: Any = None,
        interrupt_after: Any = None,
        durability: str | None = None,
        control: Any = None,
        subgraphs: bool = False,
        debug: bool | None = None,
        version: str = "v1",
        **kwargs: Any,
    ) -> Iterator[Any]:
        """Run the graph and yield what it streams, chunk by chunk, as it happens.

        ``stream_mode`` picks what to stream: ``"values"`` (state after each step),
        ``"updates"`` (each node's update), ``"custom"`` (what nodes write with their
        ``StreamWriter``), ``"messages"``, ``"tasks"``, ``"debug"``, ``"checkpoints"``; a list
        of modes yields ``(mode, chunk)`` pairs. ``subgraphs=True`` adds nested graphs'
        chunks, each prefixed by its namespace. ``version="v2"`` yields
        ``{"type", "ns", "data"}`` dicts instead. ``print_mode`` (or ``debug=True``, which
        means ``["updates", "values"]``) prints those modes' chunks as they come.
        ``control`` (a ``RunControl``) lets another thread stop the run at a step boundary.

        Example::

            for chunk in graph.stream({"topic": "ice cream"}, stream_mode="updates"):
                print(chunk)
        """
        loop, shape, run = self._prepare_stream(config, locals(), kwargs)
        events = drive(loop, input, _same if run.print_modes else shape)
        if run.print_modes:
            events = run.printing(events, shape)
        return _bubble(loop, events)

    def astream(
        self,
        input: Any,
        config: dict[str, Any] | None = None,
        *,
        context: Any = None,
        stream_mode: str | Sequence[str] | None = None,
        print_mode: str | Sequence[str] = (),
        output_keys: str | Sequence[str] | None = None,
        interrupt_before: Any = None,
        interrupt_after: Any = None,
        durability: str | None = None,
        control: Any = None,
        subgraphs: bool = False,
        debug: bool | None = None,
        version: str = "v1",
        **kwargs: Any,
    ) -> AsyncIterator[Any]:
        """The async twin of ``stream()``: ``async for chunk in graph.astream(...)``."""
        loop, shape, run = self._prepare_stream(config, locals(), kwargs)
        from streamgraph.pregel._adrive import adrive

        events = adrive(loop, input, _same if run.print_modes else shape)
        if run.print_modes:
            events = run.aprinting(events, shape)
        return _abubble(loop, events)

    def stream_events(
        self,
        input: Any,
        config: dict[str, Any] | None = None,
        *,
        version: str = "v3",
        transformers: Sequence[Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Start a v3 run and return its ``GraphRunStream`` (``streamgraph.stream``): read
        projections (``run.values``, ``run.messages``, ``run.subgraphs``, ``run.output``...)
        or iterate raw protocol events; reading drives the run. ``transformers`` adds
        projections; ``kwargs`` are ``stream()``'s run options (``context``, ...)."""
        check_events_version(version, sync=True)
        from streamgraph.stream._run import start_v3

        return start_v3(self, input, config, transformers, kwargs)

    def astream_events(
        self,
        input: Any,
        config: dict[str, Any] | None = None,
        *,
        version: str = "v2",
        transformers: Sequence[Any] | None = None,
        include_names: Sequence[str] | None = None,
        include_types: Sequence[str] | None = None,
        include_tags: Sequence[str] | None = None,
        exclude_names: Sequence[str] | None = None,
        exclude_types: Sequence[str] | None = None,
        exclude_tags: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> Any:
        """The run as LangChain's v2 event stream (needs langchain-core): ``on_chain_*`` for
        the graph and each task, ``on_chat_model_*``, ``on_tool_*`` and the rest for what the
        nodes call. ``kwargs`` are ``astream``'s (``stream_mode`` shapes the graph's own
        ``on_chain_stream`` chunks).

        ``version="v3"``: an awaitable of the run's ``AsyncGraphRunStream`` (see
        ``stream_events``)."""
        check_events_version(version, sync=False)
        if version == "v3":
            filters = (include_names, include_types, include_tags)
            if any(f is not None for f in (*filters, exclude_names, exclude_types, exclude_tags)):
                raise TypeError("include_*/exclude_* filter v2 events; v3 runs have projections")
            from streamgraph.stream._run import start_v3_async

            return start_v3_async(self, input, config, transformers, kwargs)
        if transformers is not None:
            raise TypeError("transformers= are for version='v3' runs; v2 events have none")
        from streamgraph.pregel._events import EventFilter, run_events

        keep = EventFilter(
            include_names, include_types, include_tags, exclude_names, exclude_types, exclude_tags
        )
        return run_events(self, input, config, version=version, keep=keep, options=kwargs)

    def invoke(
        self,
        input: Any,
        config: dict[str, Any] | None = None,
        *,
        context: Any = None,
        stream_mode: str | Sequence[str] = "values",
        print_mode: str | Sequence[str] = (),
        output_keys: str | Sequence[str] | None = None,
        interrupt_before: Any = None,
        interrupt_after: Any = None,
        durability: str | None = None,
        control: Any = None,
        version: str = "v1",
        **kwargs: Any,
    ) -> Any:
        """Run the graph to the end and return its final state (output keys only).

        With another ``stream_mode`` it returns the list of chunks that mode streams. Takes
        ``stream()``'s other arguments too (``subgraphs``, ``debug``, ``print_mode``).
        """
        options = locals()
        if stream_mode != "values":
            return list(self.stream(input, config, **_stream_kwargs(options, kwargs)))
        loop, run = self._invoke_loop(config, options, kwargs)
        if run.print_modes:
            for _ in run.printing(drive(loop, input, _same), _same):
                pass
        else:
            for _ in drive(loop, input, _never):
                pass
        return self._invoke_result(loop, version)

    async def ainvoke(
        self,
        input: Any,
        config: dict[str, Any] | None = None,
        *,
        context: Any = None,
        stream_mode: str | Sequence[str] = "values",
        print_mode: str | Sequence[str] = (),
        output_keys: str | Sequence[str] | None = None,
        interrupt_before: Any = None,
        interrupt_after: Any = None,
        durability: str | None = None,
        control: Any = None,
        version: str = "v1",
        **kwargs: Any,
    ) -> Any:
        """The async twin of ``invoke()``."""
        options = locals()
        if stream_mode != "values":
            return [c async for c in self.astream(input, config, **_stream_kwargs(options, kwargs))]
        loop, run = self._invoke_loop(config, options, kwargs)
        from streamgraph.pregel._adrive import adrive, arun_on_worker

        if run.print_modes:
            async for _ in run.aprinting(adrive(loop, input, _same), _same):
                pass
        elif self.all_sync:
            await arun_on_worker(loop, input)
        else:
            async for _ in adrive(loop, input, _never):
                pass
        return self._invoke_result(loop, version)

    def _invoke_loop(
        self, config: Any, options: dict[str, Any], legacy: dict[str, Any]
    ) -> tuple[Loop, RunOptions]:
        version = options["version"]
        if version not in ("v1", "v2"):
            raise ValueError(f"Unknown version {version!r}; valid versions are: v1, v2")
        run = RunOptions.read(self, config, {**options, "stream_mode": "values"}, legacy)
        run.modes = frozenset()  # invoke streams nothing; it only prints, if asked to
        loop = self._start_run(
            config,
            modes=run.print_modes,
            subgraphs=run.subgraphs,
            control=options["control"],
            **run.loop_options,
        )
        return loop, run

    def _invoke_result(self, loop: Loop, version: str) -> Any:
        interrupts = tuple(loop.interrupts)
        if loop.interrupted and loop.ns:
            raise GraphInterrupt(interrupts)
        output = loop.output() if loop.stream_keys is self.stream_keys else loop.values()
        if loop.events is not None:
            loop.events.run_finished(output)
        if version == "v2":
            return GraphOutput(self.output_spec.to_output(output), interrupts)
        if interrupts and (output is None or isinstance(output, dict)):
            return {**(output or {}), INTERRUPT: list(interrupts)}
        return output

    def batch(
        self,
        inputs: Sequence[Any],
        config: dict[str, Any] | Sequence[dict[str, Any]] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[Any]:
        """``invoke`` each input, concurrently on the worker pool; results in input order."""
        from threading import Event

        from streamgraph.pregel._pool import submit

        configs = _per_input(config, len(inputs))
        results: list[Any] = [None] * len(inputs)
        finished = [Event() for _ in inputs]

        def one(index: int) -> None:
            try:
                results[index] = self.invoke(inputs[index], configs[index], **kwargs)
            except Exception as error:
                results[index] = error
            finally:
                finished[index].set()

        for index in range(len(inputs)):
            submit(one, index)
        for event in finished:
            event.wait()
        return _collect(results, return_exceptions)

    async def abatch(
        self,
        inputs: Sequence[Any],
        config: dict[str, Any] | Sequence[dict[str, Any]] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[Any]:
        """The async twin of ``batch()``: the runs share the event loop."""
        import asyncio

        configs = _per_input(config, len(inputs))
        results = await asyncio.gather(
            *(self.ainvoke(i, c, **kwargs) for i, c in zip(inputs, configs, strict=True)),
            return_exceptions=True,
        )
        return _collect(list(results), return_exceptions)

    def clear_cache(self, nodes: Sequence[str] | None = None) -> None:
        """Forget the cached results of ``nodes`` (every cached node when ``None``)."""
        from streamgraph.pregel._cache import cache_namespaces

        cache, namespaces = cache_namespaces(self, nodes)
        cache.clear(namespaces)

    async def aclear_cache(self, nodes: Sequence[str] | None = None) -> None:
        """``clear_cache`` for async code."""
        from streamgraph.pregel._cache import cache_namespaces

        cache, namespaces = cache_namespaces(self, nodes)
        await cache.aclear(namespaces)

    def copy(self, update: dict[str, Any] | None = None) -> Pregel:
        """A shallow copy of the graph with the given attributes replaced."""
        clone = object.__new__(type(self))
        clone.__dict__.update({**self.__dict__, **(update or {})})
        return clone

    def with_config(self, config: dict[str, Any] | None = None, **kwargs: Any) -> Pregel:
        """A copy of this graph whose runs start from ``config`` merged with ``kwargs``."""
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone.config = merge_configs(self.config, config, kwargs)
        return clone


def _deprecated_config_type(value: Any) -> Any:
    from streamgraph.warnings import LangGraphDeprecatedSinceV10

    warnings.warn(
        "`config_type` is deprecated and will be removed. Please use `context_schema` instead.",
        category=LangGraphDeprecatedSinceV10,
        stacklevel=4,
    )
    return value


def _nested_config(parent: Scope, config: dict[str, Any]) -> dict[str, Any]:
    """The config of a graph run inside ``parent``'s task: its metadata's ``checkpoint_ns`` is
    the outermost task's (as LangChain fills it in LangGraph, first one wins), and the
    enclosing level's stream handlers are dropped (this run has its own)."""
    metadata = config.get("metadata") or {}
    if "checkpoint_ns" not in metadata:
        config["metadata"] = {**metadata, "checkpoint_ns": parent.ns}
    callbacks = config.get("callbacks")
    if parent.trace_run is not None:  # traced: this run is a child of the task's run
        config["callbacks"] = parent.loop.tracing.children_of(parent)  # type: ignore[union-attr]
    elif callbacks:
        from streamgraph.pregel._messages import without_level_handlers

        config["callbacks"] = without_level_handlers(callbacks)
    return config


def _nested_persistence(parent: Scope) -> dict[str, Any]:
    """What a graph run inside ``parent`` needs to keep its checkpoints next to the parent's
    and to resume with it."""
    loop = parent.loop
    parents = dict(loop.parent_map) if loop.saver is not None else {}
    if loop.saver is not None and loop.checkpoint is not None:
        parents[loop.checkpoint_ns] = loop.checkpoint["id"]
        # A @task call's namespace goes through its callers': they share the step's
        # checkpoint (for a node's task, the range is empty).
        parts = parent.ns.split(NS_SEP)
        base = loop.checkpoint_ns.count(NS_SEP) + 1 if loop.checkpoint_ns else 0
        for end in range(base + 1, len(parts)):
            parents[NS_SEP.join(parts[:end])] = loop.checkpoint["id"]
    return {"parent_map": parents, "resume_input": parent.resume_input, "resuming": parent.resuming}


def _message_ids(parent: Scope | None) -> set[str] | None:
    """The message ids a nested run shares with its parent (so nothing is emitted twice)."""
    if parent is None or parent.loop.messages is None:
        return None
    return parent.loop.messages.seen


def _listeners_below(loop: Loop) -> tuple[Listener, ...]:
    """Who listens to graphs started inside ``loop``'s tasks: its own consumer and its own
    listeners."""
    listeners = loop.listeners
    if loop.own_modes and loop.own_put is not None:
        own = Listener(loop.own_put, loop.own_modes, loop.own_subgraphs, len(loop.ns))
        listeners = (own, *listeners)
    return listeners


def _same(event: Any) -> Any:
    return event


def _stream_kwargs(options: dict[str, Any], legacy: dict[str, Any]) -> dict[str, Any]:
    """``invoke``'s arguments as ``stream`` takes them."""
    skip = ("self", "input", "config", "kwargs", "options", "__class__")
    return {**{k: v for k, v in options.items() if k not in skip}, **legacy}


def _never(event: Any) -> Any:
    raise AssertionError(f"invoke produced an event: {event!r}")


def _per_input(config: Any, count: int) -> list[Any]:
    if isinstance(config, Sequence) and not isinstance(config, dict):
        if len(config) != count:
            raise ValueError(f"got {len(config)} configs for {count} inputs")
        return list(config)
    return [config] * count


def _collect(results: list[Any], return_exceptions: bool) -> list[Any]:
    if not return_exceptions:
        for result in results:
            if isinstance(result, BaseException):
                raise result
    return results


def _bubble(loop: Loop, events: Iterator[Any]) -> Iterator[Any]:
    """A stream started inside a node ends with ``GraphInterrupt`` when the nested run was
    interrupted, so the enclosing task is interrupted too."""
    if not loop.ns:
        return events
    return _nested_stream(loop, events)


def _nested_stream(loop: Loop, events: Iterator[Any]) -> Iterator[Any]:
    yield from events
    if loop.interrupted:
        raise GraphInterrupt(tuple(loop.interrupts))
    if loop.events is not None:
        loop.events.run_finished(loop.output())


def _abubble(loop: Loop, events: AsyncIterator[Any]) -> AsyncIterator[Any]:
    if not loop.ns:
        return events
    return _anested_stream(loop, events)


async def _anested_stream(loop: Loop, events: AsyncIterator[Any]) -> AsyncIterator[Any]:
    async for event in events:
        yield event
    if loop.interrupted:
        raise GraphInterrupt(tuple(loop.interrupts))
    if loop.events is not None:
        loop.events.run_finished(loop.output())
