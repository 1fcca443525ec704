# Two commands for a fresh clone: `make build` and `make test`.
# Both create .venv and install the pinned dependencies on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt 2>/dev/null | cksum | cut -d' ' -f1)
PROFILE ?= public
export NO_MKDOCS_2_WARNING := 1

.PHONY: build test lint format serve check pack mutants clean screenshots

$(STAMP):
	@$(PYTHON) -c 'import sys; sys.exit("Harvest needs Python 3.11 or newer (found %s)" % sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	@echo "First run (or pyproject.toml/constraints.txt changed): installing Harvest and its pinned"
	@echo "dependencies into $(VENV)/ (MkDocs, Material, whoosh, Playwright...). This takes about 30 s, once."
	@test -x $(BIN)/python || { echo "  making the virtual environment $(VENV)/"; $(PYTHON) -m venv $(VENV); }
	@$(PYTHON) scripts/install_venv.py $(VENV)
	@rm -f $(VENV)/.installed-* && touch $@
	@echo "Installed. Next runs start at once."

build: $(STAMP)  ## Build the archive site into site/
	$(BIN)/harvest build --profile $(PROFILE)

# The tests run in one worker per core (pytest-xdist), at most 4: most of them build whole sites in
# their own processes, so two cores take half the time. PYTEST_WORKERS=0 runs them in this process.
PYTEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); [ $$n -gt 4 ] && n=4; echo $$n)

test: lint       ## Lint and type-check, then run the whole test suite (one worker per core)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: $(STAMP)   ## ruff (lint) and mypy (types; strict in harvest.core): the settings are in pyproject.toml
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP) ## Sort imports and apply the safe lint fixes, then format the code (ruff)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

serve: $(STAMP)  ## Preview with live reload on http://127.0.0.1:8000
	$(BIN)/harvest serve --profile $(PROFILE)

check: $(STAMP)  ## Validate every story and the vocabularies
	$(BIN)/harvest check

pack: $(STAMP)   ## Offline copy for USB sticks: dist/<site>-<profile>-<date>.zip (+ SHA256SUMS, .sig with HARVEST_SIGN_KEY)
	$(BIN)/harvest pack --profile $(PROFILE)

screenshots: $(STAMP)  ## Build the sample and photograph its pages at phone, laptop and projector sizes into screenshots/
	$(BIN)/python scripts/screenshots.py --out screenshots

# Mutation testing of the core (archive, privacy, validate, parse): mutmut changes one operator,
# constant or call at a time and reruns the tests that reach it; a change no test notices "survives".
# It runs in .mutants/, a fresh copy with the package at the top (see [tool.mutmut] in pyproject.toml,
# which also lists the fast in-process tests used). MUTANTS_JOBS workers; about 15 minutes on 2 cores.
MUTANTS_JOBS  ?= 2
MUTANTS_STAMP := $(VENV)/.mutants-$(shell cat pyproject.toml constraints.txt 2>/dev/null | cksum | cut -d' ' -f1)

$(MUTANTS_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test,mutants]'
	@rm -f $(VENV)/.mutants-* && touch $@

mutants: $(MUTANTS_STAMP)  ## Mutation testing of the core; prints killed/surviving mutants per module
	rm -rf .mutants && mkdir .mutants
	cp -r plugins/harvest tests mkdocs.yml overrides stories pyproject.toml .mutants/
	find .mutants -name __pycache__ -prune -exec rm -rf {} +
	cd .mutants && ../$(BIN)/mutmut run --max-children $(MUTANTS_JOBS) > mutmut.log 2>&1 || { tail -40 mutmut.log; exit 1; }
	@tr '\r' '\n' < .mutants/mutmut.log | tail -2  # the last progress line, and the rate
	$(BIN)/python scripts/mutants_report.py .mutants/mutants

clean:
	rm -rf site dist .harvest .mutants
