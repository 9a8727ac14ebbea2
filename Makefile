# The two commands (see README.md): `make run` and `make test`.
.PHONY: setup run test lint bench screenshots lock

VENV := .venv/bin

setup:
	@bash scripts/setup.sh

run: setup
	$(VENV)/station --config config/station.example.toml db upgrade
	$(VENV)/station --config config/station.example.toml run --simulate

test: setup
	$(VENV)/ruff check .
	$(VENV)/python -m pytest -q

lint: setup
	$(VENV)/ruff check .

bench: setup
	$(VENV)/python bench/run.py

screenshots: setup
	$(VENV)/python scripts/screenshots.py

lock:  # re-resolve requirements.lock after editing dependencies in pyproject.toml (README)
	@bash scripts/update-lock.sh
