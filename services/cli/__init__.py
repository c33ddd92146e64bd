"""The `brandlens` command line."""
