"""Write the two median motor sweeps of this example with edxkit's nerve-conduction simulator.

Run from the repository root: ``python examples/carpal_tunnel/make_sweeps.py``. The sweeps are a
moderate carpal tunnel syndrome (focal slowing across the wrist), 20 kHz, 5 ms pre-stimulus baseline,
stimulus artifact, drift and noise at 35 dB; seed 11. They are simulated, not patient recordings.
"""

from pathlib import Path

import numpy as np

from edxkit.io import write_waveforms
from edxkit.simulate.ncs import Pathology, SiteSpec, normal_params, simulate_motor

HERE = Path(__file__).parent

if __name__ == "__main__":
    params = normal_params("median", "motor", age_years=54, height_cm=165)
    cts = Pathology(focal_slowing={"wrist": 0.5}, lesion_length_mm={"wrist": 30.0}, axonal_loss=0.1)
    sites = [SiteSpec("wrist", distance_mm=80), SiteSpec("elbow", segment_mm=230)]
    sim = simulate_motor(np.random.default_rng(11), params, sites, pathology=cts, snr_db=35.0)
    for sweep in sim.sweeps:
        write_waveforms(HERE / f"median_apb_{sweep.channel}.csv", [sweep])
