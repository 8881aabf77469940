# The two commands a new user types: `make demo` and `make test`. Each builds .venv when needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Every install takes its versions from constraints.txt (build back-ends included, via the env).
PIP    := PIP_CONSTRAINT=$(CURDIR)/constraints.txt PIP_DISABLE_PIP_VERSION_CHECK=1 $(BIN)/python -m pip
TEST_PLUGINS := $(VENV)/test-plugins

.PHONY: demo test bench install clean

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
	$(BIN)/jimu validate assemblies/
	$(BIN)/jimu graph assemblies/beijing/haidian_identity_screening.yaml
	$(BIN)/jimu run assemblies/beijing/haidian_identity_screening.yaml \
	    --record '{"resident_id": "11010519491231002X", "as_of": "2026-06-30", "card_number": "4111 1111 1111 1111"}'
	$(BIN)/jimu run assemblies/beijing/haidian_identity_screening.yaml --input assemblies/samples/screening_applicants.csv
	$(BIN)/jimu sample applicants --out out/applicants.csv
	$(BIN)/jimu run assemblies/zhejiang/hangzhou_pharmacy_merchant_loan.yaml --input out/applicants.csv
	$(BIN)/python -m jimu_credit.demo --product assemblies/hq/preloan_standard.yaml --out out/preloan
	$(BIN)/python -m jimu_credit.demo_postloan --loans 100000 --out out/postloan

test: $(VENV)/.installed $(TEST_PLUGINS)/.installed
	JIMU_TEST_PLUGINS=$(CURDIR)/$(TEST_PLUGINS) $(BIN)/python -m pytest

bench: $(VENV)/.installed
	$(BIN)/python bench/runner_overhead.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
