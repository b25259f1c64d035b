"""``"env": ".env"`` in langgraph.json is read by python-dotenv, as ``langgraph dev`` reads
it (quotes and escapes, inline comments, ``export``, multi-line values, ``${VAR}``)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from streamgraph.server.graphs import load_config

ENV = """\
# a comment
export EXPORTED=yes
PLAIN=value # an inline comment
SINGLE='keeps $HOME and # literally'
DOUBLE="line one\\nline two"
SPACED = padded
MULTI="first
second"
EMPTY=
REFERENCE=${PLAIN}-ref
HASH_IN_VALUE=a#b
"""


def test_env_file_is_read_as_python_dotenv_reads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text(ENV)
    (tmp_path / "langgraph.json").write_text(
        json.dumps({"graphs": {"g": "./g.py:g"}, "env": ".env"})
    )
    for key in ("EXPORTED", "PLAIN", "SINGLE", "DOUBLE", "SPACED", "MULTI", "EMPTY"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.delenv("REFERENCE", raising=False)
    monkeypatch.delenv("HASH_IN_VALUE", raising=False)
    env = load_config(tmp_path / "langgraph.json").env
    assert env == {
        "EXPORTED": "yes",
        "PLAIN": "value",
        "SINGLE": "keeps $HOME and # literally",
        "DOUBLE": "line one\nline two",
        "SPACED": "padded",
        "MULTI": "first\nsecond",
        "EMPTY": "",
        "REFERENCE": "value-ref",
        "HASH_IN_VALUE": "a#b",
    }
    assert os.environ["MULTI"] == "first\nsecond"
