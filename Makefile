# minitf — every set-up step lives here, so a fresh clone needs only `make demo` / `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
# torch's CPU wheel: a plain `torch` would pull a multi-GB CUDA build.
TORCH  ?= torch==2.13.0

.PHONY: demo test docs bench lint clean

$(VENV)/.base:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.dev: $(VENV)/.base pyproject.toml
	$(PIP) install --quiet "$(TORCH)"
	$(PIP) install --quiet -e ".[dev]"
	touch $@

$(VENV)/.docs: $(VENV)/.dev pyproject.toml
	$(PIP) install --quiet -e ".[docs]"
	touch $@

## demo: create .venv, install minitf, run the basics tutorial (the seed guide)
demo: $(VENV)/.base
	$(PIP) install --quiet matplotlib
	cd tutorials && MPLBACKEND=Agg ../$(PY) 01_basics.py

## test: create .venv with the dev extras and run the whole suite
test: $(VENV)/.dev
	HYPOTHESIS_PROFILE=ci $(PY) -m pytest -q -n 2 --dist loadfile

## docs: build the documentation site (strict: warnings are errors); executes every tutorial
# NO_MKDOCS_2_WARNING: mkdocs-material's banner about MkDocs 2.0 is not about this site.
docs: $(VENV)/.docs
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict

## bench: print the overhead benchmark (ratios against NumPy and torch)
bench: $(VENV)/.dev
	$(PY) bench/overhead.py

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check minitf kernels tests

clean:
	rm -rf $(VENV) site .pytest_cache .hypothesis
