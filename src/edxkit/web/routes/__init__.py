"""Route modules of the web app: auth, studies, waveforms, report, admin."""
