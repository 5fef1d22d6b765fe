#!/usr/bin/env python3
"""attn's CUDA kernels against PyTorch SDPA (flash) and FlexAttention.

Runs on the GPU machine (bench/gpu/run.sh; bench/gpu/README.md has the whole
procedure). For each variant of bench/gpu/kernels.mlir (dense, causal, causal
sliding window 1024, Longformer, BigBird) and each shape of the
FlashAttention benchmark (hidden 2048: D = 64 with H = 32 and D = 128 with
H = 16; N = 512 ... 16384 with B = 16384 / N; bf16) it

  (a) checks our kernel against a float64 reference computed with torch from
      the same bf16 inputs and the variant's boolean mask: relative error
      ||O - O_ref|| / ||O_ref|| < 1e-2, no NaN/Inf, every output element
      written, nothing written outside the output, and rows with no kept key
      exactly 0. Small and awkward shapes (N = 1, 65, 1000, Nq != Nk, fully
      masked rows) plus the benchmark shapes with N <= 2048 (batches 0 and
      B - 1); Flex and SDPA outputs are checked there too, so the timed
      baselines compute the same attention;
  (b) times, on the same inputs, our kernel (attn_<variant>_d<D>_cuda from
      the carried library), SDPA with the flash backend (is_causal for causal;
      for the sparse variants SDPA can only compute dense attention, which is
      what it then times) and FlexAttention (torch.compile, a BlockMask whose
      mask_mod is the variant's exact mask): median of CUDA-event times after
      warm-up, each call preceded by a GPU spin and an L2 flush so that host
      launch overhead is not timed.

Only the standard library is needed for --help and for the mask functions
(numpy or torch arrays); torch is imported when the benchmark runs.

The work runs in a child process; if a kernel kills the CUDA context (an
illegal address, a hang past the time limit) the variant is reported as
crashed and a fresh child goes on with the other variants.
"""

import argparse
import csv
import ctypes
import json
import math
import os
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEFAULT_LIB = os.path.join(REPO, ".gpu-bench", "libattn_gpu_bench.so")

TOKENS = 16384  # B * N, as in the FlashAttention benchmark
HEADS = {64: 32, 128: 16}  # D -> H at hidden size 2048
SEQ = [512, 1024, 2048, 4096, 8192, 16384]
TOLERANCE = 1e-2
# (B, Nq, Nk): small and awkward shapes, checked for our kernel only.
SMALL_CHECKS = [(1, 1, 1), (1, 65, 65), (2, 1000, 1000), (1, 1, 1000),
                (1, 300, 1000), (1, 1000, 300)]
MASK64 = (1 << 64) - 1

# --------------------------------------------------------------------------
# The variants' masks. Each predicate takes the query positions p
# (p = i + Nk - Nq, bottom-right alignment as in docs/variants.md) and key
# indices j as broadcastable integer arrays (numpy or torch, also the 0-d
# tensors FlexAttention passes to a mask_mod) and the tables of
# Variant.tables(nq, nk) converted to the same array kind; it returns a
# boolean array. Only operators and indexing are used, so one definition
# serves the unit test (numpy), the reference (torch) and Flex (mask_mod).
# --------------------------------------------------------------------------

SLIDING_LEFT = 1023  # window<left = 1023, right = 0>: itself + 1023 before
LONGFORMER_WINDOW = 256  # window<left = 256, right = 256>
LONGFORMER_GLOBAL = 16  # global<tokens = [0, ..., 15]>
BIGBIRD = dict(block=64, window=3, glob=2, random=3, seed=0)


def _dense(p, j, t):
    return (p == p) & (j == j)


def _causal(p, j, t):
    return j <= p


def _sliding(p, j, t):
    return (j <= p) & (j >= p - SLIDING_LEFT)


def _longformer(p, j, t):
    window = (j >= p - LONGFORMER_WINDOW) & (j <= p + LONGFORMER_WINDOW)
    return window | ((p >= 0) & (p < LONGFORMER_GLOBAL)) | (j < LONGFORMER_GLOBAL)


def _bigbird(p, j, t):
    block = BIGBIRD["block"]
    table = t["table"]  # [query blocks, key blocks] of bigbird_block_table
    # Sizes from the table's shape, not Python ints captured per N: under
    # torch.compile(dynamic=True) those would be guarded on and recompile
    # Flex at every N. (qb0 is 0 whenever Nq <= Nk.)
    nqb, nkb = table.shape[0], table.shape[1]
    # The clips change nothing for real positions; they keep padded indices
    # (beyond Nq or Nk, if Flex evaluates any) inside the table.
    qb = (p // block - t["qb0"]).clip(0, nqb - 1)
    kb = (j // block).clip(0, nkb - 1)
    # One 1-D gather (as the document-mask example of FlexAttention).
    return table.reshape(-1)[qb * nkb + kb]


def bigbird_mix(z):
    """The SplitMix64 finalizer (attn/Support/BigBirdRandom.h), mod 2^64."""
    z &= MASK64
    z ^= z >> 30
    z = (z * 0xBF58476D1CE4E5B9) & MASK64
    z ^= z >> 27
    z = (z * 0x94D049BB133111EB) & MASK64
    z ^= z >> 31
    return z


def bigbird_draw(seed, qb, t):
    base = ((seed & MASK64) + (qb & MASK64) * 0x9E3779B97F4A7C15) & MASK64
    return bigbird_mix((bigbird_mix(base) + t) & MASK64)


def bigbird_random_blocks(block, window, glob, random, seed, qb, nkb):
    """R(qb) of lib/Support/BigBirdRandom.cpp, sorted."""
    half = window // 2
    g = min(glob, nkb)
    clamp = lambda x: min(max(x, g), nkb)  # noqa: E731
    wlo, whi = clamp(qb - half), clamp(qb + half + 1)
    m = (nkb - g) - (whi - wlo)

    def candidate(x):
        return g + x if x < wlo - g else g + x + (whi - wlo)

    if m <= random:
        return [candidate(x) for x in range(m)]
    chosen = []
    for t in range(random):
        top = m - random + t
        x = bigbird_draw(seed, qb, t) % (top + 1)
        chosen.append(top if x in chosen else x)
    return sorted(candidate(x) for x in chosen)


def bigbird_block_table(nq, nk, block, window, glob, random, seed):
    """Which key blocks each query block keeps: (qb0, rows), rows[qb - qb0]
    a list of nkb booleans, for the query blocks of positions Nk-Nq .. Nk-1."""
    nkb = -(-nk // block)
    qb0, qb1 = (nk - nq) // block, (nk - 1) // block
    rows = []
    for qb in range(qb0, qb1 + 1):
        rand = set(bigbird_random_blocks(block, window, glob, random, seed, qb, nkb))
        rows.append([abs(qb - kb) <= window // 2 or 0 <= qb < glob or kb < glob
                     or kb in rand for kb in range(nkb)])
    return qb0, rows


def _bigbird_tables(nq, nk):
    qb0, rows = bigbird_block_table(nq, nk, **BIGBIRD)
    return {"qb0": qb0, "table": rows}


class Variant:
    def __init__(self, name, title, predicate, sdpa, causal_flops=False,
                 tables=None):
        self.name = name
        self.title = title
        self.predicate = predicate
        self.sdpa = sdpa  # "dense" / "causal": what SDPA is timed with
        self.sdpa_exact = name in ("dense", "causal")  # SDPA = same mask
        self.causal_flops = causal_flops  # FA convention: half the N^2 FLOPs
        self._tables = tables

    def tables(self, nq, nk):
        """Per-(Nq, Nk) tables: ints and nested lists (convert with `array`)."""
        return self._tables(nq, nk) if self._tables else {}


VARIANTS = {
    "dense": Variant("dense", "dense", _dense, "dense"),
    "causal": Variant("causal", "causal", _causal, "causal", causal_flops=True),
    "sliding": Variant("sliding", "causal sliding window 1024 "
                       "(window<left = 1023, right = 0>)", _sliding, "dense"),
    "longformer": Variant("longformer", "Longformer: window 256 each side + "
                          "16 global tokens", _longformer, "dense"),
    "bigbird": Variant("bigbird", "BigBird ITC: block 64, window 3, global 2, "
                       "random 3, seed 0", _bigbird, "dense",
                       tables=_bigbird_tables),
}


def mask_tables(variant, nq, nk, array):
    """variant.tables with the lists converted by `array` (np.asarray, or a
    torch.tensor on the device)."""
    return {k: array(v) if isinstance(v, list) else v
            for k, v in variant.tables(nq, nk).items()}


def dense_mask(variant, nq, nk, arange, array):
    """The boolean [nq, nk] mask; arange(n) -> int64 array of 0..n-1."""
    t = mask_tables(variant, nq, nk, array)
    p = arange(nq)[:, None] + (nk - nq)
    j = arange(nk)[None, :]
    m = variant.predicate(p, j, t)
    return m | (p < p) | (j < j) if m.shape != (nq, nk) else m


# --------------------------------------------------------------------------
# The carried library (ctypes).
# --------------------------------------------------------------------------

class AttnError(RuntimeError):
    pass


class AttnLibrary:
    """libattn_gpu_bench.so: attn_<f>_cuda(q, k, v, out, B, H, Hkv, Nq, Nk, D,
    stream) over device pointers, 0 on success, else attn_last_error().
    suffix="f32" (no stream) is the CPU link test of prepare.sh."""

    def __init__(self, path, suffix="cuda"):
        self.path = os.path.abspath(path)
        self.lib = ctypes.CDLL(self.path, mode=getattr(ctypes, "RTLD_LOCAL", 0))
        self.lib.attn_last_error.restype = ctypes.c_char_p
        self.lib.attn_last_error.argtypes = []
        self.suffix = suffix

    def has(self, name):
        return hasattr(self.lib, f"attn_{name}_{self.suffix}")

    def entry(self, name):
        symbol = f"attn_{name}_{self.suffix}"
        try:
            fn = getattr(self.lib, symbol)
        except AttributeError:
            raise AttnError(f"{os.path.basename(self.path)} has no {symbol}")
        fn.argtypes = ([ctypes.c_void_p] * 4 + [ctypes.c_int64] * 6 +
                       ([ctypes.c_void_p] if self.suffix == "cuda" else []))
        fn.restype = ctypes.c_int

        def call(q, k, v, out, B, H, Hkv, Nq, Nk, D, stream=None):
            extra = (stream,) if self.suffix == "cuda" else ()
            rc = fn(q, k, v, out, B, H, Hkv, Nq, Nk, D, *extra)
            if rc != 0:
                msg = self.lib.attn_last_error()
                raise AttnError(f"{symbol} returned {rc}: "
                                f"{msg.decode(errors='replace') if msg else '(no message)'}")
        call.symbol = symbol
        return call


# --------------------------------------------------------------------------
# Helpers that need torch (imported lazily).
# --------------------------------------------------------------------------

T0 = time.time()


def log(msg):
    print(f"[{time.time() - T0:7.1f}s] {msg}", file=sys.stderr, flush=True)


def torch_mask(torch, variant, nq, nk, device):
    return dense_mask(
        variant, nq, nk,
        lambda n: torch.arange(n, device=device, dtype=torch.int64),
        lambda rows: torch.tensor(rows, device=device))


def count_pairs(torch, variant, nq, nk, device):
    """Exact number of computed (query, key) pairs, by rows in chunks."""
    t = mask_tables(variant, nq, nk, lambda rows: torch.tensor(rows, device=device))
    j = torch.arange(nk, device=device, dtype=torch.int64)[None, :]
    rows = max(1, (1 << 24) // max(nk, 1))
    total = 0
    for i0 in range(0, nq, rows):
        p = torch.arange(i0, min(nq, i0 + rows), device=device,
                         dtype=torch.int64)[:, None] + (nk - nq)
        m = variant.predicate(p, j, t)
        m = m.expand(p.shape[0], nk)
        total += int(m.sum().item())
    return total


def reference(torch, q, k, v, mask, heads_per_chunk=8):
    """float64 softmax(mask(Q K^T / sqrt(D))) V on the device; rows with no
    kept key are 0. q: [B, H, Nq, D]; k, v: [B, Hkv, Nk, D]; mask [Nq, Nk]."""
    B, H, Nq, D = q.shape
    Hkv = k.shape[1]
    out = torch.empty(B, H, Nq, D, dtype=torch.float64, device=q.device)
    scale = 1.0 / math.sqrt(D)
    for b in range(B):
        for h0 in range(0, H, heads_per_chunk):
            hs = list(range(h0, min(H, h0 + heads_per_chunk)))
            kv = [h // (H // Hkv) for h in hs]
            qd = q[b, hs].double()
            kd, vd = k[b, kv].double(), v[b, kv].double()
            s = (qd @ kd.transpose(-1, -2)) * scale
            s = s.masked_fill(~mask, float("-inf"))
            mx = s.amax(-1, keepdim=True)
            mx = torch.where(torch.isfinite(mx), mx, torch.zeros_like(mx))
            e = torch.exp(s - mx)
            denom = e.sum(-1, keepdim=True)
            o = (e @ vd) / torch.where(denom > 0, denom, torch.ones_like(denom))
            out[b, hs] = o
    return out


def compare_output(torch, got, want, mask, what):
    """A check record: relative error, NaN/Inf, exact zeros of empty rows."""
    g = got.double()
    rec = {"what": what}
    finite = bool(torch.isfinite(g).all().item())
    rec["finite"] = finite
    diff = float(torch.linalg.vector_norm((g - want).nan_to_num(1e30)).item())
    ref = float(torch.linalg.vector_norm(want).item())
    rec["rel_err"] = diff / ref if ref > 0 else diff
    empty = ~mask.any(-1)  # [Nq]
    rec["empty_rows"] = int(empty.sum().item())
    problems = []
    if not finite:
        bad = (~torch.isfinite(g)).sum().item()
        problems.append(f"{bad} NaN/Inf elements (NaN: an output element never written)")
    if rec["empty_rows"]:
        z = g[..., empty, :]
        if not bool((z == 0).all().item()):
            problems.append(f"rows with no kept key are not exactly 0 "
                            f"(max |x| = {float(z.nan_to_num(1e30).abs().max().item()):.3g})")
    if not rec["rel_err"] < TOLERANCE:
        problems.append(f"relative error {rec['rel_err']:.3g} >= {TOLERANCE}")
    rec["ok"] = not problems
    rec["problem"] = "; ".join(problems)
    return rec


class Timer:
    """Median CUDA-event time of fn(). Before each timed call the stream gets
    a spin kernel (so the host enqueues the call while the GPU is busy: no
    launch gap is timed) and an L2 flush (cold cache, as do_bench)."""

    def __init__(self, torch, max_reps, min_reps, target_ms, warmup):
        self.torch = torch
        self.max_reps, self.min_reps = max_reps, min_reps
        self.target_ms, self.warmup = target_ms, warmup
        self.flush = torch.empty(256 << 20, dtype=torch.int8, device="cuda")
        self.sleep = getattr(torch.cuda, "_sleep", None)

    def _prelude(self):
        if self.sleep is not None:
            self.sleep(200_000)  # ~0.1 ms at 1.8 GHz
        self.flush.zero_()

    def __call__(self, fn):
        torch = self.torch
        for _ in range(self.warmup):
            fn()
        torch.cuda.synchronize()
        # Estimate, then as many repeats as fit in target_ms.
        est = []
        for _ in range(2):
            s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            self._prelude()
            s.record()
            fn()
            e.record()
            torch.cuda.synchronize()
            est.append(s.elapsed_time(e))
        reps = int(self.target_ms / max(min(est), 1e-3))
        reps = max(self.min_reps, min(self.max_reps, reps))
        events = []
        for _ in range(reps):
            s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            self._prelude()
            s.record()
            fn()
            e.record()
            events.append((s, e))
        torch.cuda.synchronize()
        times = [s.elapsed_time(e) for s, e in events]
        return statistics.median(times), reps


def cuda_context_alive(torch):
    try:
        torch.cuda.synchronize()
        torch.zeros(1, device="cuda").add_(1).item()
        return True
    except Exception as err:  # noqa: BLE001
        log(f"CUDA context is unusable: {err}")
        return False


# --------------------------------------------------------------------------
# The child: runs variants, writes one JSON line per event to --progress.
# --------------------------------------------------------------------------

class Progress:
    def __init__(self, path):
        self.path = path

    def emit(self, **rec):
        with open(self.path, "a") as f:
            f.write(json.dumps(rec) + "\n")


class Bench:
    def __init__(self, args, progress):
        self.args = args
        self.progress = progress
        # Our library first: its libstdc++ needs (see prepare.sh) are then
        # met before PyTorch loads anything.
        self.lib = AttnLibrary(args.lib)
        import torch
        self.torch = torch
        if not torch.cuda.is_available():
            raise RuntimeError("torch sees no CUDA device")
        from torch.nn.attention import SDPBackend, sdpa_kernel
        from torch.nn.attention.flex_attention import create_block_mask, flex_attention
        self.sdpa_ctx = lambda: sdpa_kernel(SDPBackend.FLASH_ATTENTION)
        self.create_block_mask = create_block_mask
        self.flex_attention = flex_attention
        cfg = torch._dynamo.config
        for name in ("cache_size_limit", "recompile_limit",
                     "accumulated_cache_size_limit", "accumulated_recompile_limit"):
            if hasattr(cfg, name):
                setattr(cfg, name, 4096)
        self.timer = Timer(torch, args.repeat, args.min_repeat, args.target_ms,
                           args.warmup)
        self.stream = lambda: torch.cuda.current_stream().cuda_stream

    # -- inputs ---------------------------------------------------------------
    def inputs(self, B, H, nq, nk, D, seed):
        torch = self.torch
        g = torch.Generator(device="cuda")
        g.manual_seed(seed)
        mk = lambda n: torch.randn(B, H, n, D, generator=g, device="cuda",  # noqa: E731
                                   dtype=torch.bfloat16)
        return mk(nq), mk(nk), mk(nk)

    def run_ours(self, fn, q, k, v, out):
        B, H, nq, D = q.shape
        fn(q.data_ptr(), k.data_ptr(), v.data_ptr(), out.data_ptr(),
           B, H, k.shape[1], nq, k.shape[2], D, self.stream())

    # -- (a) small and awkward shapes --------------------------------------------
    def small_checks(self, variant, D, fn):
        torch = self.torch
        H = HEADS[D]
        for B, nq, nk in SMALL_CHECKS:
            shape = f"B={B} Nq={nq} Nk={nk}"
            rec = {"variant": variant.name, "D": D, "shape": shape, "impl": "ours"}
            try:
                q, k, v = self.inputs(B, H, nq, nk, D, seed=7 + nq * 31 + nk)
                n = B * H * nq * D
                guard = 4096
                buf = torch.full((n + 2 * guard,), 7.0, dtype=torch.bfloat16, device="cuda")
                out = buf[guard:guard + n].view(B, H, nq, D)
                out.fill_(float("nan"))
                try:
                    self.run_ours(fn, q, k, v, out)
                    torch.cuda.synchronize()
                except AttnError as err:
                    if nq != nk:
                        rec.update(ok=True, skipped=True, problem=f"entry refused Nq != Nk: {err}")
                        self._check(rec)
                        continue
                    raise
                mask = torch_mask(torch, variant, nq, nk, "cuda")
                rec.update(compare_output(torch, out, reference(torch, q, k, v, mask), mask, "ours"))
                outside = torch.cat([buf[:guard], buf[guard + n:]])
                if not bool((outside == 7.0).all().item()):
                    rec["ok"] = False
                    rec["problem"] = (rec["problem"] + "; " if rec["problem"] else "") + \
                        "wrote outside the output buffer"
            except Exception as err:  # noqa: BLE001
                rec.update(ok=False, problem=f"error: {err}")
                self._check(rec)
                if not cuda_context_alive(torch):
                    raise
                continue
            self._check(rec)

    def _check(self, rec):
        rec.setdefault("rel_err", None)
        status = ("skip" if rec.get("skipped") else "ok") if rec["ok"] else "FAIL"
        err = f"{rec['rel_err']:.2e}" if rec.get("rel_err") is not None else "-"
        log(f"check {rec['variant']}_d{rec['D']} {rec['shape']} {rec['impl']}: "
            f"{status} rel_err={err} {rec.get('problem', '')}")
        self.progress.emit(type="check", **rec)

    # -- (b) benchmark shapes ------------------------------------------------------
    def flex_setup(self, variant, nq, nk):
        """The BlockMask (None for dense) with the variant's exact mask_mod."""
        torch = self.torch
        if variant.name == "dense":
            return None
        t = mask_tables(variant, nq, nk, lambda rows: torch.tensor(rows, device="cuda"))
        off = nk - nq
        pred = variant.predicate

        def mask_mod(b, h, q_idx, kv_idx):
            return pred(q_idx + off, kv_idx, t)
        return self.create_block_mask(mask_mod, None, None, nq, nk, device="cuda")

    def run_group(self, variant, D, fn, seqs, deadline):
        """One (variant, D): every N of --seq."""
        torch, args = self.torch, self.args
        H = HEADS[D]
        torch._dynamo.reset()
        flex_compiled = {"dynamic": None, "static": None}
        mode = [args.flex_compile]  # becomes "static" if dynamic=True fails
        flex_ms = {}  # N -> Flex time, for the dynamic=False probe

        def flex_fn(mode):
            if flex_compiled[mode] is None:
                flex_compiled[mode] = torch.compile(self.flex_attention,
                                                    dynamic=(mode == "dynamic"))
            return flex_compiled[mode]

        for N in seqs:
            B = TOKENS // N
            row = {"variant": variant.name, "D": D, "H": H, "B": B, "N": N,
                   "sdpa_mask": variant.sdpa if not variant.sdpa_exact else "same",
                   "flex_mode": args.flex_compile, "errors": []}
            timing = not args.check_only
            checking = not args.skip_check and N <= args.check_max_n
            if timing and time.time() > deadline:
                row["errors"].append("skipped: time budget exhausted")
                timing = False
            if not timing and not checking:
                self.progress.emit(type="row", **row)
                continue
            log(f"{variant.name}_d{D} B={B} N={N}")
            try:
                row["pairs"] = count_pairs(torch, variant, N, N, "cuda")
            except Exception as err:  # noqa: BLE001
                row["errors"].append(f"count_pairs: {err}")
                row["pairs"] = None
            q, k, v = self.inputs(B, H, N, N, D, seed=1000 * D + N)
            out = torch.full_like(q, float("nan"))
            flops_conv = 4.0 * B * H * N * N * D * (0.5 if variant.causal_flops else 1.0)
            row["flops"] = flops_conv
            row["flops_kept"] = 4.0 * B * H * D * row["pairs"] if row["pairs"] else None

            # Each implementation: fn() -> output tensor.
            impls = {}
            impls["ours"] = lambda: (self.run_ours(fn, q, k, v, out), out)[1]
            causal = variant.sdpa == "causal"

            def sdpa():
                with self.sdpa_ctx():
                    return torch.nn.functional.scaled_dot_product_attention(
                        q, k, v, is_causal=causal)
            impls["sdpa"] = sdpa
            block_mask = None
            try:
                t0 = time.time()
                block_mask = self.flex_setup(variant, N, N)
                torch.cuda.synchronize()
                row["flex_block_mask_s"] = time.time() - t0
                while True:
                    flex = flex_fn(mode[0])
                    t0 = time.time()
                    try:
                        flex(q, k, v, block_mask=block_mask)  # compiles, untimed
                        torch.cuda.synchronize()
                        break
                    except Exception as err:  # noqa: BLE001
                        if mode[0] != "dynamic" or not cuda_context_alive(torch):
                            raise
                        # dynamic=True failed: dynamic=False from here on.
                        row["errors"].append(f"flex dynamic=True: {err}; "
                                             f"compiled with dynamic=False instead")
                        mode[0] = "static"
                row["flex_mode"] = mode[0]
                row["flex_compile_s"] = time.time() - t0
                impls["flex"] = lambda: flex(q, k, v, block_mask=block_mask)
            except Exception as err:  # noqa: BLE001
                row["errors"].append(f"flex: {err}")
                impls.pop("flex", None)
                if not cuda_context_alive(torch):
                    raise

            ref_cache = {}
            for impl, call in list(impls.items()):
                try:
                    o = call()
                    torch.cuda.synchronize()
                    if checking and (impl != "sdpa" or variant.sdpa_exact):
                        self.check_batches(variant, D, q, k, v, o, impl, ref_cache)
                    if timing:
                        ms, reps = self.timer(call)
                        row[f"{impl}_ms"] = ms
                        row[f"{impl}_reps"] = reps
                except Exception as err:  # noqa: BLE001
                    row["errors"].append(f"{impl}: {err}")
                    log(f"  {impl}: error: {err}")
                    if not cuda_context_alive(torch):
                        self.progress.emit(type="row", **row)
                        raise
            self._finish_row(row)
            self.progress.emit(type="row", **row)
            if "flex_ms" in row:
                flex_ms[N] = row["flex_ms"]
            del q, k, v, out, impls, block_mask, ref_cache
        self.flex_static_probe(variant, D, flex_ms, mode[0], deadline)

    def flex_static_probe(self, variant, D, flex_ms, mode, deadline):
        """Flex compiled with dynamic=False at one N (--flex-static-at) after
        the group: what compiling Flex with dynamic shapes costs it. Done last,
        after torch._dynamo.reset(), so no cached dynamic graph is reused."""
        torch, args = self.torch, self.args
        N = args.flex_static_at
        if (mode != "dynamic" or N not in flex_ms or args.check_only
                or time.time() > deadline):
            return
        B, H = TOKENS // N, HEADS[D]
        rec = {"variant": variant.name, "D": D, "N": N, "flex_ms": flex_ms[N]}
        try:
            q, k, v = self.inputs(B, H, N, N, D, seed=1000 * D + N)  # the row's inputs
            block_mask = self.flex_setup(variant, N, N)
            torch._dynamo.reset()
            flex = torch.compile(self.flex_attention, dynamic=False)
            t0 = time.time()
            flex(q, k, v, block_mask=block_mask)
            torch.cuda.synchronize()
            rec["flex_static_compile_s"] = time.time() - t0
            rec["flex_static_ms"], rec["flex_static_reps"] = self.timer(
                lambda: flex(q, k, v, block_mask=block_mask))
            log(f"  flex dynamic=False at N={N}: {rec['flex_static_ms']:.3f} ms "
                f"(dynamic=True: {flex_ms[N]:.3f} ms)")
        except Exception as err:  # noqa: BLE001
            rec["error"] = str(err)
            log(f"  flex dynamic=False at N={N}: error: {err}")
            if not cuda_context_alive(torch):
                raise
        self.progress.emit(type="probe", **rec)

    def check_batches(self, variant, D, q, k, v, o, impl, ref_cache):
        torch = self.torch
        B, H, N, _ = q.shape
        mask = ref_cache.get("mask")
        if mask is None:
            mask = ref_cache["mask"] = torch_mask(torch, variant, N, N, "cuda")
        # Every batch: no NaN (never written) or Inf anywhere.
        bad = int((~torch.isfinite(o)).sum().item())
        rec = {"variant": variant.name, "D": D, "shape": f"B={B} N={N} (all batches)",
               "impl": impl, "what": impl, "rel_err": None, "empty_rows": 0,
               "ok": bad == 0, "problem": f"{bad} NaN/Inf elements" if bad else ""}
        self._check(rec)
        for b in sorted({0, B - 1}):
            if b not in ref_cache:
                ref_cache[b] = reference(torch, q[b:b + 1], k[b:b + 1], v[b:b + 1], mask)
            rec = {"variant": variant.name, "D": D, "shape": f"B={B} N={N} (batch {b})",
                   "impl": impl}
            rec.update(compare_output(torch, o[b:b + 1], ref_cache[b], mask, impl))
            self._check(rec)

    def _finish_row(self, row):
        ms = row.get("ours_ms")
        for impl in ("ours", "sdpa", "flex", "flex_static"):
            t = row.get(f"{impl}_ms")
            if t:
                row[f"{impl}_tflops"] = row["flops"] / (t * 1e-3) / 1e12
        if ms and row.get("flops_kept"):
            row["ours_tflops_kept"] = row["flops_kept"] / (ms * 1e-3) / 1e12
        for impl in ("sdpa", "flex"):
            if ms and row.get(f"{impl}_ms"):
                row[f"ours_over_{impl}"] = ms / row[f"{impl}_ms"]
        parts = [f"{i} {row[i + '_ms']:.3f} ms" for i in ("ours", "sdpa", "flex")
                 if row.get(i + "_ms")]
        log(f"  {row['variant']}_d{row['D']} N={row['N']}: " + ", ".join(parts))

    def run_variant(self, variant, deadline):
        """Both head dimensions; each gets a fair share of the time left."""
        args = self.args
        for n, D in enumerate(args.dims):
            try:
                fn = self.lib.entry(f"{variant.name}_d{D}")
            except AttnError as err:
                self.progress.emit(type="error", severity="fail", variant=variant.name,
                                   D=D, error=str(err))
                log(f"error: {err}")
                continue
            if not args.skip_check:
                self.small_checks(variant, D, fn)
            now = time.time()
            group_deadline = now + (deadline - now) / (len(args.dims) - n)
            self.run_group(variant, D, fn, args.seq, group_deadline)


def child_main(args):
    progress = Progress(args.progress)
    try:
        bench = Bench(args, progress)
    except Exception as err:  # noqa: BLE001
        progress.emit(type="fatal", error=f"{type(err).__name__}: {err}")
        log(f"fatal: {err}")
        return 2
    torch = bench.torch
    progress.emit(type="meta", torch=torch.__version__,
                  cuda=torch.version.cuda, device=torch.cuda.get_device_name(),
                  capability=".".join(map(str, torch.cuda.get_device_capability())),
                  triton=_version("triton"))
    for n, name in enumerate(args.variants):
        variant = VARIANTS[name]
        progress.emit(type="start", variant=name)
        log(f"== {name}: {variant.title}")
        # A fair share of the time left (args.deadline: the whole run's).
        now = time.time()
        deadline = now + (args.deadline - now) / (len(args.variants) - n)
        try:
            bench.run_variant(variant, deadline)
        except Exception as err:  # noqa: BLE001
            log(f"error in {name}: {err}")
            if not cuda_context_alive(torch):
                progress.emit(type="crash", variant=name,
                              error=f"CUDA context lost: {type(err).__name__}: {err}")
                progress.emit(type="done", variant=name)
                return 3
            progress.emit(type="error", severity="fail", variant=name,
                          error=f"{type(err).__name__}: {err}")
        progress.emit(type="done", variant=name)
    return 0


def _version(module):
    try:
        return __import__(module).__version__
    except Exception:  # noqa: BLE001
        return None


# --------------------------------------------------------------------------
# The parent: one child per attempt, then the tables.
# --------------------------------------------------------------------------

def read_progress(path):
    events = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line:
                    try:
                        events.append(json.loads(line))
                    except json.JSONDecodeError:
                        pass  # a line cut by a kill
    return events


def parent_main(args):
    os.makedirs(args.out, exist_ok=True)
    progress = os.path.join(args.out, "progress.jsonl")
    if os.path.exists(progress):
        os.remove(progress)
    start = time.time()
    deadline = start + args.time_budget if args.time_budget > 0 else float("inf")
    remaining = list(args.variants)
    state = {"child": None}

    def on_term(signum, frame):
        child = state["child"]
        if child and child.poll() is None:
            child.kill()
        report(args, progress, interrupted=f"signal {signum}")
        sys.exit(124)
    signal.signal(signal.SIGTERM, on_term)

    while remaining:
        events = read_progress(progress)
        done_before = {e["variant"] for e in events if e["type"] == "done"}
        # ATTN_GPU_BENCH_CHILD: another child script (selftest.py's stand-in).
        child_script = os.environ.get("ATTN_GPU_BENCH_CHILD", os.path.abspath(__file__))
        cmd = [sys.executable, child_script, "--child",
               "--progress", progress, "--lib", args.lib,
               "--variants", ",".join(remaining),
               "--dims", ",".join(map(str, args.dims)),
               "--seq", ",".join(map(str, args.seq)),
               "--repeat", str(args.repeat), "--min-repeat", str(args.min_repeat),
               "--target-ms", str(args.target_ms), "--warmup", str(args.warmup),
               "--check-max-n", str(args.check_max_n),
               "--flex-compile", args.flex_compile,
               "--flex-static-at", str(args.flex_static_at),
               "--deadline", repr(deadline)]
        cmd += ["--check-only"] if args.check_only else []
        cmd += ["--skip-check"] if args.skip_check else []
        timeout = None if not math.isfinite(deadline) else max(60.0, deadline - time.time() + 120)
        log(f"child for {', '.join(remaining)}")
        state["child"] = child = subprocess.Popen(cmd)
        try:
            rc = child.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
            rc = "timeout"
        events = read_progress(progress)
        started = [e["variant"] for e in events if e["type"] == "start"]
        done = {e["variant"] for e in events if e["type"] == "done"}
        if any(e["type"] == "fatal" for e in events):
            break
        new = [v for v in remaining if v in done and v not in done_before]
        remaining = [v for v in remaining if v not in done]
        if rc == 0 and not remaining:
            break
        # The variant that was running when the child died.
        running = [v for v in started if v not in done and v in remaining]
        if running:
            victim = running[-1]
            with open(progress, "a") as f:
                f.write(json.dumps({"type": "crash", "variant": victim,
                                    "error": f"child process ended ({rc}) while "
                                             f"running {victim}"}) + "\n")
                f.write(json.dumps({"type": "done", "variant": victim}) + "\n")
            remaining.remove(victim)
        elif not new:
            log(f"child ended ({rc}) without progress; giving up")
            break
        if rc == "timeout":
            log("time budget exhausted")
            for v in remaining:
                with open(progress, "a") as f:
                    f.write(json.dumps({"type": "error", "severity": "note", "variant": v,
                                        "error": "not run: time budget exhausted"}) + "\n")
            break
    return report(args, progress)


def fmt(x, spec):
    if not isinstance(x, (int, float)) or isinstance(x, bool):
        return "—"
    if spec == "rate":  # TFLOP/s: 3 significant digits, never 1e+03
        spec = ".0f" if abs(x) >= 100 else ".1f" if abs(x) >= 10 else ".2f"
    return format(x, spec)


def report(args, progress, interrupted=None):
    events = read_progress(progress)
    meta = next((e for e in events if e["type"] == "meta"), {})
    rows = [e for e in events if e["type"] == "row"]
    probes = [e for e in events if e["type"] == "probe"]
    for p in probes:  # into the row of the same (variant, D, N)
        for r in rows:
            if (r["variant"], r["D"], r["N"]) == (p["variant"], p["D"], p["N"]):
                for key in ("flex_static_ms", "flex_static_compile_s"):
                    if key in p:
                        r[key] = p[key]
                if r.get("flex_static_ms") and r.get("flops"):
                    r["flex_static_tflops"] = r["flops"] / (r["flex_static_ms"] * 1e-3) / 1e12
    checks = [e for e in events if e["type"] == "check"]
    errors = [e for e in events if e["type"] in ("error", "crash", "fatal")]
    manifest = None
    mpath = os.path.join(os.path.dirname(os.path.abspath(args.lib)), "manifest.txt")
    if os.path.exists(mpath):
        with open(mpath) as f:
            manifest = f.read()
    failed_checks = [c for c in checks if not c["ok"]]
    ours_failed = [c for c in failed_checks if c["impl"] == "ours"]
    crashes = [e for e in errors if e["type"] in ("crash", "fatal")]
    ours_errors = [(r, e) for r in rows for e in r.get("errors", []) if e.startswith("ours:")]

    # Files.
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump({"meta": meta, "manifest": manifest, "args": vars(args),
                   "rows": rows, "checks": checks, "errors": errors, "probes": probes,
                   "interrupted": interrupted}, f, indent=1, default=str)
    row_keys = ["variant", "D", "H", "B", "N", "pairs", "flops", "flops_kept",
                "ours_ms", "sdpa_ms", "flex_ms", "flex_static_ms",
                "ours_tflops", "sdpa_tflops", "flex_tflops", "flex_static_tflops",
                "ours_tflops_kept", "ours_over_sdpa", "ours_over_flex", "sdpa_mask",
                "flex_mode", "ours_reps", "sdpa_reps", "flex_reps",
                "flex_compile_s", "flex_static_compile_s", "flex_block_mask_s", "errors"]
    with open(os.path.join(args.out, "results.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(row_keys)
        for r in rows:
            w.writerow([" | ".join(r.get(k, [])) if k == "errors" else r.get(k, "")
                        for k in row_keys])
    check_keys = ["variant", "D", "shape", "impl", "ok", "rel_err", "empty_rows", "problem"]
    with open(os.path.join(args.out, "checks.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(check_keys)
        for c in checks:
            w.writerow([c.get(k, "") for k in check_keys])

    # Markdown.
    lines = []
    lines.append(f"## attn CUDA kernels vs SDPA (flash) and FlexAttention\n")
    lines.append(f"Device: {meta.get('device', '?')} (sm_{meta.get('capability', '?').replace('.', '')}), "
                 f"torch {meta.get('torch', '?')}, CUDA {meta.get('cuda', '?')}, "
                 f"triton {meta.get('triton', '?')}; bf16, B·N = {TOKENS}, hidden 2048; "
                 f"Flex compiled with dynamic={'True' if args.flex_compile == 'dynamic' else 'False'}.")
    if manifest:
        lines.append("Library: " + "; ".join(l for l in manifest.splitlines()
                                             if l.startswith(("built", "commit"))))
    lines.append("")
    lines.append("Times in ms (median); TFLOP/s = 4·B·H·N²·D / time (half for causal), "
                 "the same count for all three columns of a row; "
                 "'kept' = 4·B·H·D·(kept pairs) / our time; ratios = our time / theirs "
                 "(< 1: we are faster). SDPA = 'dense': SDPA computes every pair "
                 "(it has no such sparse mask).\n")
    lines.append("| variant | D | N | B | kept | ours ms | SDPA ms | Flex ms | ours TF/s | "
                 "SDPA TF/s | Flex TF/s | ours TF/s kept | ours/SDPA | ours/Flex | SDPA |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        if not any(r.get(k) for k in ("ours_ms", "sdpa_ms", "flex_ms")):
            continue
        density = r["pairs"] / (r["N"] * r["N"]) if r.get("pairs") else None
        lines.append(
            f"| {r['variant']} | {r['D']} | {r['N']} | {r['B']} | {fmt(density, '.1%')} | "
            f"{fmt(r.get('ours_ms'), '.3f')} | {fmt(r.get('sdpa_ms'), '.3f')} | "
            f"{fmt(r.get('flex_ms'), '.3f')} | {fmt(r.get('ours_tflops'), 'rate')} | "
            f"{fmt(r.get('sdpa_tflops'), 'rate')} | {fmt(r.get('flex_tflops'), 'rate')} | "
            f"{fmt(r.get('ours_tflops_kept'), 'rate')} | {fmt(r.get('ours_over_sdpa'), '.2f')} | "
            f"{fmt(r.get('ours_over_flex'), '.2f')} | {r.get('sdpa_mask', '')} |")
    probe_rows = [r for r in rows if r.get("flex_static_ms")]
    if probe_rows:
        lines.append("\nFlex compiled per shape (dynamic=False) vs dynamic=True, one N per (variant, D):\n")
        lines.append("| variant | D | N | Flex dynamic ms | Flex static ms | static/dynamic | compile s (static) |")
        lines.append("|---|---|---|---|---|---|---|")
        for r in probe_rows:
            lines.append(f"| {r['variant']} | {r['D']} | {r['N']} | {fmt(r.get('flex_ms'), '.3f')} | "
                         f"{fmt(r['flex_static_ms'], '.3f')} | "
                         f"{fmt(r['flex_static_ms'] / r['flex_ms'] if r.get('flex_ms') else None, '.2f')} | "
                         f"{fmt(r.get('flex_static_compile_s'), '.1f')} |")
    compile_rows = [r for r in rows if r.get("flex_compile_s")]
    if compile_rows:
        tot = sum(r["flex_compile_s"] for r in compile_rows)
        lines.append(f"\nFlex compile + first call: {tot:.0f} s in all (not in any time above).")
    n_skipped = sum(1 for c in checks if c.get("skipped"))
    lines.append(f"\n### Correctness: {len(checks) - len(failed_checks) - n_skipped} of "
                 f"{len(checks)} checks passed"
                 f"{f', {n_skipped} skipped' if n_skipped else ''} "
                 f"(relative error < {TOLERANCE} against float64)\n")
    if checks:
        worst = {}
        for c in checks:
            key = (c["variant"], c["D"], c["impl"])
            if c.get("rel_err") is not None:
                worst[key] = max(worst.get(key, 0.0), c["rel_err"])
        lines.append("| variant | D | impl | checks | worst rel. error |")
        lines.append("|---|---|---|---|---|")
        for key in sorted({(c["variant"], c["D"], c["impl"]) for c in checks},
                          key=lambda k: (args.variants.index(k[0]) if k[0] in args.variants else 99, k[1], k[2])):
            cs = [c for c in checks if (c["variant"], c["D"], c["impl"]) == key]
            lines.append(f"| {key[0]} | {key[1]} | {key[2]} | {sum(c['ok'] for c in cs)}/{len(cs)} | "
                         f"{fmt(worst.get(key), '.2e')} |")
    if failed_checks:
        lines.append("\nFAILED checks:")
        for c in failed_checks:
            lines.append(f"- {c['variant']}_d{c['D']} {c['shape']} {c['impl']}: {c['problem']}")
    skipped = [c for c in checks if c.get("skipped")]
    if skipped:
        lines.append("\nSkipped checks:")
    for c in skipped:
        lines.append(f"- {c['variant']}_d{c['D']} {c['shape']}: {c['problem']}")
    row_errors = [(r, e) for r in rows for e in r.get("errors", [])]
    if errors or row_errors:
        lines.append("\nErrors:")
        for e in errors:
            lines.append(f"- {e['type']} {e.get('variant', '')}{'_d' + str(e['D']) if 'D' in e else ''}: {e['error']}")
        for r, e in row_errors:
            lines.append(f"- {r['variant']}_d{r['D']} N={r['N']}: {e}")
    for p in probes:
        if p.get("error"):
            lines.append(f"- Flex dynamic=False probe {p['variant']}_d{p['D']} N={p['N']}: {p['error']}")
    if interrupted:
        lines.append(f"\nINTERRUPTED ({interrupted}): partial results.")
    text = "\n".join(lines) + "\n"
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write(text)
    print(text, flush=True)

    bad = bool(failed_checks or crashes or ours_errors or
               any(e.get("severity") == "fail" for e in errors))
    log(f"wrote {args.out}/results.md, results.csv, results.json, checks.csv; "
        f"{'FAILED' if bad else 'ok'}")
    if any(e["type"] == "fatal" for e in errors):
        return 2  # the set-up: no CUDA device, the library does not load, ...
    return 1 if bad else 0


# --------------------------------------------------------------------------

def _int_list(s):
    return [int(x) for x in s.split(",") if x]


def parse_args(argv=None):
    ap = argparse.ArgumentParser(
        description="attn CUDA kernels vs SDPA (flash) and FlexAttention: "
                    "correctness against float64, then timings. See bench/gpu/README.md.")
    ap.add_argument("--lib", default=DEFAULT_LIB,
                    help="the library of prepare.sh (default: %(default)s)")
    ap.add_argument("--out", default=os.path.join(os.getcwd(), "gpu-bench-out"),
                    help="folder for results.md/.csv/.json, checks.csv, progress.jsonl "
                         "(run.sh: $OUT)")
    ap.add_argument("--variants", default=",".join(VARIANTS),
                    help="comma-separated subset of %(default)s")
    ap.add_argument("--dims", default="64,128", help="head dimensions (64: H=32, 128: H=16)")
    ap.add_argument("--seq", default=",".join(map(str, SEQ)),
                    help="sequence lengths N, B = %d / N (default %%(default)s)" % TOKENS)
    ap.add_argument("--repeat", type=int, default=30,
                    help="most timed repeats per measurement (default %(default)s)")
    ap.add_argument("--min-repeat", type=int, default=5,
                    help="fewest timed repeats (default %(default)s)")
    ap.add_argument("--target-ms", type=float, default=250.0,
                    help="GPU time aimed at per measurement; sets the repeats between "
                         "--min-repeat and --repeat (default %(default)s)")
    ap.add_argument("--warmup", type=int, default=3, help="untimed calls first (default 3)")
    ap.add_argument("--check-only", action="store_true", help="correctness only, no timing")
    ap.add_argument("--skip-check", action="store_true", help="timing only")
    ap.add_argument("--check-max-n", type=int, default=2048,
                    help="benchmark shapes up to this N are also checked (default %(default)s)")
    ap.add_argument("--flex-compile", choices=["dynamic", "static"], default="dynamic",
                    help="torch.compile(flex_attention, dynamic=True) once per (variant, D), "
                         "or dynamic=False: one compile per shape (slower to run)")
    ap.add_argument("--flex-static-at", type=int, default=4096,
                    help="with --flex-compile dynamic, also time Flex compiled for this one N "
                         "with dynamic=False (0: never; default %(default)s)")
    ap.add_argument("--time-budget", type=float, default=0,
                    help="seconds for the whole run (0: none); timings that would start "
                         "later are skipped, checks always run")
    # Internal: the child process.
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--progress", help=argparse.SUPPRESS)
    ap.add_argument("--deadline", type=float, default=float("inf"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    args.variants = [v for v in args.variants.split(",") if v]
    unknown = [v for v in args.variants if v not in VARIANTS]
    if unknown:
        ap.error(f"unknown variants {unknown}; known: {', '.join(VARIANTS)}")
    args.dims = _int_list(args.dims)
    if any(d not in HEADS for d in args.dims):
        ap.error(f"--dims must be among {sorted(HEADS)}")
    args.seq = _int_list(args.seq)
    if any(n <= 0 or TOKENS % n for n in args.seq):
        ap.error(f"every N of --seq must divide {TOKENS}")
    if args.check_only and args.skip_check:
        ap.error("--check-only and --skip-check exclude each other")
    args.out = os.path.abspath(args.out)
    args.lib = os.path.abspath(args.lib)
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.child:
        return child_main(args)
    if not os.path.exists(args.lib):
        print(f"compare.py: error: no library {args.lib}: run bench/gpu/prepare.sh on the "
              f"development machine and carry .gpu-bench", file=sys.stderr)
        return 2
    return parent_main(args)


if __name__ == "__main__":
    sys.exit(main())
