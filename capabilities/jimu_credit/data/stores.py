"""(being written)"""

RESOURCES = ()
PROVIDERS = ()
