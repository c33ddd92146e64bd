"""Monitors: a diagnosis on a schedule (spec, slots) and its history (trends, alerts)."""
