# LabelAssist — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

# Qt's runtime libraries (and Xvfb for screen checks) that fresh Debian/Ubuntu machines lack.
SYSTEM_PACKAGES := libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 \
	libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 \
	libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 fonts-dejavu-core

.PHONY: run test bench lint models system-deps venv clean package package-test

run: venv models
	$(PY) -m app $(ARGS)

test: system-deps venv models
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest $(PYTEST_ARGS)

bench: system-deps venv models
	QT_QPA_PLATFORM=offscreen $(PY) -m bench

lint: venv
	$(PY) -m ruff check app server tests bench
	$(PY) -m mypy app/models

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[server,test,dev]'
	touch $(STAMP)

models: venv
	@if [ -f server/models_fetch.py ]; then $(PY) -m server.models_fetch; fi

# ---- installable package (PyInstaller one-folder build; see README "Installable package") -----------------
PACKAGE_STAMP := $(VENV)/.package-installed
PACKAGE_EXE   := dist/labelassist/labelassist
PACKAGE_INPUTS := $(shell find app server resources build_spec -type f -not -name '*.pyc' 2>/dev/null) pyproject.toml

# Always a clean build: a stale PyInstaller work folder can carry modules that no longer exist.
package: system-deps venv models $(PACKAGE_STAMP)
	rm -rf build/labelassist dist/labelassist dist/LabelAssist.app
	$(PY) -m PyInstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build \
		build_spec/labelassist.spec

$(PACKAGE_STAMP): pyproject.toml $(STAMP)
	$(PY) -m pip install -q -e '.[package]'
	touch $(PACKAGE_STAMP)

$(PACKAGE_EXE): $(PACKAGE_INPUTS)
	$(MAKE) package

# Builds the package if it is missing or older than the sources, then runs it from a scratch home and cache,
# so it proves it carries everything (models included) and touches nothing of the user's.
package-test: $(PACKAGE_EXE)
	@scratch=$$(mktemp -d) && trap 'rm -rf "$$scratch"' EXIT && \
		env -u LABELASSIST_MODELS_DIR -u LABELASSIST_HOME HOME="$$scratch" XDG_CACHE_HOME="$$scratch/cache" \
			XDG_CONFIG_HOME="$$scratch/config" XDG_DATA_HOME="$$scratch/data" QT_QPA_PLATFORM=offscreen \
			$(PACKAGE_EXE) --self-test

# Installs only what is missing; needs root or sudo, and skips quietly where apt-get is absent.
system-deps:
	@if command -v dpkg-query >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then \
		missing=""; \
		for p in $(SYSTEM_PACKAGES); do \
			dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
		done; \
		if [ -n "$$missing" ]; then \
			echo "Installing system libraries:$$missing"; \
			SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
			$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
		fi; \
	fi

clean:
	rm -rf $(VENV) build dist *.egg-info
