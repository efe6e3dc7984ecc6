# Two commands do everything on a fresh machine with Python 3.11+:
#   make demo   set up, then check the bundled example snapshot
#   make test   set up, then run the whole suite (ruff, mypy --strict, pytest)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# the browser tests drive the system's chromium; Playwright never downloads one
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: demo test lint typecheck pytest bench bench-hostile bench-html screenshot golden clean

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

# the HTML report of 10,000 exports: file size and load time in headless chromium
bench-html: $(STAMP)
	$(BIN)/python bench/bench_html.py

# docs/report.png: the bundled example's HTML report in headless chromium (apt-get install chromium)
screenshot: $(STAMP)
	$(BIN)/python bench/html_screenshot.py -o docs/report.png

# regenerate the golden report files under tests/golden/ after an intended change of output
golden: $(STAMP)
	PREFLIGHT_UPDATE_GOLDEN=1 $(BIN)/python -m pytest tests/test_golden.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
