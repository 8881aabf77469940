"""The management-analytics domain: expected loss, capital, RAROC, EVA and their management views."""
