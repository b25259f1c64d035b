"""Write the sync twins of the hand-written async modules.

Only the async SDK client (and ``RemoteGraph``'s async methods) are written by hand. Their
sync twins are this script's output, committed next to them: every line of the async source
goes through a table of token replacements (whole words only: ``async def`` -> ``def``,
``await x`` -> ``x``, ``AsyncIterator`` -> ``Iterator``, ``RunsClient`` ->
``SyncRunsClient``, ...), then through ruff, which sorts the renamed imports and formats the
result.

    python scripts/gen_sync.py          # rewrite the sync files (``make format`` runs this)
    python scripts/gen_sync.py --check  # exit 1 if a committed sync file is out of date
                                        # (``make lint``, so CI, runs this)
"""

from __future__ import annotations

import argparse
import difflib
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Replaced everywhere. Whole tokens: a replacement never applies inside a longer name.
COMMON = {
    "async def": "def",
    "async for": "for",
    "async with": "with",
    "await ": "",
    "AsyncIterator": "Iterator",
    "AsyncIterable": "Iterable",
    "__aenter__": "__enter__",
    "__aexit__": "__exit__",
    "aclose": "close",
    "aread": "read",
    "aiter_bytes": "iter_bytes",
    "import asyncio": "import time",
    "asyncio.sleep": "time.sleep",
    "httpx.AsyncClient": "httpx.Client",
    "httpx.AsyncHTTPTransport": "httpx.HTTPTransport",
    "An async client": "A sync client",
    "The async client": "The sync client",
    "async client": "sync client",
}

SDK = {
    "get_client": "get_sync_client",
    "LangGraphClient": "SyncLangGraphClient",
    "HttpClient": "SyncHttpClient",
    "AssistantsClient": "SyncAssistantsClient",
    "ThreadsClient": "SyncThreadsClient",
    "RunsClient": "SyncRunsClient",
    "StoreClient": "SyncStoreClient",
}

REMOTE = {
    "AsyncRemoteGraph": "SyncRemoteGraph",
    "LangGraphClient": "SyncLangGraphClient",
    "_client": "_sync_client",
    "astream": "stream",
    "ainvoke": "invoke",
    "aget_state": "get_state",
    "aget_state_history": "get_state_history",
    "aupdate_state": "update_state",
    "The async methods": "The sync methods",
}


@dataclass(frozen=True)
class Twin:
    source: str
    target: str
    tokens: dict[str, str] = field(default_factory=dict)


_SDK = "src/streamgraph/sdk"
_PREGEL = "src/streamgraph/pregel"
TWINS = [
    Twin(f"{_SDK}/_async.py", f"{_SDK}/_sync.py", SDK),
    Twin(f"{_SDK}/_async_assistants.py", f"{_SDK}/_sync_assistants.py", SDK),
    Twin(f"{_SDK}/_async_threads.py", f"{_SDK}/_sync_threads.py", SDK),
    Twin(f"{_SDK}/_async_runs.py", f"{_SDK}/_sync_runs.py", SDK),
    Twin(f"{_SDK}/_async_store.py", f"{_SDK}/_sync_store.py", SDK),
    Twin(f"{_PREGEL}/_remote_async.py", f"{_PREGEL}/_remote_sync.py", REMOTE),
]


def _module(path: str) -> str:
    """``src/streamgraph/sdk/_async.py`` -> ``_async``."""
    return Path(path).stem


def _pattern(token: str) -> str:
    # \b only where the token begins or ends with a word character ("await " ends in a space)
    start = r"\b" if re.match(r"\w", token[0]) else ""
    end = r"\b" if re.match(r"\w", token[-1]) else ""
    return start + re.escape(token) + end


def replacer(twin: Twin) -> tuple[re.Pattern[str], dict[str, str]]:
    """One regex for every token of ``twin`` (longest first), and what each becomes. Each
    token is replaced once: a replacement is never rewritten by another rule."""
    table = {**COMMON, **twin.tokens}
    for other in TWINS:  # imports of (and references to) hand-written modules: their twins'
        table[_module(other.source)] = _module(other.target)
    tokens = sorted(table, key=len, reverse=True)
    return re.compile("|".join(_pattern(t) for t in tokens)), table


def unasync(twin: Twin, text: str) -> str:
    pattern, table = replacer(twin)
    lines = [pattern.sub(lambda m: table[m.group(0)], line) for line in text.splitlines()]
    header = [
        f"# Generated from {twin.source} by scripts/gen_sync.py: do not edit.",
        "# Change the async source and run `python scripts/gen_sync.py` (or `make format`).",
    ]
    return "\n".join(header + lines) + "\n"


def ruff(args: list[str], text: str, filename: str) -> str:
    command = [sys.executable, "-m", "ruff", *args, "--stdin-filename", filename, "-"]
    done = subprocess.run(command, input=text, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        sys.exit(f"ruff failed on the output for {filename}:\n{done.stderr}")
    return done.stdout


def generate(twin: Twin) -> str:
    text = unasync(twin, (ROOT / twin.source).read_text())
    # imports and __all__ re-sorted after renames; `async for x in y: yield x` -> `yield from y`
    fixes = ["--fix-only", "--unsafe-fixes", "--select", "I,RUF022,UP028"]
    text = ruff(["check", *fixes], text, twin.target)
    return ruff(["format"], text, twin.target)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if a sync file is stale")
    check = parser.parse_args().check
    stale = []
    for twin in TWINS:
        expected = generate(twin)
        path = ROOT / twin.target
        current = path.read_text() if path.exists() else ""
        if current == expected:
            continue
        stale.append(twin.target)
        if check:
            diff = difflib.unified_diff(
                current.splitlines(keepends=True),
                expected.splitlines(keepends=True),
                f"{twin.target} (committed)",
                f"{twin.target} (generated from {twin.source})",
            )
            sys.stdout.writelines(diff)
        else:
            path.write_text(expected)
            print(f"wrote {twin.target}")
    if check and stale:
        print(
            f"\n{len(stale)} generated file(s) differ from their async source: "
            "run `python scripts/gen_sync.py` (or `make format`) and commit the result.",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
