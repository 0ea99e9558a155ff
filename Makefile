# The two commands: `make demo` and `make test`. Everything else supports them.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DEMO := DJANGO_SETTINGS_MODULE=config.settings.demo
HOST ?= 127.0.0.1:8000
PRODUCTION := DJANGO_SETTINGS_MODULE=config.settings.production
# gunicorn's sync workers wait on PostgreSQL for much of a request, so two per core keep the cores busy (and one
# spare): gunicorn's own rule, 2 x cores + 1. Each worker serves one request at a time, a long download included.
WORKERS ?= $(shell echo $$((2 * $$(nproc 2>/dev/null || echo 1) + 1)))
# Seconds a worker may spend on one request: above the largest download (docs/deployment.md).
WORKER_TIMEOUT ?= 300

.PHONY: install demo demo-data serve test lint bench loadtest extract-bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

## Migrate, load the Baghouz demo (and the workbench's article), create the demo accounts, and serve on http://$(HOST)
demo: demo-data
	$(DEMO) $(BIN)/python manage.py runserver $(HOST)

demo-data: install
	$(DEMO) $(BIN)/python manage.py migrate --noinput
	$(DEMO) $(BIN)/python manage.py loaddata reference demo_baghouz demo_workbench
	$(DEMO) $(BIN)/python manage.py sign_sources
	$(DEMO) $(BIN)/python manage.py create_demo_accounts --url http://$(HOST)/admin/
	$(DEMO) $(BIN)/python manage.py create_api_key --client "Demo NGO" --user demo_admin --replace --url http://$(HOST)/api/v1/ \
		--follow 'displacement-figures?country=SYR'

## Production (docs/deployment.md): migrate, collect static files, and serve with gunicorn on http://$(HOST)
## behind an HTTPS proxy. Reads SECRET_KEY (required), DATABASE_URL, ALLOWED_HOSTS and the rest from the environment.
serve: install
	@test -n "$$SECRET_KEY" || { echo "make serve: set SECRET_KEY (and DATABASE_URL, ALLOWED_HOSTS): docs/deployment.md" >&2; exit 1; }
	$(PRODUCTION) $(BIN)/python manage.py migrate --noinput
	$(PRODUCTION) $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(PRODUCTION) $(BIN)/python manage.py check --deploy --fail-level ERROR
	$(PRODUCTION) exec $(BIN)/gunicorn config.wsgi:application --bind $(HOST) --workers $(WORKERS) \
		--timeout $(WORKER_TIMEOUT) --access-logfile -

## The whole suite, in parallel, on SQLite (or on PostgreSQL when DATABASE_URL says so)
test: install
	$(BIN)/ruff check .
	$(BIN)/pytest -n 2

## 100,000 and a million synthetic records on PostgreSQL, each measured against PostgreSQL's own limits, side by
## side with their growth (bench/results/latest.md)
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/tracker_bench
BENCH_SMALL_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/tracker_bench_100k
bench: install
	BENCH_DATABASE_URL=$(BENCH_SMALL_DATABASE_URL) $(BIN)/python -u bench/run.py --figures 100000
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -u bench/run.py

## Many clients at once on the million records: 1, 10 and 50 clients for 60 s each beside the server's static
## ceiling, repeated pages beside the same bytes as static files, the same levels with a read replica (a dedicated
## primary and its streaming replica from .ci/replica.sh, given a copy of the data; skipped, and said, without
## PostgreSQL's server binaries), what clients get while that primary stops for 10 s, and commit c4414eb under the
## same load. LOADTEST_ARGS adds options, e.g. LOADTEST_ARGS="--skip replica,restart" (bench/loadtest.py).
LOADTEST_ARGS ?=
loadtest: install
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -u bench/loadtest.py $(LOADTEST_ARGS)

## The extraction assistant scored on tests/extraction/corpus/: recall, precision, term, place, dates, attribution
## and time per article, dev/ and heldout/ apart, beside the goals (bench/results/extract.md)
extract-bench: install
	$(BIN)/python -u bench/extract.py

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) db.sqlite3* artifacts .pytest_cache
