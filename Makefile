# soccer-lstm: the staged pipeline as real file targets.
# A finished stage is skipped; a changed clip or parameter rebuilds what depends on it.
# Every stage also caches per clip, so a rebuild only redoes the clips that changed.

PY       ?= python3
VENV     ?= .venv
BIN      := $(VENV)/bin
CLI      := $(BIN)/soccer-lstm
DATA     ?= data/demo
OUT      ?= out
FEATURES ?= bow+motion
K        ?= 200
SEED     ?= 0
SEEDS    ?= 0
N_JOBS   ?= 2
FOLDS    ?= 3
EXTRACT_OPTS ?=
TRAIN_OPTS   ?=
CLIPS_PER_CLASS ?= 25
PAPER    ?= experiments/paper.toml

.DEFAULT_GOAL := help
.PHONY: help install demo extract codebook encode train evaluate score reproduce test bench clean FORCE

help: ## Show the targets and the variables they take
	@echo "Usage: make TARGET [DATA=folder-per-class] [OUT=artifact-dir] [FEATURES=bow+motion (any + of bow,motion,hof,mbh,hog)] [K=200] [SEED=0]"
	@echo "       also: SEEDS=0 (evaluate, reproduce: e.g. 0,1,2)  FOLDS=3  N_JOBS=2  EXTRACT_OPTS=  TRAIN_OPTS="
	@echo "             CLIPS_PER_CLASS=25 (demo)  PAPER=experiments/paper.toml (reproduce)  MODEL=OUT/model (score)"
	@echo
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: setup.cfg setup.py
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(VENV)/.installed ## Create .venv and install the package with its dev extra

# Parameters of each stage live in a small stamp file that changes only when they do, so that
# `make K=400 evaluate` rebuilds the codebook and what follows, and nothing else.
EXTRACT_PARAMS  := $(EXTRACT_OPTS)
CODEBOOK_PARAMS := -k $(K) --seed $(SEED)
ENCODE_PARAMS   := --features $(FEATURES)
TRAIN_PARAMS    := --seed $(SEED) $(TRAIN_OPTS)
EVALUATE_PARAMS := $(CODEBOOK_PARAMS) $(ENCODE_PARAMS) --folds $(FOLDS) --seeds $(SEEDS) $(TRAIN_OPTS)
$(OUT)/.params/%: FORCE
	@mkdir -p $(@D); printf '%s\n' '$($(shell echo $* | tr a-z A-Z)_PARAMS)' | cmp -s - $@ || printf '%s\n' '$($(shell echo $* | tr a-z A-Z)_PARAMS)' > $@

# The clips are a prerequisite without listing them (paths may hold spaces): extract re-runs when
# any file under DATA is newer than the last index; unchanged clips are then skipped by fingerprint.
DATA_CHANGED := $(shell [ -f '$(OUT)/features/index.json' ] && find '$(DATA)' -newer '$(OUT)/features/index.json' -print -quit 2>/dev/null)

$(OUT)/features/index.json: $(OUT)/.params/extract $(if $(DATA_CHANGED),FORCE) | $(VENV)/.installed
	$(CLI) extract '$(DATA)' -o '$(OUT)/features' --n-jobs $(N_JOBS) $(EXTRACT_PARAMS)
	@touch '$@'

$(OUT)/codebook.npz: $(OUT)/features/index.json $(OUT)/.params/codebook
	$(CLI) codebook '$(OUT)/features' -o '$@' $(CODEBOOK_PARAMS)
	@touch '$@'

$(OUT)/sequences/index.json: $(OUT)/features/index.json $(OUT)/codebook.npz $(OUT)/.params/encode
	$(CLI) encode '$(OUT)/features' --codebook '$(OUT)/codebook.npz' -o '$(OUT)/sequences' $(ENCODE_PARAMS)
	@touch '$@'

$(OUT)/model/pipeline.json: $(OUT)/sequences/index.json $(OUT)/.params/train
	$(CLI) train '$(OUT)/sequences' -o '$(OUT)/model' $(TRAIN_PARAMS)
	@touch '$@'

$(OUT)/eval/metrics.json: $(OUT)/features/index.json $(OUT)/.params/evaluate
	$(CLI) evaluate '$(OUT)/features' -o '$(OUT)/eval' --n-jobs $(N_JOBS) $(EVALUATE_PARAMS)
	@touch '$@'

extract: $(OUT)/features/index.json ## Per-frame SIFT of every clip in DATA -> OUT/features
codebook: $(OUT)/codebook.npz ## k-means visual vocabulary (K words) -> OUT/codebook.npz
encode: $(OUT)/sequences/index.json ## One vector per frame (FEATURES) -> OUT/sequences
train: $(OUT)/model/pipeline.json ## Train the LSTM -> OUT/model
evaluate: $(OUT)/eval/metrics.json ## k-fold cross-validation (FOLDS, SEEDS) -> OUT/eval/metrics.json

# Held-out scoring of a trained model: DATA must be clips the model was not trained on.
MODEL ?= $(OUT)/model
score: $(VENV)/.installed ## Score MODEL (default OUT/model) on the labelled DATA -> OUT/score (metrics.json, confusion.png)
	$(CLI) score --model '$(MODEL)' '$(DATA)' -o '$(OUT)/score'

data/demo/.complete: | $(VENV)/.installed
	$(CLI) synth --out data/demo --clips-per-class $(CLIPS_PER_CLASS) --seed 0
	@touch $@

demo: $(VENV)/.installed data/demo/.complete ## Render the built-in soccer set and reproduce the paper's table on it
	$(CLI) reproduce $(PAPER) --data data/demo --out out/demo --seeds $(SEEDS) --n-jobs $(N_JOBS)

reproduce: $(VENV)/.installed ## The paper's results table on DATA -> OUT/reproduce (report.md, PNGs)
	$(CLI) reproduce $(PAPER) --data '$(DATA)' --out '$(OUT)/reproduce' --seeds $(SEEDS) --n-jobs $(N_JOBS)

test: $(VENV)/.installed ## Run the whole test suite (offline, generated clips)
	$(BIN)/python -m pytest -q

bench: $(VENV)/.installed ## Speed ratios against bare OpenCV -> benchmarks/results.json
	$(BIN)/python benchmarks/run.py

clean: ## Remove OUT (artifacts); keeps .venv and data
	rm -rf '$(OUT)'
