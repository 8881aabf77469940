import jimu_module_that_does_not_exist  # noqa: F401  (the failure under test)
