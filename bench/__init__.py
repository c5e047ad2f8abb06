"""Benchmarks of Eva against stock Rasa 3.6, measured in the same run (issue #8).

`python -m bench` runs every benchmark for our stack and for the baseline (stock
`rasa init` pipeline and policies, stock Redis stores, stock `rasa run`, trained on our
data) and writes docs/benchmarks.md and docs/img/bench-latency.png. `python -m bench
--quick` is the smoke test: our stack only, a few numbers, well under three minutes.
See bench/README.md.
"""
