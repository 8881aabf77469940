"""Backstage's field-format rules, and Jimu's ids and tags mapped onto them.

Backstage's JSON Schemas leave names, labels, annotations and tags as plain strings; its catalog
checks their format separately (``FieldFormatEntityPolicy`` with ``KubernetesValidatorFunctions``
and ``makeValidator`` in ``@backstage/catalog-model``, read in 1.10.3). The rules below are
those, so that an export the schemas accept is also one Backstage ingests.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

#: an entity name, a label value or the name part of a label/annotation key: at most 63 characters
_OBJECT_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_DNS_LABEL = re.compile(r"^[a-z0-9]+(?:-+[a-z0-9]+)*$")
_TAG = re.compile(r"^[a-z0-9:+#]+(-[a-z0-9:+#]+)*$")
_API_VERSION_NAME = re.compile(r"^[a-z0-9A-Z]+$")
_KIND = re.compile(r"^[a-zA-Z][a-z0-9A-Z]*$")
MAX = 63


def is_object_name(value: object) -> bool:
    return isinstance(value, str) and 1 <= len(value) <= MAX and bool(_OBJECT_NAME.match(value))


def is_dns_label(value: object) -> bool:
    return isinstance(value, str) and 1 <= len(value) <= MAX and bool(_DNS_LABEL.match(value))


def is_dns_subdomain(value: object) -> bool:
    return isinstance(value, str) and 1 <= len(value) <= 253 and all(map(is_dns_label, value.split(".")))


def is_tag(value: object) -> bool:
    return isinstance(value, str) and 1 <= len(value) <= MAX and bool(_TAG.match(value))


def _prefixed(value: object, suffix_ok) -> bool:
    """``name`` or ``prefix/name`` with a DNS-subdomain prefix (label and annotation keys, apiVersion)."""
    if not isinstance(value, str):
        return False
    parts = value.split("/")
    if len(parts) == 1:
        return suffix_ok(parts[0])
    return len(parts) == 2 and is_dns_subdomain(parts[0]) and suffix_ok(parts[1])


def is_key(value: object) -> bool:
    """A label or annotation key, e.g. ``jimu.dev/name-zh``."""
    return _prefixed(value, is_object_name)


def entity_name(text: str) -> str:
    """A Backstage entity name for a Jimu id (or ``id-version``): the text itself when Backstage
    accepts it, which every id up to 63 characters not ending in ``_`` is; otherwise a shortened,
    cleaned form with a hash of the original, so that two different ids never map to one name."""
    if is_object_name(text):
        return text
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
    cleaned = re.sub(r"[^-A-Za-z0-9_.]", "_", text)[: MAX - 9]
    cleaned = re.sub(r"^[^A-Za-z0-9]+", "", cleaned)
    return f"{cleaned}-{digest}" if cleaned else digest


def tag(text: str) -> str | None:
    """A Jimu tag as a Backstage tag (lower-case words joined by ``-``), or None when nothing is left
    (a tag written only in Chinese, say): ``GB 11643-1999`` → ``gb-11643-1999``."""
    words = re.findall(r"[a-z0-9:+#]+", text.lower())
    value = "-".join(words)[:MAX].strip("-")
    return value if is_tag(value) else None


def field_format_problems(entity: Any) -> list[str]:
    """What Backstage's ``FieldFormatEntityPolicy`` would refuse in ``entity``: one message per field."""
    if not isinstance(entity, dict) or not isinstance(entity.get("metadata"), dict):
        return ["not an entity with metadata"]
    meta = entity["metadata"]
    problems = []

    def check(field: str, value: object, ok) -> None:
        if not ok(value):
            problems.append(f"{field}: {value!r} is not valid ({ok.__name__})")

    check("apiVersion", entity.get("apiVersion"),
          lambda v: _prefixed(v, lambda n: 1 <= len(n) <= MAX and bool(_API_VERSION_NAME.match(n))))
    check("kind", entity.get("kind"), lambda v: isinstance(v, str) and len(v) <= MAX and bool(_KIND.match(v)))
    check("metadata.name", meta.get("name"), is_object_name)
    if "namespace" in meta:
        check("metadata.namespace", meta["namespace"], is_dns_label)
    for key, value in (meta.get("labels") or {}).items():
        check(f"labels.{key}", key, is_key)
        check(f"labels.{key}", value, lambda v: v == "" or is_object_name(v))
    for key, value in (meta.get("annotations") or {}).items():
        check(f"annotations.{key}", key, is_key)
        check(f"annotations.{key}", value, lambda v: isinstance(v, str))
    for i, value in enumerate(meta.get("tags") or []):
        check(f"tags.{i}", value, is_tag)
    return problems
