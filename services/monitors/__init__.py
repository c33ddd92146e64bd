"""The monitors service: monitors as data, scheduled by nats-server, each slot submitted once."""
