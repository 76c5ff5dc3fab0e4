# Two commands on a fresh machine with Python 3.11: `make run` and `make test`.
# Both create the virtual environment from uv.lock first (only when it is missing or stale).
PYTHON ?= python3.11
UV_VERSION := 0.13.8
VENV := .venv
STAMP := $(VENV)/.synced
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
RUN := $(VENV)/bin
PYTEST_WORKERS ?= 2

.PHONY: run test check fmt bench clean setup bytecode report-tools postgres chromium screenshots

setup: bytecode

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/python -m pip install --quiet "uv==$(UV_VERSION)"

# Bytecode is compiled here, once: the environment may set PYTHONDONTWRITEBYTECODE, and
# without cached bytecode every command recompiles numpy, pydantic and the rest on start-up.
$(STAMP): pyproject.toml uv.lock Makefile | $(UV)
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	@touch $(STAMP)

# The package's own modules: compileall rewrites only what changed since the last run. The
# exercise catalogue's parsed YAML is cached beside the bytecode the same way (rewritten only
# when a data file changed), so `prescribe` does not parse YAML on every run.
bytecode: $(STAMP)
	@$(RUN)/python -m compileall -q src
	@$(RUN)/python -c "from spinecoach.exercises import load_catalogue; load_catalogue()"

# The demo clinic: created on the first run (logins printed once), then served at
# http://127.0.0.1:8000/ until Ctrl-C. The demo asks no second factor (SPINECOACH_TOTP_REQUIRED_FOR).
run: bytecode
	$(RUN)/python -m spinecoach.web.demo
	exec $(RUN)/spinecoach serve

# The browser tests drive Debian's Chromium: installed when missing and we are root; otherwise
# they skip and say why.
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium from Debian"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null) \
	      || echo "could not install chromium: the browser tests will skip"; \
	  else \
	    echo "no /usr/bin/chromium (needs root and apt-get): the browser tests will skip"; \
	  fi; \
	fi

test: bytecode postgres report-tools chromium
	$(RUN)/python -m pytest -n $(PYTEST_WORKERS) -q

# The README's pictures: the browser tests with their screenshots put in docs/screenshots/
# (a plain test run puts them in build/screenshots/ and leaves the tracked ones alone).
screenshots: bytecode postgres report-tools chromium
	SPINECOACH_SCREENSHOTS=docs/screenshots $(RUN)/python -m pytest -n $(PYTEST_WORKERS) -q tests/e2e/web

# PDF reports: WeasyPrint needs pango (and a font); the report tests turn PDFs into PNG pages
# with pdftoppm. Installed from Debian when missing and we are root; otherwise the PDF tests skip.
report-tools:
	@missing=""; \
	ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0 ' || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0"; \
	ldconfig -p 2>/dev/null | grep -q 'libharfbuzz-subset.so.0 ' || missing="$$missing libharfbuzz-subset0"; \
	command -v fc-list >/dev/null 2>&1 && [ -n "$$(fc-list 2>/dev/null | head -1)" ] || missing="$$missing fonts-dejavu-core fontconfig"; \
	command -v pdftoppm >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing from Debian:$$missing"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null) \
	      || echo "could not install$$missing: the PDF report tests will skip"; \
	  else \
	    echo "missing$$missing (needs root and apt-get): the PDF report tests will skip"; \
	  fi; \
	fi

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

bench: bytecode
	$(RUN)/python bench/startup.py
	$(RUN)/python bench/prescribe.py
	$(RUN)/python bench/sensors.py

clean:
	rm -rf $(VENV) .tools .pytest_cache .mypy_cache .ruff_cache
