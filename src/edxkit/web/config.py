"""Settings of the web application: upload limits, session lifetime, cookie flags, demo data."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class WebSettings:
    """Limits and options of one app instance.

    Parameters
    ----------
    max_upload_mb : float
        Largest accepted upload (a study file or a zipped study folder), in MB; larger ones are refused
        with a message naming the limit, before anything is written.
    max_unpacked_mb : float
        Largest total size of a zipped study folder once unpacked, in MB (zip-bomb guard).
    max_recording_s : float
        Longest accepted needle recording or sweep train, in seconds.
    session_hours : float
        Lifetime of a sign-in session, in hours.
    secure_cookies : bool
        Mark cookies ``Secure`` (behind HTTPS).
    analysis_cache : int
        Number of analysed studies kept in memory (an analysis of a study with needle recordings takes
        seconds; pages and marker edits reuse it).
    """

    max_upload_mb: float = 200.0
    max_unpacked_mb: float = 1000.0
    max_recording_s: float = 600.0
    session_hours: float = 12.0
    secure_cookies: bool = False
    analysis_cache: int = 16
