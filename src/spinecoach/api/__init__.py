"""The clinic's HTTP API (FastAPI): one router per resource; OpenAPI is the contract.

Routes only translate HTTP to service calls and results to responses; who may see what is
decided in ``spinecoach.services`` (and checked again by the access-control test).
"""

from spinecoach.api.app import create_app

__all__ = ["create_app"]
