# Two commands on a fresh machine with Python 3.11: `make run` and `make test`.
# Both create the virtual environment from uv.lock first (only when it is missing or stale).
PYTHON ?= python3.11
UV_VERSION := 0.13.8
VENV := .venv
STAMP := $(VENV)/.synced
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
RUN := $(VENV)/bin
PYTEST_WORKERS ?= 2

.PHONY: run test check fmt bench clean setup postgres

setup: $(STAMP)

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/python -m pip install --quiet "uv==$(UV_VERSION)"

$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	@touch $(STAMP)

run: $(STAMP)
	$(RUN)/spinecoach demo

test: $(STAMP) postgres
	$(RUN)/python -m pytest -n $(PYTEST_WORKERS) -q

# The clinic tests use the PostgreSQL server on 127.0.0.1:5432: start it when it is installed
# but stopped (Debian's cluster tools); without it those tests skip and say why.
postgres:
	@if command -v pg_lsclusters >/dev/null 2>&1 && pg_lsclusters -h 2>/dev/null | grep -q ' down '; then \
		for v in $$(ls /etc/postgresql); do \
			pg_ctlcluster --skip-systemctl-redirect $$v main start || echo "PostgreSQL $$v did not start; its tests will skip"; \
		done; \
	fi

check: $(STAMP)
	$(RUN)/ruff check src tests bench
	$(RUN)/ruff format --check src tests bench
	$(RUN)/mypy

fmt: $(STAMP)
	$(RUN)/ruff format src tests bench
	$(RUN)/ruff check --fix src tests bench

bench: $(STAMP)
	$(RUN)/python bench/prescribe.py
	$(RUN)/python bench/sensors.py

clean:
	rm -rf $(VENV) .tools .pytest_cache .mypy_cache .ruff_cache
