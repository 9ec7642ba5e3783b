"""HTTP API (FastAPI): thin routers over the services."""

from accord.api.app import API_PREFIX, create_app

__all__ = ["API_PREFIX", "create_app"]
