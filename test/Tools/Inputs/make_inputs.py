"""Writes q.npy, k.npy and v.npy of random float32 data for attn-run tests.

usage: make_inputs.py SEED B H HKV NQ NK D OUTDIR
"""
import sys

import numpy as np

seed, b, h, hkv, nq, nk, d = (int(x) for x in sys.argv[1:8])
out = sys.argv[8]
rng = np.random.default_rng(seed)
np.save(f"{out}/q.npy", rng.standard_normal((b, h, nq, d), dtype=np.float32))
np.save(f"{out}/k.npy", rng.standard_normal((b, hkv, nk, d), dtype=np.float32))
np.save(f"{out}/v.npy", rng.standard_normal((b, hkv, nk, d), dtype=np.float32))
