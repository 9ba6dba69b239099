# Every target sets up .venv itself: a fresh machine needs only python3 and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install test scenario docs bench certs clean

install: $(STAMP)

# Re-installs only when pyproject.toml changes, so repeated `make test` is quick.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,docs]'
	touch $(STAMP)

test: install
	$(BIN)/python -m pytest -n auto

# Every built-in scenario (src/hecharness/scenarios/, in parallel), or one: make scenario NAME=long-outage (names, file stems or patterns).
scenario: install
	$(BIN)/hecharness scenario run $(NAME)

# The collector benchmark drives its servers with wrk, and the live page's with Debian's Chromium: installed here if missing.
bench: install
	@command -v wrk >/dev/null 2>&1 && command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get install -y wrk chromium chromium-driver || { apt-get update && apt-get install -y wrk chromium chromium-driver; }; \
	  else \
	    echo "wrk or chromium is missing: install them (Debian/Ubuntu: sudo apt-get install wrk chromium chromium-driver), then run make bench again" >&2; \
	    exit 1; \
	  fi; }
	$(BIN)/python bench/run.py $(NAME)

certs: install
	$(BIN)/hecharness certs --out certs

# The documentation site (docs/, mkdocs.yml) into site/; --strict turns a broken link into a failure.
# Nothing is downloaded at build time (no social cards or other fetching plugins).
docs: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

clean:
	rm -rf $(VENV) build dist site src/*.egg-info .pytest_cache scenario-results bench/out
