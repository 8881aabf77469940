"""The capability map: Markdown pages generated from the installed catalog and ``assemblies/``.

:func:`generate` is plain Python (no MkDocs import); a thin MkDocs plugin calls it at build time.
"""

from __future__ import annotations

from .generate import MapModel, build_model, generate

__all__ = ["MapModel", "build_model", "generate"]
