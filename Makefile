# OpenLot. `make run` serves the demo; `make test` runs every test on SQLite and PostgreSQL.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help setup run serve manage test test-sqlite test-postgres lint screenshots clean bench-gates \
	bench-kiosk bench-nearby bench-vacancy soak messages makemessages

help:
	@echo "make run    set everything up, load the demo and serve on http://$(HOST):$(PORT)/"
	@echo "make test   set everything up and run all tests on SQLite, then on PostgreSQL"
	@echo "make serve  production mode: gunicorn on PostgreSQL, hashed static files"
	@echo "make manage ARGS='create_lot ...'  a manage.py command on make serve's database"
	@echo "make screenshots  run the kiosk browser tests and save each step in docs/screenshots/"
	@echo "make makemessages  after changing text people read: update locale/ (needs gettext)"

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

setup: $(VENV)/.installed messages
	$(PY) manage.py migrate --noinput

# The translations (locale/*/LC_MESSAGES/django.po) compiled for Django, when they change.
# Pure Python (scripts/compile_messages.py): running OpenLot needs no GNU gettext.
PO_FILES := $(wildcard locale/*/LC_MESSAGES/*.po)
MO_FILES := $(PO_FILES:.po=.mo)
messages: $(MO_FILES)

locale/%.mo: locale/%.po scripts/compile_messages.py
	$(PYTHON) scripts/compile_messages.py $<

# After changing user-facing text: collect it into every catalogue under locale/ (needs
# GNU gettext's xgettext), translate what is new, then `make messages` (or any target that
# sets up) compiles them. tests/test_i18n_catalogues.py runs this very target.
LOCALES := $(notdir $(wildcard locale/*))
MAKEMESSAGES_IGNORE := .venv tests benchmarks docs data scripts staticfiles media
makemessages:
	$(PY) manage.py makemessages $(addprefix --locale ,$(LOCALES)) --no-obsolete \
		--add-location file $(addprefix --ignore ,$(MAKEMESSAGES_IGNORE))

run: setup
	$(PY) manage.py seed_demo --url http://$(HOST):$(PORT)
	$(PY) manage.py runserver $(HOST):$(PORT)

# Production mode on this machine: gunicorn, PostgreSQL, DEBUG off, whitenoise with
# hashed file names. What the environment or .env sets is used; for the rest, a trial
# on localhost (plain HTTP, so no HTTPS redirect; behind a TLS proxy leave
# SECURE_SSL_REDIRECT at its default, on): scripts/serve_env.py. See docs/deploy.md.
SERVE = $(PY) scripts/serve_env.py $(HOST):$(PORT)

.secret_key:
	$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@
	chmod 600 $@

serve: $(VENV)/.installed .secret_key messages
	$(SERVE) $(PY) scripts/ensure_database.py
	$(SERVE) $(PY) manage.py migrate --noinput
	$(SERVE) $(PY) manage.py collectstatic --noinput --verbosity 0
	$(SERVE) $(VENV)/bin/gunicorn -c config/gunicorn.conf.py config.wsgi

# A management command on the database and settings `make serve` uses (its trial
# defaults included): make manage ARGS='create_gate --lot 4 --direction entry --name North'
manage: $(VENV)/.installed .secret_key
	$(SERVE) $(PY) manage.py $(ARGS)

lint: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	DATABASE_URL= $(PY) manage.py makemigrations --check --dry-run

test: lint test-sqlite test-postgres

test-sqlite: $(VENV)/.installed messages
	DATABASE_URL= $(PY) -m pytest

# PostgreSQL when reachable (DATABASE_URL, else 127.0.0.1:5432 as postgres); required in CI.
test-postgres: $(VENV)/.installed messages
	@url=$$($(PY) scripts/find_postgres.py) ; \
	if [ -n "$$url" ]; then \
		echo "== PostgreSQL: $$url" ; DATABASE_URL=$$url $(PY) -m pytest ; \
	elif [ "$$CI" = "true" ]; then \
		echo "PostgreSQL is required in CI (CI=true) and is not reachable." ; exit 1 ; \
	else \
		echo "== PostgreSQL not reachable: its run is skipped (CI=true makes this an error)" ; \
	fi

# 20,000 entry/exit cycles through gunicorn on PostgreSQL (SOAK_CYCLES to change).
soak: $(VENV)/.installed messages
	@url=$$($(PY) scripts/find_postgres.py) && DATABASE_URL=$$url $(PY) -m pytest -m soak -s

# Benchmarks (not part of `make test`): results in benchmarks/results/, summary in
# docs/performance.md.
bench-gates: $(VENV)/.installed
	$(PY) -m benchmarks.gates

bench-kiosk: $(VENV)/.installed
	$(PY) -m benchmarks.kiosk

# The README's pictures: the browser tests save them under docs/screenshots/.
screenshots: $(VENV)/.installed messages
	SCREENSHOTS=1 DATABASE_URL= $(PY) -m pytest -m browser

# Nearby search over 1,000,000 synthetic lots, PostgreSQL and SQLite, next to brute force
# and PostGIS (installed by the script for this baseline only). BENCH_DATABASE_URL names
# the PostgreSQL server; the data (built once, several minutes) stays for the next runs.
bench-nearby: $(VENV)/.installed
	$(PY) -m benchmarks.nearby

bench-vacancy: $(VENV)/.installed
	$(PY) -m benchmarks.vacancy

clean:
	rm -rf $(VENV) db.sqlite3* .test-db.sqlite3* media staticfiles .pytest_cache $(MO_FILES)
