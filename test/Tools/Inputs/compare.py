"""Exits 1 unless |a - b| / |b| < TOL for two .npy arrays of one shape.

usage: compare.py A.npy B.npy TOL
"""
import sys

import numpy as np

a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
if a.shape != b.shape or a.dtype != np.float32:
    print(f"shape/dtype mismatch: {a.shape} {a.dtype} vs {b.shape}")
    sys.exit(1)
err = np.linalg.norm(a.astype(np.float64) - b) / np.linalg.norm(b)
print(f"relative error {err:.3g}")
sys.exit(0 if err < float(sys.argv[3]) else 1)
