"""Shared signal primitives: zero-phase filters, baseline models, stimulus-artifact location."""
