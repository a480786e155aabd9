"""Quantitative needle EMG analysis: preprocessing, spontaneous activity, decomposition, MUAP measures,
recruitment, interference pattern and per-muscle classification."""
