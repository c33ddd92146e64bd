"""The dispatcher: validates diagnosis requests and publishes one job per cell."""
