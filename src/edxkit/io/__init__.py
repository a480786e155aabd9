"""Readers and writers, one module per format, behind ``open_recording`` and ``read_waveform``."""

from edxkit.io.dispatch import open_recording, read_info, read_waveform, write_waveforms

__all__ = ["open_recording", "read_info", "read_waveform", "write_waveforms"]
