"""Benchmarks of the whole stack on this machine: `python -m bench` (or `make bench`).

Every scenario starts real processes (nats-server, the provider simulator, the services), drives
them through the public client, and measures from the outside: wall time, /proc CPU and memory
counters, stored cell timestamps. Results go to bench/results/*.json; docs/performance.md explains
the method and records the figures.
"""
