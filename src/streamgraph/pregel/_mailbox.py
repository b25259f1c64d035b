"""Mailbox: the sync driver's inbox, which can also hand an event over by switching greenlets.

When a step has one task and its consumer wants events while it runs (``custom``,
``messages``, nested graphs), the sync driver runs the task in a greenlet on the consumer's
own thread instead of on a worker thread. An event put from inside that greenlet (or one it
started, on the same thread) switches straight to the driver, which yields it to the consumer
and switches back when the consumer asks for more. Real time, without a thread hop.

Events put from other threads (a nested graph's parallel tasks, say) go into the queue. If
the greenlet is blocked meanwhile, waiting for those very threads in a nested driver, the
nested driver waits through ``wait_for`` instead of a bare ``get``: the mailbox wakes it, and
it pumps the queued events to the consumer before waiting again.
"""

from __future__ import annotations

from contextvars import ContextVar
from queue import Empty, SimpleQueue
from threading import get_ident
from typing import Any

from greenlet import getcurrent

from streamgraph.pregel._inbox import Inbox

__all__ = ("PUMP", "Mailbox", "wait_for")

WAKE = object()
"""Put into a nested driver's inbox to make it pump the mailbox's queued events."""

PUMP: ContextVar[tuple[Mailbox, ...]] = ContextVar("streamgraph_pump", default=())
"""The mailboxes whose drivers run the current task greenlet and the ones around it (set in
each task greenlet's context)."""


class Mailbox:
    __slots__ = ("driver", "queue", "thread", "waiting")

    def __init__(self) -> None:
        self.queue = Inbox()
        self.driver: Any = None  # the driver's greenlet while it runs a task greenlet
        self.thread = 0
        self.waiting: Waitable | None = None  # a nested driver's inbox, while it waits

    def put(self, item: Any) -> None:
        driver = self.driver
        if driver is not None and self.thread == get_ident():
            current = getcurrent()
            if current is not driver:
                driver.switch(item, current)
                return
        queue = self.queue
        queue.put_nowait(item)
        waiting = self.waiting
        if waiting is not None:
            waiting.put_nowait(WAKE)
        queue.room.wait()  # after the wake-up: the waiting driver is what makes room

    @property
    def room(self) -> Any:
        return self.queue.room

    def pump(self) -> None:
        """Hand every queued event to the driver (called from inside the task greenlet)."""
        current = getcurrent()
        while self.driver is not None:
            try:
                item = self.queue.get_nowait()
            except Empty:
                return
            self.driver.switch(item, current)


Waitable = Inbox | SimpleQueue[Any]
"""What a nested driver (or ``run_all``) waits on."""


def wait_for(inbox: Waitable) -> Any:
    """``inbox.get()`` for a driver that may run inside task greenlets: while it waits, it
    keeps the enclosing consumers' events flowing."""
    pumps = PUMP.get()
    if not pumps:
        return inbox.get()
    thread = get_ident()
    mailboxes = [m for m in pumps if m.driver is not None and m.thread == thread]
    if not mailboxes:
        return inbox.get()
    for mailbox in mailboxes:
        mailbox.waiting = inbox
    try:
        while True:
            for mailbox in mailboxes:
                if not mailbox.queue.empty():
                    mailbox.pump()
            item = inbox.get()
            if item is not WAKE:
                return item
    finally:
        for mailbox in mailboxes:
            mailbox.waiting = None
