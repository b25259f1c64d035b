"""Parallel nodes that finish in a fixed order, whatever the machine's load.

A differential scenario runs the same graph under LangGraph and under streamgraph and compares
the streams chunk for chunk, so where parallel nodes race, both runs must see the same
completion order. Sleeps of 20-50 ms from the start of the slower node used to give it; on a
loaded machine the faster node's thread can start later than that, and the order (so the
comparison) flipped: about half the time with ten busy processes on the test's core.

Here the later node waits until the earlier one has finished (no timing in that), then
pauses ``SETTLE`` so that the library's driver takes the earlier result in before the later
one arrives: given two results at once, LangGraph streams them in task order, not in
completion order. Under the same load that pause was enough in 800 runs out of 800 (one
failure in 800 with 20 ms), where the old sleeps failed 184 times out of 400 for LangGraph.
"""

from __future__ import annotations

import threading
import time

__all__ = ("Turns",)

SETTLE = 0.05
# Only reached when a node waits for one that never runs: a broken scenario, said clearly.
_NEVER = 30.0


class Turns:
    """``Turns("b", "a")``: node ``a`` calls ``turns.take("a")`` where its order matters
    (before it returns, raises or streams) and waits there until ``b`` has taken its turn.

    A turn is taken once per scenario run: a node that runs again later (a resume, a retry)
    does not wait again.
    """

    def __init__(self, *names: str) -> None:
        self._names = names
        self._taken = {name: threading.Event() for name in names}

    def take(self, name: str) -> None:
        earlier = self._names[: self._names.index(name)]
        if earlier and not self._taken[name].is_set():
            for other in earlier:
                if not self._taken[other].wait(_NEVER):
                    raise AssertionError(f"{other!r} never took its turn before {name!r}")
            time.sleep(SETTLE)
        self._taken[name].set()
