# %% [markdown]
# # Reproducing the paper's phase-retrieval experiment
#
# The setup as printed; `verify/reproduce.py` states every choice the text leaves open. The outputs are written
# under `outputs/` beside this notebook. The tests run it at `--quick` sizes (`INSGD_NOTEBOOK_QUICK=1`).

# %%
import os
from pathlib import Path

from IPython.display import Image, Markdown, display

from insgd.verify.reproduce import reproduce

QUICK = os.environ.get("INSGD_NOTEBOOK_QUICK") == "1"
Path("outputs").mkdir(exist_ok=True)
res = reproduce("phase-retrieval", seeds=2 if QUICK else 5, quick=QUICK, out="outputs/phase-retrieval", force=True,
                progress=False)
display(Markdown(res["summary"]["markdown"]))
display(Image("outputs/phase-retrieval/phase-retrieval.png"))

# %% [markdown]
# Under the *multiply* reading of the clipping constant (k = c in eq. 13) I-NSGD is stable; the *divide* reading
# (k = 1/c) makes its steps grow like ||g||^(1-beta) and, on phase retrieval, diverge:

# %%
alt = reproduce("phase-retrieval", seeds=2, quick=True, out="outputs/phase-retrieval-divide", force=True,
                progress=False, k_mode="divide")
alt["summary"]["diverged"]
