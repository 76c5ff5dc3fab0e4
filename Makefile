# Two commands on a fresh machine with Python 3.11: `make run` and `make test`.
# Both create the virtual environment from uv.lock first (only when it is missing or stale).
PYTHON ?= python3.11
UV_VERSION := 0.13.8
VENV := .venv
STAMP := $(VENV)/.synced
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
RUN := $(VENV)/bin
PYTEST_WORKERS ?= 2

.PHONY: run test check fmt bench clean setup bytecode

setup: $(STAMP)

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/python -m pip install --quiet "uv==$(UV_VERSION)"

# Bytecode is compiled here, once: the environment may set PYTHONDONTWRITEBYTECODE, and
# without cached bytecode every command recompiles numpy, pydantic and the rest on start-up.
$(STAMP): pyproject.toml uv.lock Makefile | $(UV)
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	@touch $(STAMP)

# The package's own modules: compileall rewrites only what changed since the last run.
bytecode: $(STAMP)
	@$(RUN)/python -m compileall -q src

run: bytecode
	$(RUN)/spinecoach demo

test: bytecode
	$(RUN)/python -m pytest -n $(PYTEST_WORKERS) -q

check: $(STAMP)
	$(RUN)/ruff check src tests bench
	$(RUN)/ruff format --check src tests bench
	$(RUN)/mypy

fmt: $(STAMP)
	$(RUN)/ruff format src tests bench
	$(RUN)/ruff check --fix src tests bench

bench: bytecode
	$(RUN)/python bench/startup.py
	$(RUN)/python bench/prescribe.py
	$(RUN)/python bench/sensors.py

clean:
	rm -rf $(VENV) .tools .pytest_cache .mypy_cache .ruff_cache
