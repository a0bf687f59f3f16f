"""The programs the document tests drive (pdftk, pdftoppm, mutool, tesseract, soffice):
required in CI, skipped with a reason elsewhere."""
from __future__ import annotations

import os
import shutil

import pytest


def required_tool(name: str) -> str:
    binary = shutil.which(name)
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is required in CI")
        pytest.skip(f"{name} is not installed")
    return binary
