"""Eval suites: question sets, metrics, the runner and its reports."""
