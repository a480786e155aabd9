"""Simulators with ground truth: needle EMG and nerve conduction."""
