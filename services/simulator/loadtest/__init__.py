"""Throughput load test for the simulator (`python -m services.simulator.loadtest`)."""
