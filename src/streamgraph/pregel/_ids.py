"""Identifiers: time-ordered checkpoint ids, UUID-shaped task ids, interrupt ids.

Task ids are a hash of (seed, namespace, step, node, trigger or Send index), where the seed is
the id of the checkpoint the step starts from. They therefore differ between runs and repeat
exactly when a step is replayed from the same checkpoint, which resuming relies on.
"""

from __future__ import annotations

import random
import time

try:  # the C module itself: skips loading OpenSSL through hashlib at import time
    from _blake2 import blake2b
except ImportError:  # pragma: no cover
    from hashlib import blake2b

__all__ = ("checkpoint_id", "interrupt_id", "run_seed", "task_id", "unique_task_id", "utc_now")

_last_ns = 0


def checkpoint_id(step: int) -> str:
    """A UUID (version 6 layout) ordered by creation time, with the step in the clock field.

    Ids made in one process are strictly increasing, so ``ORDER BY checkpoint_id`` is
    creation order.
    """
    global _last_ns
    now = time.time_ns()
    if now <= _last_ns:
        now = _last_ns + 1
    _last_ns = now
    # 100 ns intervals since the Gregorian epoch, as RFC 9562 version 6 counts time.
    ticks = now // 100 + 0x01B21DD213814000
    time_high = (ticks >> 12) & 0xFFFFFFFFFFFF
    time_low = ticks & 0x0FFF
    clock = step & 0x3FFF
    node = random.getrandbits(48)
    value = (time_high << 80) | (0x6 << 76) | (time_low << 64) | (0x8000 | clock) << 48 | node
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def run_seed() -> bytes:
    """Seed for task ids of a run without checkpoints: 16 random bytes (from ``random``, not
    ``os.urandom``: ids need to be unique, not secret, and this spares a system call a run;
    ``random`` reseeds itself in a forked child)."""
    return random.getrandbits(128).to_bytes(16)


_SPREAD = 0x9E3779B97F4A7C15F39CC0605CEDC835  # odd: n -> n * _SPREAD is a bijection
_MASK = (1 << 128) - 1


def unique_task_id(base: int, counter: int) -> str:
    """A UUID-shaped id, unique within a run (``base`` is the run's random 128 bits), for
    runs without checkpoints, where no step is ever replayed."""
    h = f"{(base + counter * _SPREAD) & _MASK:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def task_id(seed: bytes, *parts: str) -> str:
    """A UUID-shaped id derived from the step's checkpoint id (``seed``) and the task's place
    in the graph: the same task gets the same id when its step is replayed."""
    h = blake2b(seed + "\x00".join(parts).encode(), digest_size=16).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def interrupt_id(namespace: str) -> str:
    """32 hex digits, stable for a task's namespace (and interrupt index)."""
    return blake2b(namespace.encode(), digest_size=16).hexdigest()


def utc_now() -> str:
    """ISO-8601 time in UTC, as checkpoints and debug events carry it."""
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat()
