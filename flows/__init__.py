"""Prefect flows: each wires library functions from evwatch into tasks, nothing more."""
