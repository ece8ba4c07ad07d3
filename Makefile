# Each target sets up what it needs: a local .venv with the right extras.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test notebooks bench bench-mnist bench-pictures drawings lint format graphviz browser clean

demo: $(VENV)/.installed-viz graphviz
	$(BIN)/stepgrad demo --out demo-output

# CI caps long training (the notebooks' MNIST run) at 2 epochs.
test: $(VENV)/.installed-dev graphviz browser
	STEPGRAD_STRICT=1 STEPGRAD_MAX_EPOCHS=2 $(BIN)/python -m pytest --nbmake

# Jupyter refuses to run as root unless told (as in a container).
notebooks: $(VENV)/.installed-notebook graphviz
	$(BIN)/jupyter notebook $(if $(filter 0,$(shell id -u)),--allow-root) notebooks/

bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench

drawings: $(VENV)/.installed-dev graphviz
	$(BIN)/python -m autograd.drawing notebooks/figures

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

$(VENV)/.installed-viz: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --editable '.[viz]'
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --editable '.[dev]'
	touch $@ $(VENV)/.installed-viz

$(VENV)/.installed-notebook: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --editable '.[dev,notebook]'
	touch $@ $(VENV)/.installed-dev $(VENV)/.installed-viz

clean:
	rm -rf $(VENV) build *.egg-info
