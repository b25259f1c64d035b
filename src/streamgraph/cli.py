"""The ``streamgraph`` command: ``dev`` and ``serve`` run the server, ``demo`` shows it.

    streamgraph dev [--config langgraph.json] [--host 127.0.0.1] [--port 2024] [--db PATH]
                    [--no-compat]
    streamgraph serve ...   (the same server; ``dev`` only logs more)
    streamgraph demo        (a server on a free port, streamed through the SDK)

The served graphs may import ``langgraph`` (a LangGraph project, unedited): ``import
langgraph...`` loads streamgraph (``streamgraph.compat``) unless ``--no-compat`` is given.

``dev`` also serves the Studio web page at ``/studio/`` (``--no-studio`` leaves it out) and,
from a terminal, opens it in a browser (``--no-browser`` does not); ``serve`` serves it with
``--studio``.

``--db`` takes a SQLite file (default: ``.streamgraph/streamgraph.sqlite`` beside the
config), ``:memory:``, or a ``postgres://`` URL. Whatever stops the server from starting (a
missing config, a graph that does not import, a port in use, a database that does not
answer) is one line on stderr and exit status 1, not a traceback.
"""

from __future__ import annotations

import argparse
import errno
import logging
import socket
import sys
import warnings
from pathlib import Path
from typing import Any

__all__ = ("main",)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="streamgraph", description="LangGraph-compatible graph server."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("dev", "run the server for development (more logging)"),
        ("serve", "run the server"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument(
            "--config", default="langgraph.json", help="graphs to serve (default: ./langgraph.json)"
        )
        command.add_argument("--host", default="127.0.0.1")
        command.add_argument("--port", type=int, default=2024)
        command.add_argument(
            "--db", default=None, help="SQLite file, :memory:, or postgres://... URL"
        )
        command.add_argument(
            "--workers",
            type=int,
            default=None,
            help="most runs executed at once (default: no limit, every run starts at once)",
        )
        command.add_argument(
            "--no-compat",
            action="store_true",
            help="do not load streamgraph for `import langgraph` in the served graphs "
            "(by default a LangGraph project runs unedited: see streamgraph.compat)",
        )
        command.add_argument(
            "--no-reload",
            action="store_true",
            help="accepted for langgraph dev's command line; no effect",
        )
        command.add_argument(
            "--no-browser",
            action="store_true",
            help="dev: do not open the studio in a browser (it opens from a terminal)",
        )
        command.add_argument(
            "--studio",
            action=argparse.BooleanOptionalAction,
            default=name == "dev",
            help="serve the Studio web page at /studio/ "
            + ("(default; --no-studio leaves it out)" if name == "dev" else "(default: no)"),
        )
    demo = commands.add_parser("demo", help="start a server and stream the seed graphs")
    demo.add_argument("--db", default=None, help="as for serve (default: a temporary file)")
    return parser


def _fail(message: str) -> int:
    print(f"streamgraph: {message}", file=sys.stderr)
    return 1


def check_port(host: str, port: int) -> str | None:
    """Why ``host:port`` cannot be served, or ``None`` when it is free."""
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            return f"{host}:{port} is already in use (stop what runs there, or pass --port)"
        return f"cannot listen on {host}:{port}: {error.strerror}"
    return None


def free_port(host: str) -> int:
    """A port on ``host`` that nothing listens on now."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def _serve(args: argparse.Namespace) -> int:
    from streamgraph.server.graphs import ConfigError, ConfigWarning

    try:
        import uvicorn

        from streamgraph.server import create_app
    except ImportError as error:
        return _fail(
            f"the server needs its extra: pip install 'streamgraph[server]' "
            f"({error.name} is missing)"
        )
    if not Path(args.config).is_file():
        return _fail(f"config file not found: {Path(args.config).resolve()} (pass --config)")
    problem = check_port(args.host, args.port)
    if problem is not None:
        return _fail(problem)
    if args.port == 0:  # "any free port": choose it now, so the URL printed below is real
        args.port = free_port(args.host)
    if not args.no_compat:
        import streamgraph.compat

        try:
            streamgraph.compat.install()
        except RuntimeError as error:
            return _fail(str(error))
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConfigWarning)
            app = create_app(
                config=args.config,
                storage=_storage(args.db),
                workers=args.workers,
                studio=args.studio,
                studio_auth=args.command == "dev",
            )
        for warning in caught:
            print(f"streamgraph: warning: {warning.message}", file=sys.stderr, flush=True)
    except ConfigError as error:
        return _fail(str(error))
    except Exception as error:  # a database that does not answer, a bad --db, ...
        return _fail(f"cannot start: {type(error).__name__}: {error}")
    graphs = ", ".join(sorted(app.state.api.graphs))
    url = f"http://{_url_host(args.host)}:{args.port}"
    print(f"streamgraph: serving {graphs} at {url}", flush=True)
    if args.studio:
        print(f"streamgraph: studio at {url}/studio/", flush=True)
        _open_browser(args, f"{url}/studio/")
    _log_to_stderr(logging.INFO if args.command == "dev" else logging.WARNING)
    _more_open_files()
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="info" if args.command == "dev" else "warning",
        **_fast_io(),
    )
    return 0


def _log_to_stderr(level: int) -> None:
    """The server's own log lines (failed runs and webhooks, with their ids) on stderr, as
    uvicorn writes its own: ``dev`` shows cancellations too."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s:     %(name)s: %(message)s"))
    logger = logging.getLogger("streamgraph")
    logger.addHandler(handler)
    logger.setLevel(level)


def _open_browser(args: argparse.Namespace, url: str) -> None:
    """``dev`` opens the studio, as ``langgraph dev`` opens its Studio, when run from a
    terminal (never from a script or a test); the page waits for the server if it is early."""
    if args.command != "dev" or args.no_browser or not sys.stdout.isatty():
        return
    import threading
    import webbrowser

    threading.Timer(1.0, webbrowser.open, [url]).start()


def _url_host(host: str) -> str:
    """The host part of a URL a browser on this machine can open."""
    if host in ("0.0.0.0", "::", ""):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def _more_open_files() -> None:
    """Each live run holds a file (its event log) and each client a socket: raise the
    soft limit on open files (often 1024) to the hard one."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard == resource.RLIM_INFINITY or hard > soft:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    except (ImportError, ValueError, OSError):  # (not on this system: keep what there is)
        pass


def _storage(db: str | None) -> str | None:
    return "memory" if db == ":memory:" else db


def _fast_io() -> dict[str, Any]:
    """uvloop and httptools when installed (``uvicorn[standard]``), headers limited."""
    options: dict[str, Any] = {}
    try:
        import uvloop  # noqa: F401

        options["loop"] = "uvloop"
    except ImportError:
        pass
    from streamgraph.server.http import http_protocol

    options["http"] = http_protocol()  # httptools with a limit on headers (or h11)
    return options


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "demo":
        from streamgraph.server.demo import run_demo

        return run_demo(args.db)
    return _serve(args)


if __name__ == "__main__":
    sys.exit(main())
