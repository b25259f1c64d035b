"""What the example modules share: a registry of examples and a runner that prints every
line stamped with the milliseconds since its example began (so streaming shows)."""

import builtins
import time
from collections.abc import Callable
from typing import Any

Example = Callable[[], Any]


def registry() -> tuple[dict[str, Example], Callable[[Example], Example]]:
    """A fresh ``EXAMPLES`` dict and the ``@example`` decorator filling it."""
    examples: dict[str, Example] = {}

    def example(fn: Example) -> Example:
        examples[fn.__name__] = fn
        return fn

    return examples, example


def run(names: list[str], examples: dict[str, Example]) -> None:
    """Run the named examples (all by default), each under a bold title."""
    real_print = builtins.print
    for name in names or list(examples):
        doc = (examples[name].__doc__ or "").strip().split("\n\n")[0]
        real_print(f"\n\x1b[1m=== {name}\x1b[0m")
        if doc:
            real_print(f"\x1b[2m{' '.join(doc.split())}\x1b[0m")
        started = time.perf_counter()

        def stamped(*args: Any, started: float = started, **kwargs: Any) -> None:
            elapsed = (time.perf_counter() - started) * 1000
            if kwargs.get("end", "\n") == "\n":
                real_print(f"\x1b[2m{elapsed:8.2f} ms\x1b[0m ", end="")
            real_print(*args, **kwargs)

        builtins.print = stamped
        try:
            examples[name]()
        finally:
            builtins.print = real_print
    real_print()
