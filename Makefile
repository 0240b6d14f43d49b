# Argus: the two commands are `make run` and `make test`. Everything else is a step of those.
#
# Heavy artefacts live outside the repository, keyed by checksum:
#   ~/.cache/argus/venv     Python venv (ONNX Runtime library, model converters, test references)
#   ~/.cache/argus/dl       registry packages the models come from
#   ~/.cache/argus/models   converted ONNX models and the Burn weights made from them (ARGUS_MODELS_DIR)
#   ~/.cache/argus/photos   test photos (ARGUS_PHOTOS_DIR)
#   ~/.cache/argus/tfjs     TensorFlow.js, the reference runtime of the TF.js model tests (npm installs it)
#   ~/.cache/argus/target   the test suite's Cargo build directory (TEST_TARGET_DIR): compiled
#                           dependencies are reused by the next `make test` of any checkout; a cold
#                           one builds them all. `make run` builds into ./target as `cargo build` does.

SHELL := /bin/bash
ARGUS_CACHE ?= $(HOME)/.cache/argus
VENV ?= $(ARGUS_CACHE)/venv
PYTHON := $(VENV)/bin/python
export ARGUS_MODELS_DIR ?= $(ARGUS_CACHE)/models
export ARGUS_PHOTOS_DIR ?= $(ARGUS_CACHE)/photos
TEST_TARGET_DIR ?= $(ARGUS_CACHE)/target
CARGO ?= cargo

.PHONY: run test setup system-deps venv models build build-release lint test-rust test-python ptx-check bench clean-cache

## run: install what is missing, fetch and convert the models, build, serve the API on port 5000
run: setup models build-release
	ARGUS_MODELS_DIR="$(ARGUS_MODELS_DIR)" ./target/release/argus serve

## test: the whole test suite (Rust unit, integration and end-to-end tests, GPU kernels on Mesa's software Vulkan,
## model converter tests, lints, the kernels' CUDA C through NVRTC and ptxas)
test: setup models lint test-rust test-python ptx-check

setup: system-deps venv

system-deps:
	@bash scripts/system-deps.sh

venv:
	@bash scripts/venv.sh "$(VENV)" models/requirements.txt

# The ONNX files and test photos, then the burnpack weights of the networks the Burn backends run. The tool is
# built with the workspace's features (--workspace), so `build` reuses what it compiled.
models: venv
	@$(PYTHON) models/build.py --models-dir "$(ARGUS_MODELS_DIR)" --photos-dir "$(ARGUS_PHOTOS_DIR)"
	@CARGO_TARGET_DIR="$(TEST_TARGET_DIR)" $(CARGO) build -q --workspace --bin argus-burnpack
	@"$(TEST_TARGET_DIR)/debug/argus-burnpack" "$(ARGUS_MODELS_DIR)"

build:
	CARGO_TARGET_DIR="$(TEST_TARGET_DIR)" $(CARGO) build --workspace --all-targets

build-release:
	$(CARGO) build --release -p argus-server --bin argus

lint:
	$(CARGO) fmt --all -- --check
	CARGO_TARGET_DIR="$(TEST_TARGET_DIR)" $(CARGO) clippy --workspace --all-targets -- -D warnings

# GPU tests run on lavapipe (installed by system-deps); a missing Vulkan device fails them instead of skipping.
test-rust: build
	ARGUS_REQUIRE_GPU_TESTS=1 ARGUS_BIN="$(TEST_TARGET_DIR)/debug/argus" CARGO_TARGET_DIR="$(TEST_TARGET_DIR)" \
		$(CARGO) test --workspace

test-python: venv
	$(PYTHON) -m pytest -q models/tests

## ptx-check: every kernel's CUDA C compiled by NVRTC to sm_90 PTX and assembled by ptxas (table in kernels/README.md)
ptx-check: venv
	VENV="$(VENV)" CARGO_TARGET_DIR="$(TEST_TARGET_DIR)" bash kernels/ptx-check.sh

## bench: the system benchmarks; tables go under bench/results/
bench: setup models
	bash bench/pipeline/run.sh
	bash bench/pipeline/estimators.sh
	bash bench/index/run.sh

clean-cache:
	rm -rf "$(ARGUS_CACHE)"
