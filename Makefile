# The two commands of the README: `make run` and `make test`.
DATA ?= ./mailkeep-data
PY := .venv/bin/python
MK := .venv/bin/mailkeep

.PHONY: setup run test lint typecheck unit bench

setup:
	@scripts/setup.sh

run: setup
	@$(MK) --data-dir $(DATA) init --if-missing
	@$(MK) --data-dir $(DATA) store list

test:
	@scripts/setup.sh --test
	@$(MAKE) --no-print-directory lint typecheck unit

lint:
	.venv/bin/ruff check src tests bench
	.venv/bin/ruff format --check src tests bench

typecheck:
	.venv/bin/mypy

unit:
	.venv/bin/pytest -q

bench: setup
	$(PY) bench/run.py
