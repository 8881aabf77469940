"""Governance: what HQ needs to change capabilities safely while forty branches run them.

- :mod:`.lifecycle`: promotion records (who approved each move, and when) kept as plugin data;
- :mod:`.contract`: a capability's contract read into one comparable shape, Python or composite;
- :mod:`.diff`: two versions' contracts compared, each change judged breaking or not;
- :mod:`.impact`: what a change reaches, product → step → composite → step → capability.
"""
