"""Server errors come back as the typed errors ``langgraph_sdk`` raises, with the server's
``detail`` as the message."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import langgraph_sdk
import pytest

import streamgraph.sdk
from streamgraph.errors import StreamGraphError
from streamgraph.sdk.errors import (
    ConflictError,
    NotFoundError,
    RunError,
    UnprocessableEntityError,
)

from .test_seed import mask

pytestmark = pytest.mark.timeout(60)


async def provoke(client: Any) -> dict[str, BaseException]:
    """Each failure once; the exception each raised."""
    errors: dict[str, BaseException] = {}
    missing = str(uuid.uuid4())

    async def catch(name: str, coroutine: Any) -> None:
        try:
            await coroutine
        except Exception as error:
            errors[name] = error

    async def drain(iterator: Any) -> None:
        async for _ in iterator:
            pass

    async def reject() -> None:
        thread = await client.threads.create()
        await client.runs.create(thread["thread_id"], "slow", input={"topic": "t", "sleep": 2})
        await client.runs.create(
            thread["thread_id"], "slow", input={"topic": "t"}, multitask_strategy="reject"
        )

    await asyncio.gather(
        catch("missing_thread", client.threads.get(missing)),
        catch("stream_on_missing_thread", drain(client.runs.stream(missing, "joke", input={}))),
        catch("reject", reject()),
        catch(
            "bad_stream_mode",
            drain(client.runs.stream(None, "joke", input={}, stream_mode="bogus")),
        ),
        catch("bad_body", client.threads.search(limit="many")),
        catch("failed_run", client.runs.wait(None, "error", input={"topic": "t"})),
    )
    return errors


def test_errors_match_langgraph_sdk(server):
    async def both() -> tuple[dict[str, BaseException], dict[str, BaseException]]:
        ours = streamgraph.sdk.get_client(url=server)
        theirs = langgraph_sdk.get_client(url=server)
        try:
            results = await asyncio.gather(provoke(ours), provoke(theirs))
            return results[0], results[1]
        finally:
            await ours.aclose()
            await theirs.aclose()

    ours, theirs = asyncio.run(both())
    assert (
        ours.keys()
        == theirs.keys()
        == {
            "missing_thread",
            "stream_on_missing_thread",
            "reject",
            "bad_stream_mode",
            "bad_body",
            "failed_run",
        }
    )
    expected = {
        "missing_thread": NotFoundError,
        "stream_on_missing_thread": NotFoundError,
        "reject": ConflictError,
        "bad_stream_mode": UnprocessableEntityError,
        "bad_body": UnprocessableEntityError,
        "failed_run": RunError,
    }
    for name, error in ours.items():
        their = theirs[name]
        assert type(error) is expected[name], name
        assert isinstance(error, StreamGraphError)
        if name == "failed_run":
            assert str(error) == str(their) == "ValueError: boom happened"
            continue
        assert type(error).__name__ == type(their).__name__, name
        assert isinstance(error, httpx.HTTPStatusError)
        assert mask(error.message) == mask(their.message), name  # type: ignore[attr-defined]
        assert error.message in str(error)  # type: ignore[attr-defined]
    assert "already running" in ours["reject"].message  # type: ignore[attr-defined]
    assert "not found" in ours["missing_thread"].message  # type: ignore[attr-defined]
