# Eva: two commands do everything. `make run` starts the bot, `make test` runs all of CI.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
MODEL := models/current.tar.gz
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
# Repeatable training and tests on a 2-core machine.
export PYTHONHASHSEED := 0

# Rasa 3.6 runs on Python 3.10 only: take python3.10 from PATH, else from pyenv.
PYTHON310 := $(shell command -v python3.10 >/dev/null 2>&1 && PYENV_VERSION=$${PYENV_VERSION:-3.10.13} python3.10 -c 'import sys; assert sys.version_info[:2]==(3,10); print("python3.10")' 2>/dev/null || ls -d $(HOME)/.pyenv/versions/3.10.*/bin/python3.10 2>/dev/null | tail -n 1)

# The demo orders (data/demo) are not training data.
MODEL_INPUTS := config.yml domain.yml $(shell find data bot/nlu bot/faq -path data/demo -prune -o \( -name '*.yml' -o -name '*.py' \) -print 2>/dev/null)

.PHONY: help install model run test lint types validate pytest eval clean fonts chromium \
	train publish rollback bench bench-quick

help:
	@echo "make run    - install, train if the data changed, start Redis, action server, Rasa server, web service"
	@echo "make test   - lint, types, data validation and all tests (what CI runs)"
	@echo "make eval   - score the model on the held-out split -> docs/nlu-report.md"
	@echo "make model  - train only if config, domain, data or NLU components changed"
	@echo "make train  - the same, saying how long it took (eva train)"
	@echo "make publish  - load models/current.tar.gz into the running bot unless it scores worse"
	@echo "make rollback - load the release published before the live one"
	@echo "make bench  - ours vs stock Rasa in the same run -> docs/benchmarks.md (< 20 min)"
	@echo "make bench-quick - the harness's smoke run (< 3 min; part of make test via pytest)"

$(VENV)/.installed: pyproject.toml constraints.txt
	@if [ -z "$(PYTHON310)" ]; then \
	  echo "Python 3.10 was not found. Rasa 3.6 needs it: install it with pyenv"; \
	  echo "  (pyenv install 3.10.13) or your package manager, so that python3.10 is on PATH."; \
	  exit 1; fi
	@test -x $(PY) || PYENV_VERSION=$${PYENV_VERSION:-3.10.13} $(PYTHON310) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip setuptools wheel
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $@

install: $(VENV)/.installed

# Rasa's cache reuses results of unchanged steps; it cannot see our components' code,
# so a changed .py retrains from scratch (--force).
$(MODEL): $(VENV)/.installed $(MODEL_INPUTS)
	@echo "Training the model (a few minutes on 2 cores)..."
	$(PY) -m bot.server train --quiet --config config.yml --domain domain.yml --data data \
	  --out models --fixed-model-name current $(if $(filter %.py,$?),--force)
	@touch $@

model: $(MODEL)

run: $(MODEL)
	$(PY) -m bot.cli.main run

lint: install
	$(VENV)/bin/ruff check bot actions shop handoff bench tests
	$(VENV)/bin/ruff format --check bot actions shop handoff bench tests

types: install
	$(VENV)/bin/mypy

validate: install
	$(PY) -m bot.cli.main validate

pytest: fonts chromium $(MODEL)
	EVA_MODEL=$(MODEL) $(PY) -m pytest

test: lint types validate pytest

# Editors' workflow (docs/editing.md). publish/rollback talk to the running server:
# RASA_URL and RASA_API_TOKEN (the token `make run` was started with) say which.
train: install
	$(PY) -m bot.cli.main train

publish: install
	$(PY) -m bot.cli.main publish

rollback: install
	$(PY) -m bot.cli.main rollback

# Speed is measured here, never in tests: medians and ratios against stock Rasa
# trained on the same data in the same run (bench/README.md).
bench: fonts $(MODEL)
	EVA_MODEL=$(MODEL) $(PY) -m bench

bench-quick: fonts $(MODEL)
	EVA_MODEL=$(MODEL) $(PY) -m bench --quick

eval: fonts $(MODEL)
	$(PY) -m bot.cli.main eval --model $(MODEL)

# Hangul labels in the confusion matrix (docs/img/nlu-confusion.png) need a CJK font.
fonts:
	@dpkg -s fonts-noto-cjk >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq fonts-noto-cjk)

# The browser tests drive Debian's chromium; Playwright cannot download one here.
chromium:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium)

clean:
	rm -rf .run models .rasa .pytest_cache .mypy_cache .ruff_cache
