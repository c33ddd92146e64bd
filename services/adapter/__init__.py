"""The adapter: one process per model, consuming that model's jobs on one long-lived loop."""
