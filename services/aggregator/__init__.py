"""The aggregator: the flow of one result, module by module.

runs.py (run state) -> consume.py (fetch results and advisories) -> analyse.py (answers on the
analysis workers) -> store_once.py (create-only write per cell) -> progress.py (progress events)
-> judge.py (judge jobs for unsure verdicts; late_judgements.py stores those of a re-analysis,
rejudge.py sends them) -> end_run.py (ending a run: its ordering invariants) -> endpoints.py
(status, report, runs, reanalyze: reanalyze.py over stored_run.py); service.py wires them
(connect, consumers, endpoints, ticker).
"""
