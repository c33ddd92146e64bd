"""Fixtures of the pipeline tests."""

# The judge's stack and judged run, shared by test_judge.py and test_rejudge.py (one stack per module).
from tests.pipeline.judge_stack import judge_stack, judged  # noqa: F401 - fixtures are found by name

