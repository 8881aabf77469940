"""Test-only plugin distribution: versions side by side across distributions."""
