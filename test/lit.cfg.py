# -*- Python -*-
# lit configuration of the attn tests.

import os

import lit.formats
from lit.llvm import llvm_config

config.name = "attn"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Unit", "Integration", "Aot", "Cuda", "Install", "lib", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py",
                   "Inputs"]

config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.attn_obj_root, "test")

config.substitutions.append(("%attn_src_root", config.attn_src_root))

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
# Every FileCheck: variables do not leak past a CHECK-LABEL.
config.environment["FILECHECK_OPTS"] = "--enable-var-scope"
llvm_config.use_default_substitutions()

tool_dirs = [config.attn_tools_dir, config.llvm_tools_dir]
llvm_config.add_tool_substitutions(["attn-opt", "attn-run", "attn-sweep", "attn-compile",
                                    "llvm-nm", "llvm-objdump"], tool_dirs)

# attn-run tests make and check .npy files with NumPy (python3-numpy, which
# cmake/install-deps.sh installs for Debian's /usr/bin/python3).
import subprocess
numpy_python = "/usr/bin/python3"
try:
    subprocess.run([numpy_python, "-c", "import numpy"], check=True,
                   capture_output=True)
    config.available_features.add("numpy")
except (OSError, subprocess.CalledProcessError):
    pass
config.substitutions.append(("%python", numpy_python))
llvm_config.with_environment("PATH", config.attn_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

# The report's browser test runs Debian's Chromium headless (the flags keep it
# off the network, which these machines do not reach).
import os.path
if os.path.exists("/usr/bin/chromium"):
    config.available_features.add("chromium")
    config.substitutions.append(("%chromium", " ".join([
        "timeout", "120", "/usr/bin/chromium", "--headless", "--no-sandbox",
        "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--hide-scrollbars",
        "--user-data-dir=%t/chromium-profile"])))

# ptxas (the CUDA toolkit) assembles the GPU kernels; found as attn-compile
# finds it (findPtxas): $ATTN_PTXAS alone when set, else $CUDA_HOME/bin,
# /usr/local/cuda/bin, PATH.
import shutil
if "ATTN_PTXAS" in os.environ:
    candidates = [os.environ["ATTN_PTXAS"]]
else:
    candidates = [os.path.join(os.environ.get("CUDA_HOME", "/nonexistent"), "bin/ptxas"),
                  "/usr/local/cuda/bin/ptxas", shutil.which("ptxas") or ""]
ptxas = next((p for p in candidates if p and os.access(p, os.X_OK)), "")
if ptxas:
    config.available_features.add("ptxas")
llvm_config.with_system_environment(["ATTN_PTXAS", "CUDA_HOME"])
