# The commands people and CI both use. `make run` and `make test` install what is missing.
.PHONY: install servers test-servers run test test-containers lint unit stop bench clean browser \
	cluster cluster-stop

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

browser:
	scripts/chromium.sh >/dev/null

# Local servers unless the tests will use containers (see docs/testing.md).
test-servers: install
	scripts/prometheus.sh install
	@if $(VENV)/bin/python -m tests.servers | grep -q local; then scripts/stack.sh start; fi

test: install test-servers browser lint
	$(VENV)/bin/pytest

# The same suite on MongoDB, RabbitMQ and S3 containers (needs a Docker engine).
test-containers: install
	BULKQR_TEST_SERVERS=containers $(VENV)/bin/python -m tests.servers
	$(MAKE) -s lint
	BULKQR_TEST_SERVERS=containers $(VENV)/bin/pytest

unit: install
	$(VENV)/bin/pytest tests/shared

bench: install servers
	$(VENV)/bin/python -m bench $(ARGS)

stop:
	scripts/stack.sh stop

# Scaled out on loopback beside `make run`'s servers: 3 RabbitMQ nodes, HAProxy on :8080,
# 2 gateways, 2 workers (see scripts/cluster.sh; `scripts/cluster.sh status` says what runs).
cluster: install
	scripts/cluster.sh start

cluster-stop:
	scripts/cluster.sh stop

clean: stop cluster-stop
	rm -rf .state $(VENV)
