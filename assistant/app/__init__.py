"""Wiring: builds the daemon from the config and serves it with signals and the button."""
