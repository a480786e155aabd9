"""Decomposition of needle EMG at low/moderate effort into motor units (detection, clustering, template
matching with resolution of superimposed discharges), and the merging of consecutive analysis windows."""

from edxkit.emg.decompose.merge import merge_decompositions
from edxkit.emg.decompose.pipeline import decompose
from edxkit.emg.decompose.result import DecomposedUnit, Decomposition, firing_stats

__all__ = ["DecomposedUnit", "Decomposition", "decompose", "firing_stats", "merge_decompositions"]
