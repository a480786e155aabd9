"""Spontaneous needle-EMG activity at rest: detection, grouping into generators, typing and grading.

Fibrillation potentials, positive sharp waves, fasciculations, myotonic, complex repetitive and myokymic
discharges and end-plate activity (noise and spikes) are told apart by transparent rules on the shape of
each generator's median potential and on its firing pattern (clinical.md §3.1), not by a fitted model:

* :mod:`.detect` — candidate potentials above a robust threshold from the quiet baseline;
* :mod:`.trains` — template-matching grouping into generators, time-locked peaks, size classes of one
  generator, firing-pattern features, interval-based split of interleaved regular fibres;
* :mod:`.assign` — second pass: left-over candidates matched to the trains' templates, and peel-off (the
  trains' potentials subtracted, candidates of the residual matched) for discharges hidden by overlaps;
  last, overlapped fibre discharges matched on their spike alone on the residual of the final trains;
* :mod:`.mepp` — in the end-plate zone, miniature end-plate potentials (end-plate noise) below the blind
  threshold, by a Wiener-sharpened matched filter for their alpha-function shape, and those hidden next to
  larger ones by a detect–subtract–detect pass;
* :mod:`.features` — initial polarity, spike and slow-phase widths, amplitude, duration, rise time;
* :mod:`.classify` — the typing rules; :mod:`.grade` — 0–4+ grades; :mod:`.result` — result records;
* :mod:`.analyze` — :func:`analyze_spontaneous` and :func:`merge_spontaneous`.
"""

from edxkit.emg.spontaneous.analyze import analyze_spontaneous, merge_spontaneous
from edxkit.emg.spontaneous.result import SpontaneousResult, SpontaneousTrain

__all__ = ["SpontaneousResult", "SpontaneousTrain", "analyze_spontaneous", "merge_spontaneous"]
