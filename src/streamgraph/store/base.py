"""The store: JSON documents kept across threads, addressed by ``(namespace, key)``.

A namespace is a tuple of string labels (``("users", "42", "memories")``). Every operation is one
of four ops (``GetOp``, ``PutOp``, ``SearchOp``, ``ListNamespacesOp``); a store implements
``batch`` / ``abatch`` over a list of them, and the convenience methods (``get``, ``put``,
``search``, ``delete``, ``list_namespaces`` and their ``a``-prefixed twins) build one op each.

Search filters match a value the way a JSON containment query does: ``{"kind": "note"}`` keeps
items whose ``kind`` is ``"note"``; a dict of operators compares (``{"score": {"$gt": 3}}``,
with ``$eq``, ``$ne``, ``$gt``, ``$gte``, ``$lt``, ``$lte``). With an ``index`` configured a
search ``query`` ranks items by the cosine similarity of their embedded fields.

TTLs are in minutes. ``TTLConfig.default_ttl`` applies to puts that name none, and reads
refresh an item's expiry unless told not to (``refresh_ttl=False``).
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Literal, NamedTuple, Protocol, TypeAlias, TypedDict, runtime_checkable

__all__ = (
    "NOT_PROVIDED",
    "AEmbeddingsFunc",
    "BaseStore",
    "Embeddings",
    "EmbeddingsFunc",
    "GetOp",
    "IndexConfig",
    "InvalidNamespaceError",
    "Item",
    "ListNamespacesOp",
    "MatchCondition",
    "NamespaceMatchType",
    "NamespacePath",
    "NotProvided",
    "Op",
    "PutOp",
    "Result",
    "SearchItem",
    "SearchOp",
    "TTLConfig",
    "ensure_embeddings",
    "get_text_at_path",
    "matches_filter",
    "tokenize_path",
    "validate_op_namespace",
)


class InvalidNamespaceError(ValueError):
    """A namespace that cannot be stored (empty, a label with a dot, a non-string label...)."""


class Item:
    """A stored document: its ``value`` and where and when it was written."""

    __slots__ = ("created_at", "key", "namespace", "updated_at", "value")

    def __init__(
        self,
        *,
        value: dict[str, Any],
        key: str,
        namespace: tuple[str, ...],
        created_at: datetime | str,
        updated_at: datetime | str,
    ) -> None:
        self.value = value
        self.key = key
        self.namespace = tuple(namespace)
        self.created_at = _as_datetime(created_at)
        self.updated_at = _as_datetime(updated_at)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Item):
            return False
        return self.dict() == other.dict()

    def __hash__(self) -> int:
        return hash((self.namespace, self.key))

    def dict(self) -> dict[str, Any]:
        """The item as JSON-ready data (the namespace a list, the times ISO 8601)."""
        return {
            "namespace": list(self.namespace),
            "key": self.key,
            "value": self.value,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={value!r}" for name, value in self.dict().items())
        return f"{type(self).__name__}({fields})"


class SearchItem(Item):
    """An item found by a search, with its similarity ``score`` when a query ranked it."""

    __slots__ = ("score",)

    def __init__(
        self,
        namespace: tuple[str, ...],
        key: str,
        value: dict[str, Any],
        created_at: datetime | str,
        updated_at: datetime | str,
        score: float | None = None,
    ) -> None:
        super().__init__(
            value=value, key=key, namespace=namespace, created_at=created_at, updated_at=updated_at
        )
        self.score = score

    def dict(self) -> dict[str, Any]:
        return {**super().dict(), "score": self.score}


def _as_datetime(value: datetime | str) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


NamespacePath: TypeAlias = tuple[str, ...]
"""A namespace pattern: labels, where ``"*"`` matches any one label."""

NamespaceMatchType: TypeAlias = Literal["prefix", "suffix"]


class MatchCondition(NamedTuple):
    """Keep namespaces that start (``prefix``) or end (``suffix``) with ``path``."""

    match_type: NamespaceMatchType
    path: NamespacePath


class GetOp(NamedTuple):
    """Read the item at ``namespace``/``key``."""

    namespace: tuple[str, ...]
    key: str
    refresh_ttl: bool = True


class SearchOp(NamedTuple):
    """Find items under ``namespace_prefix``, filtered and (with a ``query``) ranked."""

    namespace_prefix: tuple[str, ...]
    filter: dict[str, Any] | None = None
    limit: int = 10
    offset: int = 0
    query: str | None = None
    refresh_ttl: bool = True


class PutOp(NamedTuple):
    """Write (or, with ``value=None``, delete) the item at ``namespace``/``key``.

    ``index``: ``None`` embeds the store's configured fields, ``False`` embeds nothing, a list
    of paths embeds those. ``ttl``: minutes until the item expires (``None``: never)."""

    namespace: tuple[str, ...]
    key: str
    value: Mapping[str, Any] | None
    index: Literal[False] | list[str] | None = None  # type: ignore[assignment]
    ttl: float | None = None


class ListNamespacesOp(NamedTuple):
    """List the namespaces that hold items, optionally matched and cut to ``max_depth``."""

    match_conditions: tuple[MatchCondition, ...] | None = None
    max_depth: int | None = None
    limit: int = 100
    offset: int = 0


Op: TypeAlias = GetOp | SearchOp | PutOp | ListNamespacesOp
Result: TypeAlias = Item | list[Item] | list[SearchItem] | list[tuple[str, ...]] | None


class TTLConfig(TypedDict, total=False):
    """How a store expires items (all times in minutes)."""

    refresh_on_read: bool
    """Reads push an item's expiry back by its TTL (default ``True``)."""
    default_ttl: float | None
    """The TTL of a put that names none (default: items never expire)."""
    sweep_interval_minutes: int | None
    """How often expired items are deleted in the background (``None``: only when read)."""


@runtime_checkable
class Embeddings(Protocol):
    """LangChain's embeddings interface (``langchain_core.embeddings.Embeddings``)."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


EmbeddingsFunc: TypeAlias = Callable[[Sequence[str]], list[list[float]]]
AEmbeddingsFunc: TypeAlias = Callable[[Sequence[str]], Awaitable[list[list[float]]]]


class IndexConfig(TypedDict, total=False):
    """Vector search: the embedding size, the embedder, and the value paths to embed."""

    dims: int
    embed: Embeddings | EmbeddingsFunc | AEmbeddingsFunc | str
    fields: list[str] | None


class NotProvided:
    """The default of ``put``'s ``ttl``: use the store's ``default_ttl``."""

    def __repr__(self) -> str:
        return "NOT_PROVIDED"


NOT_PROVIDED = NotProvided()


# -- validation and matching (shared by every store) ----------------------------------------


def validate_namespace(namespace: tuple[str, ...]) -> None:
    """Refuse a namespace no store can hold, naming what is wrong with it."""
    if not namespace:
        raise InvalidNamespaceError("Namespace cannot be empty.")
    for label in namespace:
        if not isinstance(label, str):
            raise InvalidNamespaceError(
                f"Invalid namespace label '{label}' found in {namespace}. Namespace labels "
                f"must be strings, but got {type(label).__name__}."
            )
        if "." in label:
            raise InvalidNamespaceError(
                f"Invalid namespace label '{label}' found in {namespace}. Namespace labels "
                "cannot contain periods ('.')."
            )
        if not label:
            raise InvalidNamespaceError(
                f"Namespace labels cannot be empty strings. Got {label} in {namespace}"
            )
    if namespace[0] == "langgraph":
        raise InvalidNamespaceError(
            f'Root label for namespace cannot be "langgraph". Got: {namespace}'
        )


validate_op_namespace = validate_namespace


def ensure_embeddings(embed: Any) -> Embeddings:
    """``embed`` (an ``Embeddings``, a sync or async function of texts, or
    ``"provider:model"``) as an ``Embeddings``."""
    if embed is None:
        raise ValueError("ensure_embeddings: embed must be given")
    if isinstance(embed, Embeddings):
        return embed
    from streamgraph.store._embed import Adapter

    return Adapter(embed)


def matches_filter(value: Any, filter: Any) -> bool:
    """Whether a stored ``value`` matches a search ``filter`` (see the module docstring)."""
    if isinstance(filter, dict):
        if any(isinstance(k, str) and k.startswith("$") for k in filter):
            return all(_compare(value, op, operand) for op, operand in filter.items())
        return isinstance(value, dict) and all(
            matches_filter(value.get(k), v) for k, v in filter.items()
        )
    if isinstance(filter, (list, tuple)):
        return (
            isinstance(value, (list, tuple))
            and len(value) == len(filter)
            and all(matches_filter(a, b) for a, b in zip(value, filter, strict=True))
        )
    return bool(value == filter)


def _compare(value: Any, op: str, operand: Any) -> bool:
    if op == "$eq":
        return bool(value == operand)
    if op == "$ne":
        return bool(value != operand)
    if op not in ("$gt", "$gte", "$lt", "$lte"):
        raise ValueError(
            f"Unsupported filter operator: {op} (use $eq, $ne, $gt, $gte, $lt or $lte)"
        )
    try:
        left, right = float(value), float(operand)
    except (TypeError, ValueError):
        return False  # a missing or non-numeric field is never greater or smaller
    return {"$gt": left > right, "$gte": left >= right, "$lt": left < right, "$lte": left <= right}[
        op
    ]


def namespace_matches(condition: MatchCondition, namespace: tuple[str, ...]) -> bool:
    """Whether ``namespace`` starts (or ends) with the condition's path (``"*"``: any label)."""
    path = condition.path
    if len(namespace) < len(path):
        return False
    if condition.match_type == "prefix":
        pairs = zip(namespace, path, strict=False)
    elif condition.match_type == "suffix":
        pairs = zip(reversed(namespace), reversed(path), strict=False)
    else:
        raise ValueError(f"Unsupported match type: {condition.match_type} (prefix or suffix)")
    return all(want == "*" or have == want for have, want in pairs)


def tokenize_path(path: str) -> list[str]:
    """``"a.b[0].{c,d}"`` → ``["a", "b", "[0]", "{c,d}"]``."""
    tokens: list[str] = []
    current = ""
    depth = 0  # inside braces, dots belong to the field list
    for char in path:
        if char == "." and depth == 0:
            if current:
                tokens.append(current)
            current = ""
        elif char == "[" and depth == 0:
            if current:
                tokens.append(current)
            current = "["
        elif char == "]" and depth == 0 and current.startswith("["):
            tokens.append(current + "]")
            current = ""
        else:
            depth += (char == "{") - (char == "}")
            current += char
    if current:
        tokens.append(current)
    return tokens


def get_text_at_path(obj: Any, path: str | list[str]) -> list[str]:
    """The texts a value holds at ``path`` (``"$"``: the whole value as JSON). Paths are dotted
    (``"a.b"``), index lists (``"[0]"``, ``"[-1]"``, ``"[*]"``), take any key (``"*"``) or
    several (``"{a,b.c}"``). Non-string leaves are JSON-encoded."""
    if not path or path == "$":
        return [_text(obj)]
    tokens = tokenize_path(path) if isinstance(path, str) else path
    return _texts(obj, tokens)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float, bool)):
        return str(value)
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _texts(obj: Any, tokens: list[str]) -> list[str]:
    if not tokens:
        return [] if obj is None else [_text(obj)]
    token, rest = tokens[0], tokens[1:]
    if token.startswith("[") and token.endswith("]"):
        if not isinstance(obj, list):
            return []
        if token == "[*]":
            return [text for element in obj for text in _texts(element, rest)]
        try:
            return _texts(obj[int(token[1:-1])], rest)
        except (ValueError, IndexError):
            return []
    if not isinstance(obj, Mapping):
        return []
    if token.startswith("{") and token.endswith("}"):
        fields = [field.strip() for field in token[1:-1].split(",")]
        return [text for field in fields for text in _texts(obj, tokenize_path(field) + rest)]
    if token == "*":
        return [text for value in obj.values() for text in _texts(value, rest)]
    return _texts(obj[token], rest) if token in obj else []


# -- the interface -------------------------------------------------------------------------


class BaseStore(ABC):
    """A store: implement ``batch`` and ``abatch``; everything else is built on them."""

    supports_ttl: bool = False
    ttl_config: TTLConfig | None = None

    __slots__ = ("__weakref__",)

    @abstractmethod
    def batch(self, ops: Iterable[Op]) -> list[Result]:
        """Run the ops in order; one result each (``None`` for puts)."""

    @abstractmethod
    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        """``batch`` for async code."""

    def get(
        self, namespace: tuple[str, ...], key: str, *, refresh_ttl: bool | None = None
    ) -> Item | None:
        """The item at ``namespace``/``key`` (``None`` when there is none)."""
        result = self.batch([GetOp(tuple(namespace), str(key), self._refresh(refresh_ttl))])[0]
        return result  # type: ignore[return-value]

    def search(
        self,
        namespace_prefix: tuple[str, ...],
        /,
        *,
        query: str | None = None,
        filter: dict[str, Any] | None = None,
        limit: int = 10,
        offset: int = 0,
        refresh_ttl: bool | None = None,
    ) -> list[SearchItem]:
        """Items under ``namespace_prefix`` matching ``filter``, ranked by ``query``."""
        op = SearchOp(
            tuple(namespace_prefix), filter, limit, offset, query, self._refresh(refresh_ttl)
        )
        return self.batch([op])[0]  # type: ignore[return-value]

    def put(
        self,
        namespace: tuple[str, ...],
        key: str,
        value: Mapping[str, Any],
        index: Literal[False] | list[str] | None = None,
        *,
        ttl: float | None | NotProvided = NOT_PROVIDED,
    ) -> None:
        """Write ``value`` at ``namespace``/``key`` (replacing what was there)."""
        validate_namespace(tuple(namespace))
        self.batch([PutOp(tuple(namespace), str(key), value, index, self._ttl(ttl))])

    def delete(self, namespace: tuple[str, ...], key: str) -> None:
        """Delete the item at ``namespace``/``key`` (nothing happens when there is none)."""
        self.batch([PutOp(tuple(namespace), str(key), None, ttl=None)])

    def list_namespaces(
        self,
        *,
        prefix: NamespacePath | None = None,
        suffix: NamespacePath | None = None,
        max_depth: int | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[tuple[str, ...]]:
        """The namespaces holding items, sorted, optionally matched and cut to ``max_depth``."""
        op = _list_op(prefix, suffix, max_depth, limit, offset)
        return self.batch([op])[0]  # type: ignore[return-value]

    async def aget(
        self, namespace: tuple[str, ...], key: str, *, refresh_ttl: bool | None = None
    ) -> Item | None:
        """``get`` for async code."""
        op = GetOp(tuple(namespace), str(key), self._refresh(refresh_ttl))
        return (await self.abatch([op]))[0]  # type: ignore[return-value]

    async def asearch(
        self,
        namespace_prefix: tuple[str, ...],
        /,
        *,
        query: str | None = None,
        filter: dict[str, Any] | None = None,
        limit: int = 10,
        offset: int = 0,
        refresh_ttl: bool | None = None,
    ) -> list[SearchItem]:
        """``search`` for async code."""
        op = SearchOp(
            tuple(namespace_prefix), filter, limit, offset, query, self._refresh(refresh_ttl)
        )
        return (await self.abatch([op]))[0]  # type: ignore[return-value]

    async def aput(
        self,
        namespace: tuple[str, ...],
        key: str,
        value: Mapping[str, Any],
        index: Literal[False] | list[str] | None = None,
        *,
        ttl: float | None | NotProvided = NOT_PROVIDED,
    ) -> None:
        """``put`` for async code."""
        validate_namespace(tuple(namespace))
        await self.abatch([PutOp(tuple(namespace), str(key), value, index, self._ttl(ttl))])

    async def adelete(self, namespace: tuple[str, ...], key: str) -> None:
        """``delete`` for async code."""
        await self.abatch([PutOp(tuple(namespace), str(key), None, ttl=None)])

    async def alist_namespaces(
        self,
        *,
        prefix: NamespacePath | None = None,
        suffix: NamespacePath | None = None,
        max_depth: int | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[tuple[str, ...]]:
        """``list_namespaces`` for async code."""
        op = _list_op(prefix, suffix, max_depth, limit, offset)
        return (await self.abatch([op]))[0]  # type: ignore[return-value]

    def _refresh(self, refresh_ttl: bool | None) -> bool:
        if refresh_ttl is not None:
            return refresh_ttl
        return bool((self.ttl_config or {}).get("refresh_on_read", True))

    def _ttl(self, ttl: float | None | NotProvided) -> float | None:
        if isinstance(ttl, NotProvided):
            return (self.ttl_config or {}).get("default_ttl")
        if ttl is not None and not self.supports_ttl:
            raise NotImplementedError(
                f"{type(self).__name__} does not support TTLs (put(..., ttl={ttl!r}))"
            )
        return ttl


def _list_op(
    prefix: NamespacePath | None,
    suffix: NamespacePath | None,
    max_depth: int | None,
    limit: int,
    offset: int,
) -> ListNamespacesOp:
    conditions = []
    if prefix:
        conditions.append(MatchCondition("prefix", tuple(prefix)))
    if suffix:
        conditions.append(MatchCondition("suffix", tuple(suffix)))
    return ListNamespacesOp(tuple(conditions) or None, max_depth, limit, offset)
