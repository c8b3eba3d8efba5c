# LabelAssist — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

# The system libraries PySide6's Qt links against (readelf NEEDED of Qt/lib and of the xcb and wayland platform
# plugins, ldd-checked) that a fresh Debian/Ubuntu machine may lack, plus a font. Qt 6 dropped Xinerama, so no
# libxcb-xinerama0. libc6, libstdc++6, libgcc-s1, zlib1g and libzstd1 are there wherever apt is.
SYSTEM_PACKAGES := libegl1 libgl1 libglib2.0-0 libfontconfig1 libfreetype6 libdbus-1-3 libxkbcommon0 \
	libx11-6 libx11-xcb1 libxcb1 libxkbcommon-x11-0 libxcb-cursor0 libxcb-glx0 libxcb-icccm4 libxcb-image0 \
	libxcb-keysyms1 libxcb-randr0 libxcb-render0 libxcb-render-util0 libxcb-shape0 libxcb-shm0 libxcb-sync1 \
	libxcb-util1 libxcb-xfixes0 libxcb-xkb1 libwayland-client0 libwayland-cursor0 libwayland-egl1 \
	fonts-dejavu-core

# The ones not installed, from one dpkg-query (status "?i": installed, held or not); a name also counts as
# installed when an installed package provides it (Ubuntu 24.04 / Debian 13 ship libglib2.0-0 as libglib2.0-0t64).
# Make computes it, not the recipe, so `make -n run` shows the exact apt-get command; deferred (=) so only the
# targets that install pay for the query.
MISSING_SYSTEM_PACKAGES = $(shell command -v dpkg-query >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && \
	dpkg-query -W -f='$${db:Status-Abbrev}|$${Package}|$${Provides}\n' 2>/dev/null | \
	awk -F'|' -v want='$(SYSTEM_PACKAGES)' '$$1 ~ /^.i/ { have[$$2] = 1; n = split($$3, p, /, */); \
		for (i = 1; i <= n; i++) { sub(/ .*/, "", p[i]); have[p[i]] = 1 } } \
		END { n = split(want, w, " "); for (i = 1; i <= n; i++) if (!(w[i] in have)) printf "%s ", w[i] }')

# `make test` also needs a PostgreSQL server: the team-project tests start a throwaway one of their own. Missing
# when initdb is in none of the places tests/support/pg_cluster.py looks (pg_config's bindir, Debian's
# /usr/lib/postgresql/*/bin, PATH); the postgres binaries, not a dpkg name, say whether it can run.
MISSING_TEST_PACKAGES = $(shell command -v apt-get >/dev/null 2>&1 && ! { [ -x "$$(pg_config --bindir 2>/dev/null)/initdb" ] || \
	ls /usr/lib/postgresql/*/bin/initdb || command -v initdb; } >/dev/null 2>&1 && echo postgresql)

.PHONY: run test bench bench-peers soak lint models system-deps test-system-deps venv clean package package-test \
	interop-envs

run: system-deps venv models
	$(PY) -m app $(ARGS)

# LABELASSIST_REQUIRE_POSTGRES: where the server is missing the PostgreSQL tests fail instead of skipping.
test: test-system-deps venv models
	LABELASSIST_REQUIRE_POSTGRES=1 QT_QPA_PLATFORM=offscreen $(PY) -m pytest $(PYTEST_ARGS)

# The long runs of the fault tests that `make test` runs briefly: 100 seeded canvas fuzz runs (each a child
# process driving the real window), 300 key sequences of the assist state machine, and the fault suites
# (tests/faults): 200 kills of the app, 100 fuzzed images besides the bad-image corpus, every adapter's probe
# into the lying network too, 10,000 fuzzed bodies per parser. They end with a table of their figures.
SOAK_SIZES := CANVAS_FUZZ_RUNS=100 ASSIST_MACHINE_EXAMPLES=300 FAULT_KILLS=200 FAULT_FUZZED_IMAGES=100 \
	FAULT_NETWORK_PROBES=1 FAULT_FUZZ_BODIES=10000 FAULT_CONCURRENT=200
soak: system-deps venv models
	$(SOAK_SIZES) QT_QPA_PLATFORM=offscreen $(PY) -m pytest \
		tests/gui/test_canvas_crash.py tests/assist/test_tag_mapping_property.py tests/faults $(PYTEST_ARGS)

# Start-up is measured on a real X display (Xvfb) with a window manager, as the peer harness does. The code is
# compiled to bytecode first, as an install compiles it (and the peers' installs are): with
# PYTHONDONTWRITEBYTECODE set, every start would otherwise compile each module changed since the last run.
BYTECODE = $(PY) -m compileall -q app server
BENCH_PACKAGES := xvfb matchbox-window-manager
bench: test-system-deps venv models
	@$(call apt_install,$(shell for p in $(BENCH_PACKAGES); do dpkg-query -W -f='$${db:Status-Abbrev}' $$p 2>/dev/null | \
		grep -q '^.i' || echo $$p; done 2>/dev/null))
	$(BYTECODE)
	QT_QPA_PLATFORM=offscreen $(PY) -m bench

# ---- side by side with labelme, X-AnyLabeling and LabelImg (the shared peer harness; not part of make test) --
# The peers go into PEERS_ROOT (their own venvs, never ours); LabelAssist runs from this checkout's venv. One run
# of every tool and scenario, interleaved, then the table with our ratio to each peer. ~20-30 min on 2 cores.
PEER_BENCH  ?= ../shared/peer-bench
PEERS_ROOT  ?= $(HOME)/.cache/labelassist/peers
PEER_TOOLS  ?= labelme,xanylabeling,labelimg,ours
PEER_SCENES ?= start,dir2000,ann2000
PEER_RUNS   ?= 3

bench-peers: system-deps venv
	@if [ ! -f $(PEER_BENCH)/bench.py ]; then \
		echo "bench-peers: skipped, the shared peer harness is not at $(PEER_BENCH) (set PEER_BENCH=…)"; exit 0; fi; \
	set -e; export PEERS_ROOT=$(PEERS_ROOT); mkdir -p $$PEERS_ROOT; \
	[ -x $$PEERS_ROOT/venv-harness/bin/python ] && [ -x $$PEERS_ROOT/venv-labelimg/bin/python ] || \
		bash $(PEER_BENCH)/setup.sh $$PEERS_ROOT; \
	[ -d $$PEERS_ROOT/data/ann2000 ] || $$PEERS_ROOT/venv-harness/bin/python $(PEER_BENCH)/make_data.py; \
	ln -sfn $(CURDIR)/$(VENV) $$PEERS_ROOT/venv-ours; \
	$(BYTECODE); \
	out=$$PEERS_ROOT/results-$$(date +%Y%m%d-%H%M%S).jsonl; \
	$$PEERS_ROOT/venv-harness/bin/python $(PEER_BENCH)/bench.py --tools $(PEER_TOOLS) --scenarios $(PEER_SCENES) \
		--runs $(PEER_RUNS) --out $$out; \
	$(PY) -m bench.peer_table $$out --latest $(PEER_RUNS)

lint: venv
	$(PY) -m ruff check app server tests bench
	$(PY) -m mypy app/models app/assist app/document app/store app/segment server
	$(VENV)/bin/lint-imports

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[server,test,dev,cluster,bench]'
	touch $(STAMP)

# ---- interop: real third-party inference servers, each in a venv of its own (tests/interop) -----------------
# One venv per tests/interop/requirements/NAME.txt, outside the project (their pins never meet ours); its first
# line `# python: 3.X` names the interpreter. Rebuilt only when the requirements file changes (its hash is kept).
INTEROP_ROOT ?= $(or $(LABELASSIST_INTEROP_ROOT),$(HOME)/.cache/labelassist/interop)
INTEROP_ENVS ?= $(basename $(notdir $(wildcard tests/interop/requirements/*.txt)))
INTEROP_REQUIREMENTS := $(foreach name,$(INTEROP_ENVS),tests/interop/requirements/$(name).txt)

interop-envs:
	@failed=""; for req in $(INTEROP_REQUIREMENTS); do \
		name=$$(basename $$req .txt); dir="$(INTEROP_ROOT)/$$name"; \
		want=$$(sha256sum $$req | cut -d' ' -f1); \
		if [ "$$(cat $$dir/.installed 2>/dev/null)" = "$$want" ]; then continue; fi; \
		ver=$$(sed -n 's/^# python: *//p' $$req | head -1); \
		py=$$(ls $(HOME)/.pyenv/versions/$$ver.*/bin/python$$ver 2>/dev/null | tail -1); \
		py=$${py:-$$(command -v python$$ver)}; \
		if [ -z "$$py" ]; then echo "interop $$name: no python$$ver here, skipped"; continue; fi; \
		echo "interop $$name: installing into $$dir"; rm -rf $$dir; \
		$$py -m venv $$dir && $$dir/bin/pip install -q --upgrade pip && $$dir/bin/pip install -q -r $$req && \
			echo $$want > $$dir/.installed || { echo "interop $$name: install failed"; failed="$$failed $$name"; }; \
	done; [ -z "$$failed" ] || { echo "interop: failed to install:$$failed"; exit 1; }

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

# Installs only what is missing (every target that starts Qt needs it); needs root or sudo, and does nothing
# where apt-get or dpkg-query is absent. sudo resets the environment, hence `env DEBIAN_FRONTEND=...`.
system-deps:
	@$(call apt_install,$(strip $(MISSING_SYSTEM_PACKAGES)))

# The same plus the PostgreSQL server, in one apt-get run.
test-system-deps:
	@$(call apt_install,$(strip $(MISSING_SYSTEM_PACKAGES) $(MISSING_TEST_PACKAGES)))

apt_install = $(if $(1),echo "Installing system packages: $(1)" && SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo) && \
	$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(1),true)

clean:
	rm -rf $(VENV) build dist *.egg-info
