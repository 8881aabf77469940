"""Lifecycle records kept as data: who approved each promotion of a plugin's capabilities, and when.

A plugin keeps its approval history in one YAML file beside its code, keyed by ``id@version``::

    customer.step.resident_id_checksum@1.0.0:
      promotions:
        - {to: experimental, approved_by: hq.customer-platform, approved_on: 2025-09-01}
        - {to: production, approved_by: hq.architecture-board, approved_on: 2026-01-15, ticket: ARB-2026-003}

and wraps its ``register`` callback so each item it registers carries its record::

    records = LifecycleRecords.read(files(__package__) / "lifecycle.yaml")
    register = records.wrap(register)
    ...                      # register everything as usual
    records.finish()         # raises, naming file and line, for records that were wrong or unused

Why a file rather than the decorator: a promotion is a governance decision, not a code change;
kept out of the modules it never changes a capability's code hash, so promoting v1 to production
does not invalidate every branch's lock. The record may move a capability *forward* from the
status its declaration states (that is what promoting is); a record that contradicts it by
moving backward, a record naming something the plugin does not register, and a malformed record
are errors. An item whose record is wrong is left out, and every item when the file cannot be
read (fail closed: a retired capability must never load as production because of a typo);
``tests/capabilities`` keeps HQ's file loading cleanly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from pydantic import ValidationError

from ..contracts import STATUS_ORDER, Entry, Lifecycle, Promotion
from ..yamlfile import Position, YamlDocument, YamlError, load_yaml

_RECORD_KEYS = {"promotions", "successor", "sunset"}


class LifecycleRecordError(ValueError):
    """The lifecycle file has wrong or unused records; the message lists each as ``file:line: …``."""


@dataclass
class LifecycleRecords:
    """The parsed file: each ``id@version`` → its record (the lifecycle it amounts to) and position."""

    path: str
    records: dict[str, tuple[dict[str, Any], Position]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    used: set[str] = field(default_factory=set)
    #: keys whose record could not be read: their items are left out rather than loaded as declared
    broken: set[str] = field(default_factory=set)
    #: the file itself could not be read: every entry is left out (any of them might be retired)
    unreadable: bool = False

    @classmethod
    def read(cls, path: Path | Any) -> LifecycleRecords:
        """Read ``path`` (a file, or an ``importlib.resources`` traversable); problems are kept, not raised."""
        shown = getattr(path, "name", str(path))
        found = cls(str(shown))
        try:
            doc = load_yaml(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            found.problems.append(f"{shown}: cannot read it: {exc}")
            found.unreadable = True
            return found
        except YamlError as exc:
            found.problems.append(f"{shown}:{exc.position.line}:{exc.position.column}: {exc.message}")
            found.unreadable = True
            return found
        found._parse(doc)
        return found

    def _parse(self, doc: YamlDocument) -> None:
        if doc.data is None:
            return
        if not isinstance(doc.data, dict):
            self._problem(doc.position(()), "the file maps id@version to a record (promotions, successor, sunset)")
            return
        for key, record in doc.data.items():
            where = doc.position((key,), key=True)
            if not isinstance(key, str) or key.count("@") != 1:
                self._problem(where, f"{key!r}: write the capability as id@version (e.g. risk.prescreen@1.0.0)")
                continue
            if not isinstance(record, dict) or not record.get("promotions"):
                self._problem(where, f"{key}: give its promotions, a list of {{to, approved_by, approved_on}}")
                self.broken.add(key)
                continue
            unknown = set(record) - _RECORD_KEYS
            if unknown:
                self._problem(doc.position((key, sorted(unknown)[0]), key=True),
                              f"{key}: unknown key {sorted(unknown)[0]!r} (a record has {', '.join(sorted(_RECORD_KEYS))})")
                self.broken.add(key)
                continue
            if not isinstance(record["promotions"], list):
                self._problem(doc.position((key, "promotions")), f"{key}: promotions is a list")
                self.broken.add(key)
                continue
            promotions, broken = [], False
            for number, move in enumerate(record["promotions"]):
                try:
                    promotions.append(Promotion.model_validate(move))
                except ValidationError as exc:
                    self._problem(doc.position((key, "promotions", number)),
                                  f"{key}: promotion {number + 1}: {_first_error(exc)}")
                    broken = True
            if broken:
                self.broken.add(key)
                continue
            promotions = tuple(promotions)
            self.records[key] = ({**record, "promotions": promotions}, where)

    def _problem(self, where: Position, message: str) -> None:
        self.problems.append(f"{self.path}:{where.line}: {message}")

    # -- applying ----------------------------------------------------------------------------

    def apply(self, item: Any) -> Any | None:
        """``item`` carrying its record (unchanged when it has none); None when the record is wrong."""
        if not isinstance(item, Entry):
            return item  # reason codes, resources, policies…: no lifecycle
        if self.unreadable or item.key in self.broken:
            self.used.add(item.key)
            return None  # its problem is already recorded; finish() reports it
        found = self.records.get(item.key)
        if found is None:
            return item
        self.used.add(item.key)
        record, where = found
        declared = item.lifecycle
        status = record["promotions"][-1].to
        if STATUS_ORDER.index(status) < STATUS_ORDER.index(declared.status):
            self._problem(where, f"{item.key} is declared {declared.status.value}, but its last promotion is to "
                          f"{status.value}: a record may move a capability forward, never back; left out")
            return None
        try:
            lifecycle = Lifecycle(status=status, successor=record.get("successor", declared.successor),
                                  sunset=record.get("sunset", declared.sunset), promotions=record["promotions"])
        except ValidationError as exc:
            self._problem(where, f"{item.key}: {_first_error(exc)}; left out")
            return None
        return item.model_copy(update={"lifecycle": lifecycle})

    def wrap(self, register: Callable[[object], None]) -> Callable[[object], None]:
        """A ``register`` callback that applies the records before handing each item on."""

        def register_with_record(item: object) -> None:
            updated = self.apply(item)
            if updated is not None:
                register(updated)

        return register_with_record

    def finish(self) -> None:
        """Raise :class:`LifecycleRecordError` listing every problem, including records nothing used."""
        unused = [f"{self.path}:{where.line}: {key} is not registered by this plugin (a typo, or a version "
                  "that no longer exists?)" for key, (_, where) in self.records.items() if key not in self.used]
        problems = self.problems + unused
        if problems:
            raise LifecycleRecordError("lifecycle records: " + "; ".join(problems))


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        err = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in err["loc"])
        message = err["msg"].removeprefix("Value error, ")
        return f"{where}: {message}" if where else message
    return str(exc)
