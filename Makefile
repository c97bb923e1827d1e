# Shortcuts for the scripts the README names (`scripts/run`, `scripts/test`).
.PHONY: run test bench

run:
	@scripts/run

test:
	@scripts/test

bench:
	@scripts/setup.sh
	.venv/bin/python bench/run.py
