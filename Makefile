# Two commands do everything on a fresh machine with Python 3.11+:
#   make demo   set up, then check the bundled example snapshot
#   make test   set up, then run the whole suite (ruff, mypy --strict, pytest)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest bench bench-hostile golden clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# (re)install whenever the project's metadata changes
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[live,dev]'
	touch $(STAMP)

demo: $(STAMP)
	@echo "+ preflight check examples/snapshot.json"
	@$(BIN)/preflight check examples/snapshot.json; status=$$?; \
	  echo "(exit code $$status: 0 = go, 1 = something would fail or is unsafe, 2 = the input itself is bad)"; \
	  [ $$status -le 1 ]

lint: $(STAMP)
	$(BIN)/ruff check preflight tests bench

typecheck: $(STAMP)
	$(BIN)/mypy preflight

pytest: $(STAMP)
	$(BIN)/python -m pytest

test: lint typecheck pytest

bench: $(STAMP)
	$(BIN)/python bench/bench_core.py

# each hostile input of issue 11 under a timeout and a memory limit: exit code, wall time, peak RSS
bench-hostile: $(STAMP)
	$(BIN)/python bench/bench_hostile.py

# regenerate the golden report files under tests/golden/ after an intended change of output
golden: $(STAMP)
	PREFLIGHT_UPDATE_GOLDEN=1 $(BIN)/python -m pytest tests/test_golden.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
