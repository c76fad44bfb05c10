"""Default limits for running submission code (kept free of heavy imports for the CLI)."""

DEFAULT_MEMORY_MB = 8192  # address-space cap of a sandbox process
