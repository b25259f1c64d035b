"""Checkpointers: where graphs keep their state between steps, runs and processes."""

from __future__ import annotations

from streamgraph.checkpoint.base import (
    BaseCheckpointSaver,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
)

__all__ = ("BaseCheckpointSaver", "Checkpoint", "CheckpointMetadata", "CheckpointTuple")
