# Developer shortcuts; the README's two commands are scripts/run.sh and scripts/test.sh.
VENV ?= .venv
BIN := $(VENV)/bin
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: run test lint format dev bench

run:        ## set up and start JupyterLab with SM Studio
	bash scripts/run.sh

test:       ## set up and run every test
	bash scripts/test.sh

dev:        ## editable install for development (rebuild the frontend with `jlpm build`)
	python3 -m venv $(VENV) && $(BIN)/pip install -e ".[test,dev]" && \
	$(BIN)/jupyter labextension develop --overwrite .

lint:       ## ruff, mypy, eslint, prettier, stylelint
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy && jlpm lint:check

format:     ## apply formatters
	$(BIN)/ruff format . && $(BIN)/ruff check --fix . && jlpm lint

bench:      ## run the benchmarks (prints tables, writes benchmarks/results/*.json)
	$(BIN)/python -m benchmarks
