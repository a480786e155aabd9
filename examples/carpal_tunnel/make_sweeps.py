"""Write the two synthetic median motor sweeps of this example (run from this folder).

Each sweep is a CMAP-like biphasic shape (negative main phase, as recorded) with onset at the
latency given here, 20 kHz sampling, 5 ms of pre-stimulus baseline and light noise. They exist so
that the example has waveforms to read; edxkit's simulator gives physiologically modelled ones.
"""

from pathlib import Path

import numpy as np

from edxkit.io import write_waveforms
from edxkit.waveform import Waveform

FS_HZ = 20000.0


def sweep(onset_ms: float, amplitude_mv: float, seed: int) -> Waveform:
    rng = np.random.default_rng(seed)
    t_ms = np.arange(-5.0, 45.0, 1000.0 / FS_HZ)
    x = np.clip(t_ms - onset_ms, 0, None)
    shape = -(x**2) * np.exp(-x / 1.6) / (4 * 1.6**2 * np.exp(-2)) + 0.35 * (x / 6.0) ** 3 * np.exp(-x / 2.0)
    samples = amplitude_mv * shape + rng.normal(0, 0.01, t_ms.size)
    return Waveform(samples, FS_HZ, "mV", channel="APB", start_s=0.0, stimulus_s=0.005)


if __name__ == "__main__":
    here = Path(__file__).parent
    write_waveforms(here / "median_apb_wrist.csv", [sweep(4.9, 6.8, seed=1)])
    write_waveforms(here / "median_apb_elbow.csv", [sweep(9.6, 6.3, seed=2)])
