# The two commands a new user types: `make demo` and `make test`. Each builds .venv when needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Every install takes its versions from constraints.txt (build back-ends included, via the env).
PIP    := PIP_CONSTRAINT=$(CURDIR)/constraints.txt PIP_DISABLE_PIP_VERSION_CHECK=1 $(BIN)/python -m pip
TEST_PLUGINS := $(VENV)/test-plugins

.PHONY: demo test install clean

$(VENV)/.installed: pyproject.toml capabilities/pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q -e '.[test]' -e ./capabilities
	touch $@

# Test-only plugin distributions (good and deliberately broken ones) are pip-installed into
# their own folder, not into .venv, so that `make demo` never sees them; tests put the folder
# on the path to discover them through their entry points.
$(TEST_PLUGINS)/.installed: $(VENV)/.installed $(wildcard tests/plugins/*/pyproject.toml tests/plugins/*/*/*.py)
	rm -rf $(TEST_PLUGINS)
	$(PIP) install -q --no-deps --target $(TEST_PLUGINS) tests/plugins/*/
	touch $@

install: $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/jimu catalog
	$(BIN)/jimu call customer.kyc.person --input assemblies/samples/identity_applicants.csv
	$(BIN)/jimu call customer.kyc.org --input assemblies/samples/identity_organisations.csv
	$(BIN)/jimu validate assemblies/
	$(BIN)/jimu graph assemblies/beijing/haidian_identity_screening.yaml

test: $(VENV)/.installed $(TEST_PLUGINS)/.installed
	JIMU_TEST_PLUGINS=$(CURDIR)/$(TEST_PLUGINS) $(BIN)/python -m pytest

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
