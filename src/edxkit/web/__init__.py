"""The clinic's web interface (FastAPI): ``create_app(db_url)``; ``edx serve`` runs it."""

from edxkit.web.app import create_app

__all__ = ["create_app"]
