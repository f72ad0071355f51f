"""insgd: check convergence theorems for generalized-smooth nonconvex optimization against mathematics and experiment.

Subpackages (installed from the repository's top-level folders):

* ``insgd.core`` -- errors, exact number parsing, JSON of huge numbers (standard library only);
* ``insgd.theory`` -- assumptions and theorems as SymPy records (``theory/``);
* ``insgd.numerics`` -- problems with certified constants, optimizers, the batched engine (``numerics/``);
* ``insgd.verify`` -- checks, the auditor, reproductions, the command line (``verify/``).

Imports flow one way: verify -> theory, numerics -> core. Importing this package loads nothing else.
"""

__version__ = "0.2.0"
