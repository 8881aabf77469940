# The two commands a new user types: `make demo` and `make test`. Each builds .venv when needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Every install takes its versions from constraints.txt (build back-ends included, via the env).
PIP    := PIP_CONSTRAINT=$(CURDIR)/constraints.txt PIP_DISABLE_PIP_VERSION_CHECK=1 $(BIN)/python -m pip
TEST_PLUGINS := $(VENV)/test-plugins
# Mermaid for the capability map, vendored from npm (pinned, checksum-checked) so the site works offline.
MERMAID_VERSION := 11.12.2
MERMAID_SHA256  := c4ab1840638b1735135090c667382e89cc353b46b56761514a3d0a8a80963832
MERMAID := vendor/mermaid/mermaid.min.js

.PHONY: demo test bench install vendor map clean backstage-schemas

# examples/jimu-zhejiang-data is a branch team's plugin, packaged on its own; it is installed
# beside HQ's because a product under assemblies/ uses it (and CI runs its tests).
$(VENV)/.installed: pyproject.toml capabilities/pyproject.toml examples/jimu-zhejiang-data/pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q -e '.[test]' -e ./capabilities -e ./examples/jimu-zhejiang-data
	touch $@

# Test-only plugin distributions (good and deliberately broken ones) are pip-installed into
# their own folder, not into .venv, so that `make demo` never sees them; tests put the folder
# on the path to discover them through their entry points.
$(TEST_PLUGINS)/.installed: $(VENV)/.installed $(wildcard tests/plugins/*/pyproject.toml tests/plugins/*/*/*.py)
	rm -rf $(TEST_PLUGINS)
	$(PIP) install -q --no-deps --target $(TEST_PLUGINS) tests/plugins/*/
	touch $@

install: $(VENV)/.installed

$(MERMAID):
	rm -rf vendor/mermaid.tmp && mkdir -p vendor/mermaid.tmp
	cd vendor/mermaid.tmp && npm pack --silent mermaid@$(MERMAID_VERSION) >/dev/null
	echo "$(MERMAID_SHA256)  vendor/mermaid.tmp/mermaid-$(MERMAID_VERSION).tgz" | sha256sum -c --quiet
	tar -xzf vendor/mermaid.tmp/mermaid-$(MERMAID_VERSION).tgz -C vendor/mermaid.tmp package/dist/mermaid.min.js package/LICENSE
	mkdir -p vendor/mermaid && mv vendor/mermaid.tmp/package/dist/mermaid.min.js vendor/mermaid.tmp/package/LICENSE vendor/mermaid/
	rm -rf vendor/mermaid.tmp

# Backstage's entity JSON Schemas, which tests/sdk/export checks `jimu export backstage` against, are
# committed under vendor/backstage/ (30 kB; see its README). This re-derives them from the pinned npm
# tarball (it bundles them as JS modules, hence node) and checks them against vendor/backstage/SHA256SUMS.
BACKSTAGE_MODEL_VERSION := 1.10.3
BACKSTAGE_MODEL_SHA256  := e2dd17a46766e8fcbdf9cc0acaf7cad18398b8c58cb183c447b8cf59fc86e42b
BACKSTAGE_TGZ := vendor/backstage.tmp/backstage-catalog-model-$(BACKSTAGE_MODEL_VERSION).tgz

backstage-schemas:
	rm -rf vendor/backstage.tmp && mkdir -p vendor/backstage.tmp
	cd vendor/backstage.tmp && npm pack --silent @backstage/catalog-model@$(BACKSTAGE_MODEL_VERSION) >/dev/null
	echo "$(BACKSTAGE_MODEL_SHA256)  $(BACKSTAGE_TGZ)" | sha256sum -c --quiet
	tar -xzf $(BACKSTAGE_TGZ) -C vendor/backstage.tmp package/dist/schema
	node vendor/backstage/extract.cjs vendor/backstage.tmp/package/dist/schema vendor/backstage/schema
	rm -rf vendor/backstage.tmp
	cd vendor/backstage && sha256sum -c --quiet SHA256SUMS

vendor: $(MERMAID)

map: $(VENV)/.installed $(MERMAID)
	$(BIN)/mkdocs build --strict

demo: $(VENV)/.installed $(MERMAID)
	$(BIN)/jimu catalog
	$(BIN)/jimu validate assemblies/
	$(BIN)/jimu graph assemblies/beijing/haidian_identity_screening.yaml
	$(BIN)/jimu run assemblies/beijing/haidian_identity_screening.yaml \
	    --record '{"resident_id": "11010519491231002X", "as_of": "2026-06-30", "card_number": "4111 1111 1111 1111"}'
	$(BIN)/jimu run assemblies/beijing/haidian_identity_screening.yaml --input assemblies/samples/screening_applicants.csv
	$(BIN)/jimu sample applicants --out out/applicants.csv
	$(BIN)/jimu run assemblies/zhejiang/hangzhou_pharmacy_merchant_loan.yaml --input out/applicants.csv
	$(BIN)/jimu demo --out out
	@# the capability map (site/): `jimu map build` prints where it is; `jimu map serve` serves it
	$(BIN)/jimu map build

test: $(VENV)/.installed $(TEST_PLUGINS)/.installed $(MERMAID)
	JIMU_TEST_PLUGINS=$(CURDIR)/$(TEST_PLUGINS) $(BIN)/python -m pytest

# Every bench/*.py script, each in its own process, into bench/RESULTS.md (see bench/README.md).
# The bench extra brings the peers Jimu is measured against (Hamilton, Dask) and the profiler.
$(VENV)/.bench-installed: $(VENV)/.installed pyproject.toml constraints.txt
	$(PIP) install -q -e '.[bench]'
	touch $@

bench: $(VENV)/.bench-installed
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
