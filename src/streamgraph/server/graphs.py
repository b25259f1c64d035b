"""Loading the graphs a server serves, from a ``langgraph.json``-style config file.

The config names each graph by id and where to find it::

    {"dependencies": ["."], "graphs": {"agent": "./graph.py:graph"}, "env": ".env"}

A location is ``<file.py>:<attribute>`` (relative to the config file) or
``<package.module>:<attribute>``. The attribute may be a compiled graph, a ``StateGraph``
(compiled here), or a function returning either (called once per run with the run's config,
as LangGraph calls graph factories). ``dependencies`` that are local folders go on
``sys.path``; ``env`` is a dict or a ``.env`` file, applied before any graph is imported.
Keys that only shape LangGraph's Docker image (``python_version``, ``dockerfile_lines``, ...)
are ignored, as ``langgraph dev`` ignores them. ``auth`` names the project's ``Auth`` object
(``{"path": "./auth.py:auth"}``, see ``streamgraph.server.auth``). ``encryption`` is
refused: a server that quietly skipped it would store data unencrypted. Any other key this
server does not implement (``http``, a misspelt key, ...) is a ``ConfigWarning``. ``store``
configures the server's store (``streamgraph.server.store_config``).

Every problem is a ``ConfigError`` with one line saying what is wrong and where.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import json
import os
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = (
    "ConfigError",
    "ConfigWarning",
    "GraphEntry",
    "ServerConfig",
    "load_config",
    "load_graphs",
)

IMAGE_ONLY_KEYS = frozenset(
    {
        "$schema",
        "python_version",
        "node_version",
        "api_version",
        "base_image",
        "image_distro",
        "pip_config_file",
        "pip_installer",
        "dockerfile_lines",
        "keep_pkg_tools",
        "_INTERNAL_docker_tag",
    }
)
USED_KEYS = frozenset({"graphs", "dependencies", "env", "api_keys", "auth", "webhooks", "store"})
REFUSED_KEYS = {"encryption": "encryption at rest"}
AUTH_KEYS = {"path": str, "disable_studio_auth": bool, "allow_langsmith_api_keys": bool}
AUTH_IGNORED_KEYS = frozenset({"openapi", "cache"})


class ConfigWarning(UserWarning):
    """A config key this server does not act on."""


class ConfigError(Exception):
    """A config or graph that cannot be served (the message is one line)."""


class ServerConfig:
    """What a config file says: graphs, env, and the folder paths are relative to."""

    def __init__(
        self,
        graphs: dict[str, Any],
        base_dir: Path,
        *,
        env: dict[str, str] | None = None,
        api_keys: list[str] | None = None,
        path: Path | None = None,
        auth: dict[str, Any] | None = None,
        webhooks: dict[str, Any] | None = None,
    ) -> None:
        self.graphs = graphs
        self.base_dir = base_dir
        self.env = env or {}
        self.api_keys = api_keys or []
        self.path = path
        self.auth = auth
        """The ``auth`` entry, checked (``path`` and the flags), or None."""
        self.webhooks = webhooks  # LangGraph's "webhooks" (see ``webhooks.py``)
        self.store: Any = None  # LangGraph's "store" (see ``store_config.py``)


def load_config(path: str | os.PathLike[str]) -> ServerConfig:
    """Read a config file, apply its ``env`` and ``dependencies`` (see module docstring)."""
    file = Path(path).resolve()
    if not file.is_file():
        raise ConfigError(f"config file not found: {file}")
    try:
        data = json.loads(file.read_text())
    except ValueError as error:
        raise ConfigError(f"{file}: not valid JSON ({error})") from None
    if not isinstance(data, dict) or not isinstance(data.get("graphs"), dict) or not data["graphs"]:
        raise ConfigError(
            f'{file}: needs a "graphs" object mapping graph ids to "./file.py:attribute" locations'
        )
    _check_keys(data, file)
    base = file.parent
    for dependency in data.get("dependencies", []):
        if isinstance(dependency, str) and (dependency.startswith(".") or "/" in dependency):
            folder = str((base / dependency).resolve())
            if folder not in sys.path:
                sys.path.insert(0, folder)
    env = _env(data.get("env"), base)
    os.environ.update(env)
    keys = data.get("api_keys") or []
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise ConfigError(f'{file}: "api_keys" must be a list of strings')
    auth = _auth_entry(data["auth"], file) if "auth" in data else None
    webhooks = data.get("webhooks")
    if webhooks is not None and not isinstance(webhooks, dict):
        raise ConfigError(f'{file}: "webhooks" must be an object')
    loaded = ServerConfig(
        data["graphs"], base, env=env, api_keys=keys, path=file, auth=auth, webhooks=webhooks
    )
    loaded.store = data.get("store")
    return loaded


def _auth_entry(value: Any, file: Path) -> dict[str, Any]:
    """The ``auth`` entry, checked: an object whose ``path`` names the ``Auth`` object."""
    example = '"auth": {"path": "./auth.py:auth"}'
    if not isinstance(value, dict):
        raise ConfigError(f'{file}: "auth" must be an object like {example}, not {value!r}')
    if not isinstance(value.get("path"), str) or not value["path"].strip():
        raise ConfigError(f'{file}: "auth" needs a "path" to the Auth object, like {example}')
    for key, given in value.items():
        if key in AUTH_IGNORED_KEYS:
            warnings.warn(
                f'{file}: "auth.{key}" is not supported by streamgraph and is ignored',
                ConfigWarning,
                stacklevel=3,
            )
        elif key not in AUTH_KEYS:
            raise ConfigError(
                f'{file}: "auth" has an unknown key "{key}" (known: {", ".join(AUTH_KEYS)})'
            )
        elif not isinstance(given, AUTH_KEYS[key]):
            raise ConfigError(
                f'{file}: "auth.{key}" must be a {AUTH_KEYS[key].__name__}, not {given!r}'
            )
    return {k: v for k, v in value.items() if k in AUTH_KEYS}


def _check_keys(data: dict[str, Any], file: Path) -> None:
    for key in data:
        if key in REFUSED_KEYS:
            raise ConfigError(
                f'{file}: "{key}" ({REFUSED_KEYS[key]}) is not supported by streamgraph; remove it'
            )
        if key not in USED_KEYS and key not in IMAGE_ONLY_KEYS:
            warnings.warn(
                f'{file}: "{key}" is not supported by streamgraph and is ignored',
                ConfigWarning,
                stacklevel=3,
            )


def _env(value: Any, base: Path) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    if isinstance(value, str):
        file = base / value
        if not file.is_file():
            raise ConfigError(f"env file not found: {file}")
        from dotenv import dotenv_values  # (python-dotenv: as langgraph dev reads .env)

        return {k: v for k, v in dotenv_values(file).items() if v is not None}
    raise ConfigError(f'"env" must be an object or a .env file path, not {value!r}')


class GraphEntry:
    """One served graph: a compiled graph, or a factory making one per run."""

    def __init__(
        self, graph_id: str, graph: Any = None, factory: Callable[..., Any] | None = None
    ) -> None:
        self.graph_id = graph_id
        self.graph = graph
        self.factory = factory

    async def resolve(self, config: dict[str, Any]) -> Any:
        """The graph for a run with ``config``."""
        if self.factory is None:
            return self.graph
        made = self.factory(config) if _takes_argument(self.factory) else self.factory()
        if inspect.isawaitable(made):
            made = await made
        return _as_graph(self.graph_id, made, "its factory returned")


def load_graphs(specs: dict[str, Any], base_dir: Path | None = None) -> dict[str, GraphEntry]:
    """Import every graph (``specs``: id -> location string, or a graph object)."""
    base = base_dir or Path.cwd()
    entries = {}
    for graph_id, spec in specs.items():
        target = _import(graph_id, spec, base) if isinstance(spec, str) else spec
        if callable(target) and not _is_graph(target) and not _is_builder(target):
            entries[graph_id] = GraphEntry(graph_id, factory=target)
        else:
            entries[graph_id] = GraphEntry(graph_id, _as_graph(graph_id, target, repr(spec)))
    return entries


def _import(graph_id: str, spec: str, base: Path) -> Any:
    location, sep, attribute = spec.rpartition(":")
    if not sep or not location or not attribute:
        raise ConfigError(
            f"graph {graph_id!r}: {spec!r} should look like "
            '"./file.py:attribute" or "package.module:attribute"'
        )
    try:
        if location.endswith(".py") or "/" in location:
            module = _import_file(graph_id, (base / location).resolve())
        else:
            module = importlib.import_module(location)
    except ConfigError:
        raise
    except Exception as error:  # the user's module failed: say how, in one line
        raise ConfigError(
            f"graph {graph_id!r}: importing {location} failed: {type(error).__name__}: {error}"
        ) from None
    if not hasattr(module, attribute):
        raise ConfigError(f"graph {graph_id!r}: {location} has no attribute {attribute!r}")
    return getattr(module, attribute)


def _import_file(graph_id: str, file: Path) -> Any:
    if not file.is_file():
        raise ConfigError(f"graph {graph_id!r}: file not found: {file}")
    name = f"streamgraph_served_{graph_id}_{abs(hash(str(file)))}"
    spec = importlib.util.spec_from_file_location(name, file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    if str(file.parent) not in sys.path:
        sys.path.insert(0, str(file.parent))
    spec.loader.exec_module(module)
    return module


def _is_graph(value: Any) -> bool:
    from streamgraph.pregel import Pregel

    return isinstance(value, Pregel)


def _is_builder(value: Any) -> bool:
    from streamgraph.graph import StateGraph

    return isinstance(value, StateGraph)


def _as_graph(graph_id: str, value: Any, where: str) -> Any:
    if _is_graph(value):
        return value
    if _is_builder(value):
        return value.compile()
    kind = type(value)
    hint = ""
    if kind.__module__.split(".")[0] == "langgraph":
        hint = (
            " (a LangGraph graph: serve it without --no-compat, or import StateGraph from "
            "streamgraph.graph instead)"
        )
    raise ConfigError(
        f"graph {graph_id!r}: {where} is a {kind.__module__}.{kind.__name__}, not a graph{hint}"
    )


def _takes_argument(fn: Callable[..., Any]) -> bool:
    try:
        return bool(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return False
