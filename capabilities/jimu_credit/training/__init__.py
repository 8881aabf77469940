"""Training-only code (the scorecard refit); needs jimu-credit[train]."""
