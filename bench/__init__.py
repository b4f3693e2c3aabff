"""Benchmarks: cold start, index build, warm latency, guard speed, memory and scaling (`python -m bench.run`)."""
