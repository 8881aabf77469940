"""The risk-control domain: admission, intake, pre-screening, due diligence, underwriting."""
