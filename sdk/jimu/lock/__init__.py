"""Locks: a file beside each product pinning everything it reaches, and the check that it still matches.

``jimu lock`` writes ``foo.lock.json`` beside ``foo.yaml`` (:func:`write_locks`); ``jimu validate``
reports a lock that no longer matches (:func:`check_locks`, codes J801–J806); ``jimu run``
refuses to run such a product (:func:`verify`).
"""

from __future__ import annotations

from .build import Built, NotLockable, authority_pin, build_lock, lock_path
from .check import Difference, LockUnreadable, check_analysis, check_locks, compare, read_lock
from .model import Lock
from .write import LockResult, verify, write_lock

__all__ = [
    "Built",
    "Difference",
    "Lock",
    "LockResult",
    "LockUnreadable",
    "NotLockable",
    "authority_pin",
    "build_lock",
    "check_analysis",
    "check_locks",
    "compare",
    "lock_path",
    "read_lock",
    "verify",
    "write_lock",
]
