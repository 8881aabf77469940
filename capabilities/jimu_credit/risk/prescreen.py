"""(being written)"""

CAPABILITIES = ()
