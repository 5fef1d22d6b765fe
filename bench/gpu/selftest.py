#!/usr/bin/env python3
"""Checks, on the development machine (no GPU, no torch), the pieces of
compare.py that can be checked here:

  1. its BigBird random-block generator against the compiler's, for many
     parameter sets and shapes (Nq = Nk, Nq < Nk, Nq > Nk), through
     `attn-run --dump-mask` (the mask the pattern attribute computes);
  2. every variant's predicate (the one compare.py uses for the float64
     reference, the pair counts and Flex's mask_mod) against
     `attn-run --dump-mask` on f32 copies of bench/gpu/kernels.mlir;
  3. the ctypes calling convention of compare.AttnLibrary and the masks on
     real kernel outputs: with the CPU link test of prepare.sh
     (libattn_gpu_bench.so built from the f32 copy, entries attn_<f>_f32),
     every function against a numpy float64 reference built from compare.py's
     masks, including Nq != Nk and rows with no kept key (exactly 0);
  4. compare.py's parent process with a stand-in child: a child that dies
     mid-variant is replaced, results and exit codes;
  5. compare.py's child end to end on the CPU, if torch is importable (any
     version; Debian's python3-torch will do), with CUDA, torch.compile,
     SDPA and Flex replaced by CPU stand-ins and two planted kernel faults.

usage: /usr/bin/python3 bench/gpu/selftest.py [--build build] [--quick]
Needs numpy and build/bin/attn-run (make); step 3 runs prepare.sh
--link-test-cpu itself.
"""

import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import compare  # noqa: E402

FAILURES = []


def expect(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        FAILURES.append(what)


def np_mask(variant, nq, nk):
    return compare.dense_mask(variant, nq, nk,
                              lambda n: np.arange(n, dtype=np.int64), np.asarray)


def dump_mask(attn_run, mlir, entry, B, H, nq, nk, D, tmp):
    rng = np.random.default_rng(0)
    for name, n in (("q", nq), ("k", nk), ("v", nk)):
        np.save(f"{tmp}/{name}.npy", rng.standard_normal((B, H, n, D), dtype=np.float32))
    subprocess.run([attn_run, mlir, "--entry", entry, "--input", f"q={tmp}/q.npy",
                    "--input", f"k={tmp}/k.npy", "--input", f"v={tmp}/v.npy",
                    "--output", f"{tmp}/o.npy", "--dump-mask", f"{tmp}/m.npy"],
                   check=True)
    return np.load(f"{tmp}/m.npy").astype(bool)


def test_bigbird_generator(attn_run, tmp, quick):
    params = [dict(block=64, window=3, glob=2, random=3, seed=0),
              dict(block=4, window=3, glob=1, random=2, seed=0),
              dict(block=8, window=5, glob=0, random=4, seed=12345),
              dict(block=16, window=2, glob=3, random=1, seed=9223372036854775807),
              dict(block=4, window=0, glob=0, random=16, seed=7),
              dict(block=1, window=1, glob=2, random=5, seed=3),
              dict(block=32, window=7, glob=1, random=0, seed=1)]
    shapes = [(1, 1), (17, 17), (200, 200), (64, 1000), (1000, 64), (1, 777), (530, 530)]
    if quick:
        params, shapes = params[:3], shapes[:4]
    for prm in params:
        attr = (f"#attn.bigbird<block = {prm['block']}, window = {prm['window']}, "
                f"global = {prm['glob']}, random = {prm['random']}, seed = {prm['seed']}>")
        mlir = f"{tmp}/bb.mlir"
        with open(mlir, "w") as f:
            f.write("func.func @bb(%q: tensor<?x?x?x16xf32>, %k: tensor<?x?x?x16xf32>, "
                    "%v: tensor<?x?x?x16xf32>) -> tensor<?x?x?x16xf32> {\n"
                    f"  %o = attn.attention %q, %k, %v pattern({attr}) : tensor<?x?x?x16xf32>, "
                    "tensor<?x?x?x16xf32>, tensor<?x?x?x16xf32> -> tensor<?x?x?x16xf32>\n"
                    "  return %o : tensor<?x?x?x16xf32>\n}\n")
        for nq, nk in shapes:
            want = dump_mask(attn_run, mlir, "bb", 1, 1, nq, nk, 16, tmp)
            qb0, rows = compare.bigbird_block_table(nq, nk, **prm)
            table = np.asarray(rows, dtype=bool)
            p = np.arange(nq)[:, None] + (nk - nq)
            j = np.arange(nk)[None, :]
            got = table[p // prm["block"] - qb0, j // prm["block"]]
            expect(got.shape == want.shape and bool((got == want).all()),
                   f"bigbird generator {attr} Nq={nq} Nk={nk}: "
                   f"{int(want.sum())} pairs, {int((got != want).sum()) if got.shape == want.shape else 'shape'} differ")


def test_variant_masks(attn_run, tmp, f32_mlir, quick):
    shapes = [(1, 1), (65, 65), (1000, 1000), (1, 1000), (300, 1000), (1000, 300),
              (2048, 2048), (4096, 4096)]
    if quick:
        shapes = shapes[:6]
    for name, variant in compare.VARIANTS.items():
        for nq, nk in shapes:
            want = dump_mask(attn_run, f32_mlir, f"{name}_d64", 1, 32, nq, nk, 64, tmp)
            got = np_mask(variant, nq, nk)
            expect(got.shape == want.shape and bool((got == want).all()),
                   f"mask {name} Nq={nq} Nk={nk}: {int(want.sum())} pairs "
                   f"({int((~want.any(1)).sum())} empty rows)")


def np_reference(q, k, v, mask):
    q, k, v = (x.astype(np.float64) for x in (q, k, v))
    s = q @ k.transpose(0, 1, 3, 2) / np.sqrt(q.shape[-1])
    s = np.where(mask, s, -np.inf)
    mx = s.max(-1, keepdims=True)
    mx = np.where(np.isfinite(mx), mx, 0.0)
    e = np.exp(s - mx)
    d = e.sum(-1, keepdims=True)
    return (e @ v) / np.where(d > 0, d, 1.0)


def test_library(tmp, quick):
    out = f"{tmp}/linktest"
    subprocess.run(["bash", f"{HERE}/prepare.sh", "--link-test-cpu"], check=True,
                   env=dict(os.environ, ATTN_LINK_TEST_OUT=out))
    lib = compare.AttnLibrary(f"{out}/libattn_gpu_bench.so", suffix="f32")
    shapes = [(1, 1, 1), (2, 65, 65), (1, 1000, 1000), (1, 1, 1000), (1, 300, 1000),
              (1, 1000, 300)]
    if quick:
        shapes = shapes[:4] + shapes[5:]
    rng = np.random.default_rng(1)
    for name, variant in compare.VARIANTS.items():
        for D, H in compare.HEADS.items():
            fn = lib.entry(f"{name}_d{D}")
            for B, nq, nk in shapes:
                q = rng.standard_normal((B, H, nq, D), dtype=np.float32)
                k = rng.standard_normal((B, H, nk, D), dtype=np.float32)
                v = rng.standard_normal((B, H, nk, D), dtype=np.float32)
                o = np.full((B, H, nq, D), np.nan, dtype=np.float32)
                fn(q.ctypes.data, k.ctypes.data, v.ctypes.data, o.ctypes.data,
                   B, H, H, nq, nk, D)
                mask = np_mask(variant, nq, nk)
                ref = np_reference(q, k, v, mask)
                err = np.linalg.norm(o - ref) / max(np.linalg.norm(ref), 1e-300)
                empty = ~mask.any(1)
                zeros = bool((o[..., empty, :] == 0).all())
                expect(np.isfinite(o).all() and err < 1e-4 and zeros,
                       f"{fn.symbol} B={B} Nq={nq} Nk={nk}: rel err {err:.1e}, "
                       f"{int(empty.sum())} empty rows {'0' if zeros else 'NOT 0'}")
    # The error path: a wrong head count is refused with a message.
    fn = lib.entry("dense_d64")
    x = np.zeros((1, 8, 4, 64), dtype=np.float32)
    try:
        fn(x.ctypes.data, x.ctypes.data, x.ctypes.data, x.ctypes.data, 1, 8, 8, 4, 4, 64)
        expect(False, "H = 8 for a function of H = 32 is refused")
    except compare.AttnError as err:
        expect("32" in str(err), f"H = 8 for a function of H = 32 is refused: {err}")
    try:
        lib.entry("nonexistent")
        expect(False, "a missing entry is reported")
    except compare.AttnError as err:
        expect(True, f"a missing entry is reported: {err}")


FAKE_CHILD = r"""
# A stand-in for compare.py's child: events as the real one writes them.
import json, os, sys
sys.path.insert(0, os.environ["SELFTEST_HERE"])
import compare
args = compare.parse_args(sys.argv[1:])
def emit(**e):
    with open(args.progress, "a") as f:
        f.write(json.dumps(e) + "\n")
emit(type="meta", torch="x", cuda="y", device="Fake GPU", capability="9.0", triton="z")
for v in args.variants:
    emit(type="start", variant=v)
    if v == "sliding" and not os.path.exists(args.progress + ".crashed"):
        open(args.progress + ".crashed", "w").close()
        os._exit(139)  # dies like a segfault, mid-variant
    for D in args.dims:
        ok = not (v == "bigbird" and D == 128)
        emit(type="check", variant=v, D=D, shape="B=1 Nq=65 Nk=65", impl="ours", ok=ok,
             rel_err=1e-3 if ok else 0.5, empty_rows=0, problem="" if ok else "relative error 0.5")
        for N in args.seq:
            B = compare.TOKENS // N
            row = dict(variant=v, D=D, H=compare.HEADS[D], B=B, N=N, pairs=N * N // 2,
                       flops=4.0 * B * compare.HEADS[D] * N * N * D, sdpa_mask="same",
                       flex_mode=args.flex_compile, errors=[], ours_ms=2.0, sdpa_ms=1.0,
                       flex_ms=4.0)
            row["flops_kept"] = row["flops"] / 2
            for i in ("ours", "sdpa", "flex"):
                row[i + "_tflops"] = row["flops"] / (row[i + "_ms"] * 1e-3) / 1e12
            row["ours_over_sdpa"], row["ours_over_flex"] = 2.0, 0.5
            emit(type="row", **row)
    emit(type="done", variant=v)
"""


def test_orchestration(tmp):
    """compare.py's parent with a stand-in child: a child that dies in one
    variant is replaced, the others are reported, a failed check fails."""
    child = f"{tmp}/fake_child.py"
    with open(child, "w") as f:
        f.write(FAKE_CHILD)
    lib = f"{tmp}/fake.so"
    open(lib, "w").close()
    out = f"{tmp}/out"
    env = dict(os.environ, ATTN_GPU_BENCH_CHILD=child, SELFTEST_HERE=HERE)
    r = subprocess.run([sys.executable, f"{HERE}/compare.py", "--lib", lib, "--out", out,
                        "--seq", "1024,4096", "--time-budget", "100"],
                       env=env, capture_output=True, text=True)
    md = r.stdout
    expect(r.returncode == 1, f"orchestration: exit code 1 on a failed check/crash (got {r.returncode})")
    expect("crash sliding" in md, "orchestration: the dead child's variant is reported crashed")
    expect(all(f"| {v} | 64 | 4096 |" in md for v in ("dense", "causal", "longformer", "bigbird")),
           "orchestration: the variants after the crash ran in a fresh child")
    expect("FAILED checks" in md and "bigbird_d128" in md, "orchestration: the failed check is listed")
    expect(all(os.path.exists(f"{out}/{n}") for n in
               ("results.md", "results.csv", "results.json", "checks.csv", "progress.jsonl")),
           "orchestration: results.md/.csv/.json, checks.csv, progress.jsonl written")
    import csv as _csv
    with open(f"{out}/results.csv") as f:
        rows = list(_csv.DictReader(f))
    expect(len(rows) == 4 * 2 * 2, f"orchestration: {len(rows)} CSV rows (want 16)")
    r = subprocess.run([sys.executable, f"{HERE}/compare.py", "--lib", lib, "--out", out,
                        "--variants", "dense,causal", "--seq", "512"],
                       env=env, capture_output=True, text=True)
    expect(r.returncode == 0, f"orchestration: exit code 0 when all passes (got {r.returncode})")
    if r.returncode:
        print(r.stdout[-2000:], r.stderr[-2000:])


def shim_torch_cuda(torch):
    """Makes compare.py's child run on the CPU: "cuda" tensors on the CPU,
    CUDA events from the wall clock, torch.compile the identity, SDPA and
    Flex by compare.reference on the dense mask. For a smoke test of the
    child's code paths only (they cannot run here otherwise)."""
    import contextlib
    import time
    import types

    def on_cpu(fn):
        def wrapped(*a, **kw):
            if kw.get("device") == "cuda":
                kw["device"] = "cpu"
            return fn(*a, **kw)
        return wrapped
    for name in ("randn", "full", "tensor", "arange", "empty", "zeros"):
        setattr(torch, name, on_cpu(getattr(torch, name)))
    generator = torch.Generator
    torch.Generator = lambda device=None: generator()

    class Event:
        def __init__(self, enable_timing=False):
            self.t = None

        def record(self):
            self.t = time.perf_counter()

        def elapsed_time(self, end):
            return (end.t - self.t) * 1e3
    cuda = torch.cuda
    cuda.is_available = lambda: True
    cuda.synchronize = lambda: None
    cuda.get_device_name = lambda *a: "CPU shim"
    cuda.get_device_capability = lambda *a: (0, 0)
    cuda.current_stream = lambda: types.SimpleNamespace(cuda_stream=0)
    cuda.Event = Event
    cuda._sleep = lambda cycles: None
    torch.compile = lambda fn, dynamic=None: fn
    torch._dynamo = types.SimpleNamespace(reset=lambda: None,
                                          config=types.SimpleNamespace(cache_size_limit=8))

    attention = types.ModuleType("torch.nn.attention")
    attention.SDPBackend = types.SimpleNamespace(FLASH_ATTENTION=1)
    attention.sdpa_kernel = lambda backend: contextlib.nullcontext()
    flex = types.ModuleType("torch.nn.attention.flex_attention")

    def create_block_mask(mask_mod, B, H, nq, nk, device=None):
        m = mask_mod(None, None, torch.arange(nq)[:, None], torch.arange(nk)[None, :])
        return m.expand(nq, nk)

    def flex_attention(q, k, v, block_mask=None):
        if block_mask is None:
            block_mask = torch.ones(q.shape[2], k.shape[2], dtype=torch.bool)
        return compare.reference(torch, q, k, v, block_mask).to(q.dtype)
    flex.create_block_mask, flex.flex_attention = create_block_mask, flex_attention
    sys.modules["torch.nn.attention"] = attention
    sys.modules["torch.nn.attention.flex_attention"] = flex

    def sdpa(q, k, v, is_causal=False):
        m = torch.ones(q.shape[2], k.shape[2], dtype=torch.bool)
        return compare.reference(torch, q, k, v, m.tril() if is_causal else m).to(q.dtype)
    torch.nn.functional.scaled_dot_product_attention = sdpa


class ShimLibrary:
    """Stands for AttnLibrary: each entry computes with compare.reference
    (so the child sees correct outputs), except two planted faults: longformer
    computes a causal mask instead, sliding refuses Nq != Nk."""

    def __init__(self, path, suffix="cuda"):
        self.tensors = {}

    def entry(self, name):
        variant = compare.VARIANTS[name.rsplit("_d", 1)[0]]

        def call(q, k, v, out, B, H, Hkv, nq, nk, D, stream=None):
            qt, kt, vt, ot = (self.tensors[p] for p in (q, k, v, out))
            if variant.name == "sliding" and nq != nk:
                raise compare.AttnError("attn_sliding_cuda returned 12: Nq != Nk unsupported")
            import torch
            mask = compare.torch_mask(torch, variant, nq, nk, "cpu")
            if variant.name == "longformer":
                mask = torch.ones_like(mask).tril()  # the planted fault
            ot.copy_(compare.reference(torch, qt, kt, vt, mask))
        call.symbol = f"attn_{name}_cuda"
        return call


def test_child_on_cpu(tmp):
    """compare.py's child (Bench) end to end on the CPU through the shim."""
    try:
        import torch
    except ImportError:
        print("skip child smoke test: no torch here (apt-get install python3-torch)")
        return
    shim_torch_cuda(torch)
    compare.TOKENS = 1024  # B = 1024 / N, H = 4: small enough for the CPU
    compare.HEADS = {64: 4}
    compare.SMALL_CHECKS = [(1, 1, 1), (2, 65, 65), (1, 1, 100), (1, 30, 100), (1, 100, 30)]
    lib = ShimLibrary(None)
    compare.AttnLibrary = lambda path, suffix="cuda": lib
    run_ours = compare.Bench.run_ours

    def run_ours_shim(self, fn, q, k, v, out):
        lib.tensors = {t.data_ptr(): t for t in (q, k, v, out)}
        run_ours(self, fn, q, k, v, out)
    compare.Bench.run_ours = run_ours_shim
    out = f"{tmp}/child"
    os.makedirs(out)
    args = compare.parse_args(["--child", "--progress", f"{out}/progress.jsonl",
                               "--lib", "x", "--dims", "64", "--seq", "256,512",
                               "--repeat", "2", "--min-repeat", "1", "--warmup", "0",
                               "--target-ms", "1", "--check-max-n", "256",
                               "--flex-static-at", "512", "--out", out])
    import contextlib
    import io
    with contextlib.redirect_stderr(io.StringIO()) as log:
        rc = compare.child_main(args)
    if rc != 0:
        print(log.getvalue()[-3000:])
    expect(rc == 0, f"child smoke: child_main returned {rc}")
    events = compare.read_progress(args.progress)
    kinds = {}
    for e in events:
        kinds[e["type"]] = kinds.get(e["type"], 0) + 1
    checks = [e for e in events if e["type"] == "check"]
    rows = [e for e in events if e["type"] == "row"]
    fails = [c for c in checks if not c["ok"]]
    expect(kinds.get("done") == 5 and len(rows) == 10 and kinds.get("probe") == 5,
           f"child smoke: events {kinds}")
    expect(all(c["variant"] == "longformer" and c["impl"] == "ours" for c in fails) and
           len(fails) >= 3, f"child smoke: only the planted longformer fault fails "
           f"({len(fails)} failures: {sorted({(c['variant'], c['impl']) for c in fails})})")
    skipped = [c for c in checks if c.get("skipped")]
    expect(len(skipped) == 3 and all(c["variant"] == "sliding" for c in skipped),
           f"child smoke: sliding's refused Nq != Nk shapes are skipped ({len(skipped)})")
    empty = [c for c in checks if c.get("empty_rows")]
    expect(any(c["variant"] == "causal" and c["ok"] for c in empty),
           "child smoke: causal 100 x 30 has empty rows, checked as zeros")
    impls = {c["impl"] for c in checks if c["shape"].startswith("B=4 N=256")}
    expect(impls == {"ours", "sdpa", "flex"}, f"child smoke: checked at a benchmark shape: {impls}")
    timed = all(r.get(f"{i}_ms") for r in rows for i in ("ours", "sdpa", "flex"))
    expect(timed and all(r.get("pairs") for r in rows), "child smoke: every row timed three ways, pairs counted")
    errs = [e for r in rows for e in r["errors"]]
    expect(not errs, f"child smoke: no row errors {errs[:3]}")
    dense_sdpa = [c for c in checks if c["impl"] == "sdpa" and c["variant"] not in ("dense", "causal")]
    expect(not dense_sdpa, "child smoke: SDPA is checked only where it has the variant's mask")
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        r = compare.report(args, args.progress)
    expect(r == 1, f"child smoke: report fails on the planted fault (got {r})")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.path.join(REPO, "build"))
    ap.add_argument("--quick", action="store_true", help="fewer shapes")
    ap.add_argument("--skip-library", action="store_true", help="skip step 3")
    args = ap.parse_args()
    attn_run = os.path.join(args.build, "bin", "attn-run")
    if not os.path.exists(attn_run):
        sys.exit(f"selftest.py: no {attn_run}: build attn first (make)")
    with tempfile.TemporaryDirectory() as tmp:
        f32 = f"{tmp}/kernels_f32.mlir"
        with open(os.path.join(HERE, "kernels.mlir")) as src, open(f32, "w") as dst:
            dst.write(src.read().replace("bf16", "f32"))
        test_bigbird_generator(attn_run, tmp, args.quick)
        test_variant_masks(attn_run, tmp, f32, args.quick)
        if not args.skip_library:
            test_library(tmp, args.quick)
        test_orchestration(tmp)
        test_child_on_cpu(tmp)  # last: it patches torch and compare
    print(f"\n{len(FAILURES)} failure(s)" if FAILURES else "\nall passed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
