"""edxkit: an open electrodiagnostic workbench (nerve conduction studies and needle EMG)."""

from edxkit.errors import EdxInputError, Problem
from edxkit.io import open_recording, read_waveform
from edxkit.io.study import load_study
from edxkit.waveform import Waveform

__version__ = "0.1.0"

__all__ = [
    "EdxInputError",
    "Problem",
    "Waveform",
    "__version__",
    "load_study",
    "open_recording",
    "read_waveform",
]
