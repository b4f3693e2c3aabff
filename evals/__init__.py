"""Maintainers' eval suite: case files, evaluators, metrics and the report (`python -m evals.run`)."""
