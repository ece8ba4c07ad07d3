# Each target sets up what it needs: a local .venv with the right extras.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# What the install compiles (autograd.core.SOURCES): a change builds the core again.
CORE_SOURCES := autograd/ops.py autograd/value.py autograd/value.pxd autograd/replay.py

.PHONY: demo test notebooks bench bench-mnist bench-pictures drawings lint format graphviz browser clean

demo: $(VENV)/.installed-viz graphviz
	$(BIN)/stepgrad demo --out demo-output

# CI caps long training at 2 epochs: notebooks 07 and 10 read STEPGRAD_MAX_EPOCHS themselves.
# The suite runs on the core the install built (CI sets CORE=compiled, so that a build
# that fell back to plain Python fails), then again on the plain-Python core.
CORE ?=
TEST := STEPGRAD_STRICT=1 STEPGRAD_MAX_EPOCHS=2 $(BIN)/python -m pytest --nbmake
test: $(VENV)/.installed-dev graphviz browser
	$(BIN)/python -m autograd --version
	STEPGRAD_EXPECT_CORE=$(CORE) $(TEST)
	STEPGRAD_PURE_PYTHON=1 STEPGRAD_EXPECT_CORE=plain $(TEST)

# Jupyter refuses to run as root unless told (as in a container).
notebooks: $(VENV)/.installed-notebook graphviz
	$(BIN)/jupyter notebook $(if $(filter 0,$(shell id -u)),--allow-root) notebooks/

bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench

drawings: $(VENV)/.installed-dev graphviz
	$(BIN)/python -m autograd.figures notebooks/figures

bench-mnist: $(VENV)/.installed-dev
	$(BIN)/python -m bench.mnist

bench-pictures: $(VENV)/.installed-dev graphviz browser
	$(BIN)/python -m bench.pictures

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

graphviz:
	@sh .ci/install-graphviz

browser:
	@sh .ci/install-browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-viz: pyproject.toml setup.py $(CORE_SOURCES) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --editable '.[viz]'
	$(BIN)/python -m autograd --version
	touch $@

$(VENV)/.installed-dev: pyproject.toml setup.py $(CORE_SOURCES) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --editable '.[dev]'
	$(BIN)/python -m autograd --version
	touch $@ $(VENV)/.installed-viz

$(VENV)/.installed-notebook: pyproject.toml setup.py $(CORE_SOURCES) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --editable '.[dev,notebook]'
	$(BIN)/python -m autograd --version
	touch $@ $(VENV)/.installed-dev $(VENV)/.installed-viz

clean:
	rm -rf $(VENV) build *.egg-info autograd/*.so autograd/ops.c autograd/value.c autograd/replay.c \
		autograd/value.sha256
