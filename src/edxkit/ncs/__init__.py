"""Nerve-conduction analysis: markers on evoked sweeps (onset, peak, amplitude, duration, area)."""

from edxkit.ncs.markers import SweepMarkers, measure_sweep

__all__ = ["SweepMarkers", "measure_sweep"]
