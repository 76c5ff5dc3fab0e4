"""`spinecoach schema NAME`: print the JSON Schema of a public document."""

from __future__ import annotations

import importlib
import json
from typing import Annotated, Any

import typer
from pydantic import BaseModel

from spinecoach.commands._output import write_stdout
from spinecoach.errors import UnknownItemError, shorten

__all__ = ["SCHEMAS", "document_schema", "register"]

SCHEMAS: dict[str, str] = {
    "intake": "spinecoach.clinical.intake:Intake",
    "assessment": "spinecoach.clinical.assessment:Assessment",
    "program": "spinecoach.prescription.program:Program",
    "overrides": "spinecoach.prescription.overrides:Overrides",
    "sessions": "spinecoach.sessions.model:SessionLog",
    "settings": "spinecoach.prescription.settings:AdaptationSettings",
    "timeline": "spinecoach.outcomes.timeline:Timeline",
    "recording": "spinecoach.sensors.recording:recording_schema",
}
"""Document name -> ``module:Model`` (a pydantic model) or ``module:function`` returning a dict."""


def document_schema(name: str) -> dict[str, Any]:
    """The JSON Schema of document ``name``; unknown names raise :class:`UnknownItemError`."""
    target = SCHEMAS.get(name)
    if target is None:
        raise UnknownItemError(
            f"schema '{shorten(name)}' is unknown; choose one of: {', '.join(SCHEMAS)}"
        )
    module_name, attr = target.split(":")
    try:
        obj = getattr(importlib.import_module(module_name), attr)
    except (ModuleNotFoundError, AttributeError):
        raise UnknownItemError(f"schema '{name}' is not available in this version") from None
    if isinstance(obj, type) and issubclass(obj, BaseModel):
        schema: dict[str, Any] = obj.model_json_schema()
        schema.setdefault("$schema", "https://json-schema.org/draft/2020-12/schema")
        return schema
    result: dict[str, Any] = obj()
    return result


def register(app: typer.Typer) -> None:
    @app.command()
    def schema(
        name: Annotated[str, typer.Argument(help=f"one of: {', '.join(SCHEMAS)}")],
    ) -> None:
        """Print the JSON Schema of a document (intake, program, sessions, recording, ...).

        Always JSON: a schema is itself a JSON document, so there is no text form.
        """
        write_stdout(json.dumps(document_schema(name), indent=2) + "\n")
