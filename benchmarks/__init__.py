"""Benchmarks and studies of sklearn-irnet: ``python -m benchmarks list`` names the studies
that the runner (``benchmarks/__main__.py``) runs; the other scripts measure speed."""
