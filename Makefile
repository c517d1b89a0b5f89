# The README's two commands: `make run` and `make test`. Everything a fresh machine needs is installed here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
APT_PACKAGES := poppler-utils qpdf libharfbuzz-subset0 openssl chromium
STAMP := $(VENV)/.installed

.PHONY: run test lint bench system-deps install clean

# Debian packages: pdfsig/pdftotext/pdffonts (poppler), qpdf, and HarfBuzz subsetting (2.7x faster WeasyPrint).
system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if command -v apt-get >/dev/null 2>&1; then \
	    echo "installing$$missing"; SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	    $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	  else echo "warning: please install$$missing (no apt-get here)"; fi; \
	fi

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip uv

# Bytecode is compiled at install (and the project's own at each `make test`): where PYTHONDONTWRITEBYTECODE is
# set (this machine sets it) Python never caches it, and every process (each CLI call and worker the tests start)
# compiled all its imports again, about 4 s of CPU each.
$(STAMP): pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/uv pip install -q --compile-bytecode --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

install: system-deps $(STAMP)

run: install
	NOTICE_PORT=$${NOTICE_PORT:-8000} $(BIN)/notice-service serve

lint: install
	$(BIN)/ruff format --check notice_service tests bench audit tools
	$(BIN)/ruff check notice_service tests bench audit tools
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python tools/check_sizes.py
	$(BIN)/python tools/pip_audit.py  # pip-audit on requirements.lock; accepted advisories: tools/pip-audit-allow.toml

# The legal engine must stay covered (issue 3: ≥ 95 % of its lines by its unit tests).
ENGINE := interest rates rate_feeds arrete statement statement_inputs deadlines prescription money iban installments next_step contract_rate rate_wording french_words plan_suspension
ENGINE_COV := $(foreach m,$(ENGINE),--cov=notice_service.domain.$(m)) --cov=notice_service.rate_data

# The suite runs on every core (up to four; pytest-xdist, one file per worker at a time, each worker starting its
# own PostgreSQL, SeaweedFS and TSA when its tests ask), the unit tests once (with the engine's coverage gate),
# and the browser suite last, in a process of its own (pytest-playwright keeps an event loop for the whole session).
TEST_WORKERS ?= $(shell n=$$(nproc); [ $$n -gt 4 ] && n=4; echo $$n)

test: install lint
	$(BIN)/python -m compileall -q -j0 notice_service tests bench audit tools
	$(BIN)/pytest -q -p no:cacheprovider tests/unit $(ENGINE_COV) --cov-report=term --cov-fail-under=95
	$(BIN)/pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist loadfile --durations=15 --ignore=tests/unit --ignore=tests/e2e
	$(BIN)/pytest -q -p no:cacheprovider tests/e2e

# The benches import bench._stack and tests.services from this checkout (README: PYTHONPATH=.).
bench: export PYTHONPATH := $(CURDIR)
bench: install
	$(BIN)/python bench/issue_throughput.py
	$(BIN)/python bench/audit.py
	$(BIN)/python bench/dossier.py
	$(BIN)/python bench/lists.py
	$(BIN)/python bench/runs.py
	$(BIN)/python bench/kpis.py
	$(BIN)/python bench/pauses.py
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/verification.py
	$(BIN)/python bench/upload_checks.py
	$(BIN)/python bench/bulk_run.py --letters 300 --blocks 4
	$(BIN)/python bench/load.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

# The container image built and run here (deploy/check.py): podman with runc, a base image made with
# debootstrap when absent, PostgreSQL and SeaweedFS on the host, a letter issued through the image's API.
DEPLOY_APT_PACKAGES := podman runc debootstrap
.PHONY: deploy-check
deploy-check: install
	@$(MAKE) --no-print-directory system-deps APT_PACKAGES="$(DEPLOY_APT_PACKAGES)"
	PYTHONPATH=. $(BIN)/python deploy/check.py
