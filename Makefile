# The two commands of the README: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
INSTALLED := $(VENV)/.installed

.PHONY: run test install lint migrate demo bench loadtest clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the dependencies change.
$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# Front-end packages (served by the app) and ical.js (used by the tests), from package-lock.json.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Browser tests drive Debian's Chromium; Playwright's own browser download is blocked here.
/usr/bin/chromium:
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

# The feed tests also read feeds with libical (Evolution's parser), through Debian's own Python.
LIBICAL := /usr/lib/$(shell uname -m)-linux-gnu/girepository-1.0/ICalGLib-3.0.typelib
$(LIBICAL):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-gi gir1.2-ical-3.0 >/dev/null

# The briefing book (WeasyPrint) lays text out with Pango and prints Chinese in Noto Sans CJK.
PANGO := /usr/lib/$(shell uname -m)-linux-gnu/libpango-1.0.so.0
CJK_FONT := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
$(PANGO) $(CJK_FONT):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk >/dev/null

install: $(INSTALLED) node_modules/.package-lock.json $(PANGO) $(CJK_FONT)

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py load_demo_missions --demo-user

# Feeds carry absolute links built from SITE_URL (pages use the address they were reached at):
# unless it is set, it follows PORT. A task worker runs beside the server (notices to delegates are
# sent by it), and e-mail goes to files in MAIL_DIR. Ctrl+C reaches both: the worker finishes the
# task in hand and the shell waits for it; if the server stops otherwise, the worker is sent TERM,
# which it handles the same way. The worker runs without the autoreloader (--no-reload), whose
# parent process would take that TERM and cut the task off: restart make run after changing a task.
MAIL_DIR ?= var/mail
RUN_ENV = SITE_URL="$${SITE_URL:-http://127.0.0.1:$(PORT)}" TASKS_BACKEND=database \
	DJANGO_EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend \
	DJANGO_EMAIL_FILE_PATH="$(abspath $(MAIL_DIR))"
run: demo
	@mkdir -p $(MAIL_DIR)
	@echo ""
	@echo "Mission Planner: open http://127.0.0.1:$(PORT)/ (administration at http://127.0.0.1:$(PORT)/admin/)"
	@echo "Background tasks: manage.py db_worker runs beside the server; Ctrl+C stops both."
	@echo "E-mail to delegates is not sent: each message is a file in $(abspath $(MAIL_DIR))/"
	@echo ""
	@$(RUN_ENV) $(BIN)/python manage.py db_worker --no-reload & worker=$$!; \
	stop_worker="kill $$worker"; \
	trap '$$stop_worker 2>/dev/null; wait $$worker' EXIT; \
	trap 'stop_worker=true; exit 130' INT; \
	trap 'exit 143' TERM; \
	$(RUN_ENV) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

# pytest exits 5 when it collected no test; make treats any non-zero exit as failure, so a run that
# tests nothing never passes.
test: lint /usr/bin/chromium $(LIBICAL)
	$(BIN)/python -m pytest

# Speed against the floors on a generated 1,000-meeting mission; the last line is JSON.
bench: install
	$(BIN)/python bench/feeds.py

# gunicorn on PostgreSQL with the large mission, driven by wrk on loopback (about 90 seconds).
loadtest: install
	bash bench/loadtest.sh

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
