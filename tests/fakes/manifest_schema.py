"""Check a Teams app manifest against Microsoft's official schema of its manifestVersion.

The schemas come from the npm package @microsoft/app-manifest (package.json at the
repository root; `make test` runs `npm ci`). They declare draft-04 but use `const`, so they
are checked with Draft7Validator.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator
from jsonschema.exceptions import best_match

SCHEMAS = (
    Path(__file__).resolve().parents[2]
    / "node_modules/@microsoft/app-manifest/build/json-schemas/teams"
)


@functools.cache
def validator(version: str, kind: str = "") -> Draft7Validator:
    """The checked validator for one manifest version; kind "Localization" for its files."""
    name = f"MicrosoftTeams.{kind}.schema.json" if kind else "MicrosoftTeams.schema.json"
    path = SCHEMAS / f"v{version}" / name
    if not path.exists():
        pytest.fail(f"{path} is missing: run `npm ci` (make test does) in the repository root.")
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema)


def assert_valid(document: dict[str, Any], version: str, kind: str = "") -> None:
    """Fail with the most relevant schema error, if the document has any."""
    errors = list(validator(version, kind).iter_errors(document))
    if errors:
        worst = best_match(errors)
        path = "/".join(str(p) for p in worst.absolute_path)
        raise AssertionError(f"invalid {kind or 'manifest'} at /{path}: {worst.message}")
