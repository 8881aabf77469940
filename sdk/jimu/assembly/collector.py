"""Pausing Python's cyclic garbage collector while a batch of assemblies is validated.

Validation allocates hundreds of thousands of small objects (YAML values, positions, types,
diagnostics) that all live until the batch is done, on a heap already holding the catalog. Each
allocation burst makes the collector walk the young objects again, and every few bursts the
whole heap, catalog included: a third of the time of validating 1,000 products over a
10,000-capability catalog (``bench/validation.py``) went there, finding nothing to free. Nothing
in a batch builds garbage cycles worth collecting early, so the collector waits until the batch
ends; it then runs as it would have, over what is left.

What the batch built is then handed to the oldest generation directly (``gc.freeze`` then
``gc.unfreeze``, two list splices) rather than left young: the first collection after the pause
would otherwise walk every one of those objects at once (a tenth of a second for 1,000
products), only to find them alive and promote them. They are still examined, with the rest of
the heap, by the next full collection, which is when a cycle among them would be freed. (Not
when the program has frozen objects of its own: unfreezing would release those too.)
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Disable the cyclic collector for the block; restore it as it was (nested blocks are fine)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if gc.get_freeze_count() == 0:
                gc.freeze()  # everything tracked → the permanent generation…
                gc.unfreeze()  # …→ the oldest generation: the batch's objects are no longer young
            gc.enable()
