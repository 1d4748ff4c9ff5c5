"""Tests of the benchmarks' pure parts (their measurements run with `make bench`)."""
