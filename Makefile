# lt_plugins front door. `make demo` and `make test` set up the environment
# first if it is not there yet (tools/bootstrap.sh; the first time takes
# about 9 minutes on 2 cores because mmcv's ops are compiled, later setups
# reuse it).
LT_PLUGINS_HOME ?= $(HOME)/.cache/lt_plugins
PY := $(or $(LT_PLUGINS_PYTHON),$(LT_PLUGINS_HOME)/venv/bin/python)
PYTEST_ARGS ?=

.PHONY: env demo demo-cdb test
env:
	@bash tools/bootstrap.sh >/dev/null

demo: env
	$(PY) tools/demo.py --method ce

demo-cdb: env
	$(PY) tools/demo.py --method cdb

test: env
	$(PY) -m pytest tests -q $(PYTEST_ARGS)
