"""Every published document schema resolves to a JSON Schema."""

from __future__ import annotations

import pytest

from spinecoach.commands.schema import SCHEMAS, document_schema
from spinecoach.errors import UnknownItemError


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_every_schema_is_available(name: str) -> None:
    schema = document_schema(name)
    assert schema.get("$schema", "").startswith("https://json-schema.org/")
    assert schema.get("properties") or schema.get("$defs") or schema.get("items")


def test_unknown_schema_lists_the_known_ones() -> None:
    with pytest.raises(UnknownItemError, match="choose one of: intake, assessment"):
        document_schema("bogus")
