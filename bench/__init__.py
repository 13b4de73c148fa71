"""Benchmarks that print their figures. Run each as a module from the project root: ``python -m bench.engine``."""
