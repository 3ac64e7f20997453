# The two commands: `make demo` runs the first flagship experiment (scoring schemes in Jianye)
# and writes its report; `make test` runs the test suite.
# Each creates .venv from scratch on a fresh machine (needs a Python >= 3.12 somewhere:
# see scripts/find-python) and installs the package with its test extras.
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BUILT  := $(VENV)/.kernels
JOBS   ?= 2

.PHONY: demo test test-fast bench lint docs clean venv

$(STAMP): pyproject.toml
	@PY=$$(scripts/find-python) || exit 1; \
	  echo "using $$PY"; \
	  rm -rf $(VENV) && $$PY -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,bench,dev]'
	@touch $(STAMP)

# The compiled daily kernels and event core (the core's .py modules compiled with the .pxd beside each), rebuilt in place against this venv's own numpy (they draw
# through numpy's C random library, which must be the one the venv runs) whenever their
# source changes — no new venv.
CORE_SRC := $(foreach m,clock marks workers cases desks workflow,sim/core/$(m).py sim/core/$(m).pxd)
$(BUILT): $(STAMP) setup.py sim/kernels/_kernels.pyx sim/kernels/_kernels.pxd $(CORE_SRC)
	$(BIN)/python -m pip install --quiet 'Cython>=3.0' 'setuptools>=68'
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $(BUILT)

venv: $(BUILT)

demo: $(BUILT)
	$(BIN)/gridsim sweep experiments/scoring_jianye.yaml --out runs/scoring_jianye
	$(BIN)/gridsim report runs/scoring_jianye

test: $(BUILT)
	$(BIN)/python -m pytest -n $(JOBS) -q

test-fast: $(BUILT)
	$(BIN)/python -m pytest -n $(JOBS) -q -m "not slow"

bench: $(BUILT)
	$(BIN)/python benchmarks/run_year.py --no-transitions
	$(BIN)/python benchmarks/scaling.py
	$(BIN)/python benchmarks/peers_full.py
	$(BIN)/python benchmarks/peers.py
	$(BIN)/python benchmarks/sweep_scaling.py

# The gates (configured in pyproject.toml): lint and format (ruff), the import contracts between the
# sub-packages (import-linter; docs/architecture.md), types (mypy). Each runs even when one before it
# failed, so one pass lists every finding; `make lint LINT_PATHS=sim/ui` lints a part with ruff.
LINT_PATHS ?= .  # (not LINT: make defines LINT = lint built in)
lint: $(STAMP)
	@status=0; \
	  $(BIN)/ruff check $(LINT_PATHS) || status=1; \
	  $(BIN)/ruff format --check $(LINT_PATHS) || status=1; \
	  $(BIN)/lint-imports || status=1; \
	  $(BIN)/mypy || status=1; \
	  exit $$status

# The API reference and the docs/ pages (mkdocs.yml) into site/; a warning fails the build.
docs: $(STAMP)
	$(BIN)/mkdocs build --strict --site-dir site

clean:
	rm -rf $(VENV) runs site .pytest_cache .hypothesis .mypy_cache .ruff_cache
