"""insgd.numerics: problems with certified constants, optimizers, oracles and the batched engine (folder ``numerics/``).

Imports only ``insgd.core`` (and NumPy/SciPy) at import time: no SymPy.
"""
