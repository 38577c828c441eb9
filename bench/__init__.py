"""Benchmarks (run as modules, e.g. ``python -m bench.licence_throughput``); not part of the
service and not run by the test suite."""
