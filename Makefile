# pgcitus.cluster: one entry point for setting up, testing and running the lab.
# Every target runs scripts/setup.sh first (idempotent: seconds when nothing changed).
SHELL := /bin/bash
VENV := $(CURDIR)/.venv
export PATH := $(VENV)/bin:$(PATH)
# The collections are this tree (setup links .cache/collections/ansible_collections/pgcitus/cluster to it) and those
# pip installed into the virtualenv; the virtualenv says where its site-packages are (no interpreter version here).
# Recursive (=), so that it is read after setup has created the virtualenv.
VENV_SITE = $(shell $(VENV)/bin/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))' 2>/dev/null)
export ANSIBLE_COLLECTIONS_PATH = $(CURDIR)/.cache/collections:$(VENV_SITE)
export ANSIBLE_FORCE_COLOR ?= 0
export PY_COLORS ?= 0
# The Citus package the tests and the lab install: CITUS_DEB=/path/to/postgresql-15-citus-13.2_*.deb when you give
# one; otherwise the emulator package that setup builds (setup writes the package it chose to .cache/citus-deb).
# Where CITUS_DEB came from is read once, before this file gives it a value (after that its origin is "file").
CITUS_DEB_ORIGIN := $(origin CITUS_DEB)
ifeq ($(CITUS_DEB_ORIGIN),undefined)
CITUS_DEB_GIVEN :=
CITUS_DEB = $(shell cat $(CURDIR)/.cache/citus-deb 2>/dev/null)
else
CITUS_DEB_GIVEN := $(CITUS_DEB)
endif
export CITUS_DEB
# The older package the upgrade scenario starts from: the 13.1 emulator package setup builds (.cache/citus-deb-old),
# none when CITUS_DEB is given (then the scenario's old state is an extension version, see molecule/upgrade).
ifeq ($(CITUS_DEB_ORIGIN),undefined)
CITUS_DEB_OLD ?= $(shell cat $(CURDIR)/.cache/citus-deb-old 2>/dev/null)
else
CITUS_DEB_OLD ?=
endif
export CITUS_DEB_OLD
SCENARIOS ?= $(notdir $(patsubst %/molecule.yml,%,$(wildcard molecule/*/molecule.yml)))

.PHONY: help setup test lint pytest unit contract integration molecule build lab lab-down bench clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

setup:  ## Install what the tests need (apt packages, Docker daemon, test image, .venv, Citus package)
	CITUS_DEB="$(CITUS_DEB_GIVEN)" bash scripts/setup.sh

test: setup  ## Everything CI runs: lint, Python tests (unit, contract, modules), every Molecule scenario
	$(MAKE) --no-print-directory lint pytest molecule

# ansible-lint runs with ANSIBLE_HOME inside the checkout: it reads $ANSIBLE_HOME/collections before
# ANSIBLE_COLLECTIONS_PATH, and a copy of this collection installed there (by a Molecule prerun, or by hand) would
# hide the checkout's new roles and playbooks.
lint:  ## ruff, ansible-lint (production profile), and a collection build
	ruff check .
	ANSIBLE_HOME=$(CURDIR)/.cache/ansible-home ansible-lint
	$(MAKE) --no-print-directory build

pytest:  ## Unit, emulator contract and module tests (psycopg2), then the module tests again on psycopg 3
	pytest
	PGCITUS_TEST_DRIVER=psycopg pytest tests/integration

unit:  ## Unit tests only (no server)
	pytest tests/unit

contract:  ## Citus API contract tests (emulator by default, or CITUS_TEST_COORDINATOR/_WORKERS)
	pytest tests/contract

integration:  ## Module tests against local PostgreSQL servers with the Citus API
	pytest tests/integration

molecule:  ## Every Molecule scenario, MOLECULE_JOBS (default 2) at a time (SCENARIOS="default" to pick)
	bash scripts/molecule.sh $(SCENARIOS)

build:  ## Build the collection tarball into .cache/dist
	ansible-galaxy collection build --force --output-path .cache/dist .

lab: setup  ## Bring up the classic lab (coordinator + two workers) as local containers
	bash scripts/lab.sh up

lab-down:  ## Remove the lab containers
	bash scripts/lab.sh down

bench: setup  ## Time site.yml (cold, rerun, 100 tables, 6 workers) against a reference script (medians, ratios)
	bash scripts/bench.sh

clean:  ## Remove the virtualenv, caches and built packages (keeps Docker images)
	rm -rf .venv .cache .pytest_cache .ruff_cache
