"""Settings: the frozen dataclasses, loading and validating config.yaml, reloads."""
