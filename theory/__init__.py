"""insgd.theory: the assumptions and theorems as SymPy records (installed from the folder ``theory/``).

Nothing here imports the NumPy engine; ``insgd.numerics`` and ``insgd.verify`` build on it. Import the modules you
need (``insgd.theory.assumptions``, ``insgd.theory.theorems``, ``insgd.theory.ngd``, ``insgd.theory.insgd``); this
package itself loads nothing.
"""
