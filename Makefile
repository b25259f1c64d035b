# Every target sets itself up: it creates .venv when missing and (re)installs the project
# only when pyproject.toml changed since the last install.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SOURCES := src tests benchmarks examples

.PHONY: test demo bench lint format clean studio studio-screenshots

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[server,postgres]' --group test --group dev
	@touch $(STAMP)

test: $(STAMP)
	$(PY) -m pytest

demo: $(STAMP)
	$(PY) examples/seeds.py
	$(PY) examples/llm_seeds.py
	$(PY) examples/agent_seeds.py
	$(PY) -m streamgraph.cli demo

bench: $(STAMP)
	$(PY) -m benchmarks

# What CI enforces before the tests: lint, formatting, strict types, declared dependencies.
lint: $(STAMP)
	$(VENV)/bin/ruff check $(SOURCES)
	$(VENV)/bin/ruff format --check $(SOURCES)
	$(VENV)/bin/mypy
	$(VENV)/bin/deptry src

format: $(STAMP)
	$(VENV)/bin/ruff check --fix $(SOURCES)
	$(VENV)/bin/ruff format $(SOURCES)

# The Studio page (src/streamgraph/server/studio/page/) is built from studio/ with Node.js and
# npm, and committed: serving it, `make demo` and `make test` need no Node.js.
studio:
	cd studio && npm ci --no-audit --no-fund && npm run check && npm run build

# The README's two studio screenshots, taken by the browser tests (needs chromium).
studio-screenshots: $(STAMP)
	STUDIO_SCREENSHOTS=docs $(PY) -m pytest tests/studio/test_browser.py -q -k "agent_run or fork"

clean:
	rm -rf $(VENV)
