"""The aggregator: stores each cell once, publishes progress, ends runs and builds reports."""
