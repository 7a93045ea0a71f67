"""Network clients, used only when a network feature is configured (all are off by default)."""
