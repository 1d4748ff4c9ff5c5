# The commands people and CI both use. `make run` and `make test` install what is missing.
.PHONY: install servers run test lint unit stop bench clean

VENV := .venv
STAMP := $(VENV)/.installed

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml scripts/install.sh
	scripts/install.sh
	touch $@

servers:
	scripts/stack.sh start

run: install servers
	scripts/run.sh

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

test: install servers lint
	$(VENV)/bin/pytest

unit: install
	$(VENV)/bin/pytest tests/shared

bench: install servers
	$(VENV)/bin/python -m bench

stop:
	scripts/stack.sh stop

clean: stop
	rm -rf .state $(VENV)
