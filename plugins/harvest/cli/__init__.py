"""The `harvest` command: one module per group of sub-commands."""
