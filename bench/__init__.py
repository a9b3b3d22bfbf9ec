"""Benchmarks of issue 3: availability latency and booking throughput (``python -m bench``).

Every figure is printed beside a limit measured in the same run on the same machine (raw SQL,
a trivial endpoint), so the ratios stay comparable across machines; see ``bench/README.md``.
"""
