# Install the hardened systemd service (included from the Makefile).
#   sudo make install-service                      install to /, create the user, enable it
#   make install-service SERVICE_PREFIX=/tmp/root  write under a staging root only
#   make install-service DRY_RUN=1                 show what would be written and run
# Run `make setup` as your own user first: this target never builds the venv as root.
SERVICE_PREFIX ?= /
SERVICE_CONFIG ?= config.yaml
DRY_RUN ?=

.PHONY: install-service

install-service:
	@test -x $(BIN)/assistant || { echo "install-service: $(BIN)/assistant is missing; run 'make setup' first (as your user)" >&2; exit 1; }
	$(BIN)/assistant --config $(SERVICE_CONFIG) install-service --prefix $(SERVICE_PREFIX) $(if $(DRY_RUN),--dry-run)
