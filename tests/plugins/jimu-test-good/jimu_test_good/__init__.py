"""Test-only plugin distribution."""
