"""v3 streaming: run streams with typed projections, over the LangChain streaming protocol.

``graph.stream_events(input, version="v3")`` (``await graph.astream_events(input,
version="v3")``) starts a run and returns a run stream. Nothing runs in the background:
reading advances the run. Read the raw protocol events (``for event in run``), or
projections: ``run.values``, ``run.messages`` (a ``ChatModelStream`` per message),
``run.lifecycle``, ``run.subgraphs``, ``run.output``, and those of transformers registered
with ``compile(transformers=[...])`` or ``stream_events(..., transformers=[...])``::

    from streamgraph.stream import CustomTransformer

    with graph.stream_events(inputs, version="v3", transformers=[CustomTransformer]) as run:
        for name, item in run.interleave("custom", "values"):
            print(name, item)
"""

from __future__ import annotations

from streamgraph.stream._protocol import ProtocolEncoder, protocol_event
from streamgraph.stream._run import astream_protocol_events
from streamgraph.stream._types import ProtocolEvent, StreamTransformer
from streamgraph.stream.run_stream import (
    AsyncGraphRunStream,
    AsyncSubgraphRunStream,
    GraphRunStream,
    SubgraphRunStream,
)
from streamgraph.stream.stream_channel import StreamChannel
from streamgraph.stream.transformers import (
    CheckpointsTransformer,
    CustomTransformer,
    DebugTransformer,
    LifecyclePayload,
    LifecycleTransformer,
    SubgraphStatus,
    SubgraphTransformer,
    TasksTransformer,
    UpdatesTransformer,
)

__all__ = (
    "AsyncGraphRunStream",
    "AsyncSubgraphRunStream",
    "CheckpointsTransformer",
    "CustomTransformer",
    "DebugTransformer",
    "GraphRunStream",
    "LifecyclePayload",
    "LifecycleTransformer",
    "ProtocolEncoder",
    "ProtocolEvent",
    "StreamChannel",
    "StreamTransformer",
    "SubgraphRunStream",
    "SubgraphStatus",
    "SubgraphTransformer",
    "TasksTransformer",
    "UpdatesTransformer",
    "astream_protocol_events",
    "protocol_event",
)
