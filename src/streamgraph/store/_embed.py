"""Vector search for stores: the configured embedder (a LangChain ``Embeddings``, a sync or async
function of a list of texts, or a ``"provider:model"`` string for LangChain's
``init_embeddings``) behind one interface, the texts of a value to embed, and cosine scores."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import math
from collections.abc import Mapping, Sequence
from typing import Any

from streamgraph.store.base import IndexConfig, get_text_at_path

__all__ = ("Adapter", "Index", "cosine")


class Index:
    """A store's ``index`` config, checked: embeds documents and queries, sync or async."""

    def __init__(self, config: IndexConfig) -> None:
        if not isinstance(config, Mapping) or "dims" not in config or "embed" not in config:
            raise ValueError(
                "index must be a dict with 'dims' (the embedding size) and 'embed' (an "
                f"Embeddings, a function of a list of texts, or 'provider:model'); got {config!r}"
            )
        self.config = config
        self.dims = int(config["dims"])
        self.fields: list[str] = list(config.get("fields") or ["$"])
        self.embedder = _embedder(config["embed"])

    def texts(self, value: Mapping[str, Any], index: list[str] | None) -> list[str]:
        """The texts of ``value`` to embed: at the put's ``index`` paths or the configured ones."""
        paths = self.fields if index is None else index
        return [text for path in paths for text in get_text_at_path(value, path)]

    def embed(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        documents = getattr(self.embedder, "embed_documents", None)
        if documents is not None:
            return [list(v) for v in documents(texts)]
        result = self.embedder(texts)
        if inspect.isawaitable(result):
            result = _run(result)
        return [list(v) for v in result]

    async def aembed(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        documents = getattr(self.embedder, "aembed_documents", None)
        if documents is not None:
            return [list(v) for v in await documents(texts)]
        if hasattr(self.embedder, "embed_documents"):
            result = await asyncio.to_thread(self.embedder.embed_documents, texts)
            return [list(v) for v in result]
        if inspect.iscoroutinefunction(self.embedder):
            return [list(v) for v in await self.embedder(texts)]
        result = await asyncio.to_thread(self.embedder, texts)
        if inspect.isawaitable(result):
            result = await result
        return [list(v) for v in result]

    def embed_query(self, query: str) -> list[float]:
        query_fn = getattr(self.embedder, "embed_query", None)
        return list(query_fn(query)) if query_fn is not None else self.embed([query])[0]

    async def aembed_query(self, query: str) -> list[float]:
        query_fn = getattr(self.embedder, "aembed_query", None)
        if query_fn is not None:
            return list(await query_fn(query))
        return (await self.aembed([query]))[0]


class Adapter:
    """Any embedder (``ensure_embeddings``) as LangChain's ``Embeddings`` interface."""

    def __init__(self, embed: Any) -> None:
        self._index = Index({"dims": 0, "embed": embed})

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._index.embed(list(texts))

    def embed_query(self, text: str) -> list[float]:
        return self._index.embed_query(text)

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        return await self._index.aembed(list(texts))

    async def aembed_query(self, text: str) -> list[float]:
        return await self._index.aembed_query(text)


def _embedder(embed: Any) -> Any:
    if isinstance(embed, str):
        try:
            init_embeddings = importlib.import_module("langchain.embeddings").init_embeddings
        except (ImportError, AttributeError) as e:
            raise ValueError(
                f"index embed {embed!r} names a model: that needs LangChain's init_embeddings "
                "(pip install langchain and the provider's package), or pass a function"
            ) from e
        return init_embeddings(embed)
    if hasattr(embed, "embed_documents") or callable(embed):
        return embed
    raise ValueError(
        "index 'embed' must be an Embeddings, a function of a list of texts, or "
        f"'provider:model'; got {type(embed).__name__}"
    )


def _run(awaitable: Any) -> Any:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_await(awaitable))
    raise RuntimeError(
        "the store's embed function is async and an event loop is running in this thread: "
        "call the store's async methods (aput, asearch) instead"
    )


async def _await(awaitable: Any) -> Any:
    return await awaitable


def cosine(query: Sequence[float], vector: Sequence[float]) -> float:
    """The cosine similarity of two vectors (0.0 when either is all zeros)."""
    dot = sum(a * b for a, b in zip(query, vector, strict=False))
    norm = math.sqrt(sum(a * a for a in query)) * math.sqrt(sum(b * b for b in vector))
    return dot / norm if norm else 0.0
