"""Channels: how each state key merges writes. One class per merge rule."""

from __future__ import annotations

from streamgraph.channels.barrier import NamedBarrierValue
from streamgraph.channels.base import BaseChannel
from streamgraph.channels.binop import BinaryOperatorAggregate
from streamgraph.channels.delta import DeltaChannel
from streamgraph.channels.ephemeral import AnyValue, EphemeralValue
from streamgraph.channels.last_value import LastValue
from streamgraph.channels.topic import Topic
from streamgraph.channels.untracked_value import UntrackedValue

__all__ = (
    "AnyValue",
    "BaseChannel",
    "BinaryOperatorAggregate",
    "DeltaChannel",
    "EphemeralValue",
    "LastValue",
    "NamedBarrierValue",
    "Topic",
    "UntrackedValue",
)
