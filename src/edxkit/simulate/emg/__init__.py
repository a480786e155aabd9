"""Concentric-needle EMG simulator with exact ground truth.

A physiologically grounded generator for the accuracy tests of the EMG analysis: a motor-unit pool for a named
muscle (:mod:`.pool`, :mod:`.params`), single-fibre potentials from a line-source model in an anisotropic
volume
conductor recorded by a concentric needle (:mod:`.conductor`, :mod:`.bank`), MUAPs summed from fibres with
end-plate scatter, branch delays, jitter and blocking (:mod:`.muap`), recruitment and rate coding
(:mod:`.firing`, :mod:`.voluntary`), the examiner's needle placement for minimal-effort recordings
(:mod:`.placement`), neurogenic/myopathic remodelling (:mod:`.disease`), spontaneous activity
(:mod:`.spontaneous`, :mod:`.generators`), amplifier band-pass, sampling and noise (:mod:`.instrument`).
Measures of the truth templates are defined in :mod:`.measures`.

Model version 3 (``parameters["model_version"]``): no intact fibre inside the needle's 0.23 mm track
(:func:`.placement.outside_needle`) and a unit's fibres reach the tip with an arrival-time SD of ≈0.25 ms
instead of ≈0.47 ms (end-plates within a unit SD 0.7 mm, branch delays SD 0.1 ms, diameters CV 6 %;
:mod:`.params`). Version 2 made crisp normal biceps MUAPs ≈850 µV and 30–45 % polyphasic (real: ≈370–440 µV,
≤ 10–15 %); version 3 gives ≈600 µV and ≈8 % (bench/sim_vs_ucy.py).

>>> import numpy as np
>>> from edxkit.simulate.emg import simulate_needle
>>> sim = simulate_needle(np.random.default_rng(1), condition="minimal", duration_s=1.0)
>>> sim.waveform.units
'uV'
"""

from edxkit.simulate.emg.measures import MuapMeasures, measure
from edxkit.simulate.emg.needle import CONDITIONS, PATHOLOGIES, simulate_needle
from edxkit.simulate.emg.spontaneous import GENERATORS_PER_GRADE, GRADES, TYPES
from edxkit.simulate.emg.truth import DischargeTruth, NeedleSimulation, UnitTruth

__all__ = [
    "CONDITIONS",
    "GENERATORS_PER_GRADE",
    "GRADES",
    "PATHOLOGIES",
    "TYPES",
    "DischargeTruth",
    "MuapMeasures",
    "NeedleSimulation",
    "UnitTruth",
    "measure",
    "simulate_needle",
]
