"""A third party's mandatory control, shipped as its own plugin distribution (tests only)."""
