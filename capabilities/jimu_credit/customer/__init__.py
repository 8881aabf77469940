"""The customer domain: identity numbers and KYC."""
