# The two commands in the README: `make demo` and `make test`. Both install what they need.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# Let Python cache compiled modules (some machines set PYTHONDONTWRITEBYTECODE=1 globally). uv installs
# without bytecode, so on a fresh clone every process (each test worker, each `safeguard` the CLI tests
# start, LocalStack) compiled boto3, moto and the rest again: ~1.5 s more per interpreter start.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: install demo test test-unit test-functional test-integration test-localstack bench soak lint schemas openapi fhir-package models clean

$(STAMP): pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found: install Python 3.11 or run make PYTHON=python3"; exit 2; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	bash tools/pip-install.sh $(PY) -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/safeguard demo

# Everything on the embedded emulator and, alongside it, the end-to-end HTTP tests (marker localstack) again on
# LocalStack (host mode), which starts once its venv is installed; checkov's venv and the browser install in
# the background meanwhile (tools/run-tests.sh).
test: $(STAMP)
	bash tools/run-tests.sh

test-unit: $(STAMP)
	$(PY) -m pytest -q tests/unit

test-functional: $(STAMP)
	$(PY) -m pytest -q tests/functional

test-integration: $(STAMP)
	$(PY) -m pytest -q tests/integration

test-localstack: $(STAMP)
	bash infra/localstack/run.sh -- $(PY) -m pytest -q -p no:cacheprovider -m localstack tests/integration

bench: $(STAMP)
	$(PY) bench/run.py

soak: $(STAMP)
	SOAK=1 $(PY) -m pytest -q tests/reliability

lint: $(STAMP)
	$(VENV)/bin/cfn-lint template.yaml

schemas: $(STAMP)
	$(PY) -m hub.core.validation.schema_export schemas/

# writes schemas/openapi.json and the copy GET /openapi.json serves (functions/hub/data/openapi.json)
openapi: $(STAMP)
	$(PY) tools/export_openapi.py

# writes the conformance resources GET /metadata and GET /<Type>/<id> serve (functions/hub/data/fhir) and the
# FHIR package schemas/fhir/package.tgz (tests/unit/test_fhir_package.py fails when either is stale)
fhir-package: $(STAMP)
	$(PY) tools/build_fhir_package.py

models: $(STAMP)
	$(PY) tools/codegen_models.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .local .localstack
