"""One router per resource; :data:`ROUTERS` is the order they are mounted under ``/api``."""
