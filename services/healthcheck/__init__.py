"""Container health checks: is a named brandlens service answering `$SRV.PING`?"""
