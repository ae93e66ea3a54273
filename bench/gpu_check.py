"""GPU check: every Triton kernel against torch, then one table of speeds.

On a CUDA machine, from the repository root (nothing to install; minitf runs from the
source tree)::

    python3 bench/gpu_check.py

On a CPU machine, to check the script itself before spending GPU time (tiny sizes,
kernels in Triton's interpreter, the "GPU" simulated on torch CPU tensors)::

    .venv/bin/python bench/gpu_check.py --interpret

Phase 1 runs each kernel on fresh random inputs at irregular sizes, with every buffer
torch allocates during the call poisoned (NaN, or -77 for integers) so an element a
kernel forgets to write cannot pass; it reports the normwise relative error
``max|out - ref| / max|ref|`` against a float64 reference (NaN fails). Phase 2 times
kernels against torch (median of ``triton.testing.do_bench`` after warm-up) and the
seed's ``fit`` and a 784-256-10 MLP training step on the GPU against the CPU. The table
is printed last and written to ``$OUT/gpu_check.txt`` when ``OUT`` is set. It never
asserts a speed: ratios are reported, as everything in bench/.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

# ruff: noqa: B023 - the checks' closures are called at once, inside add() and bench()

ROOT = pathlib.Path(__file__).resolve().parent.parent
T0 = time.perf_counter()


def say(text: str) -> None:
    print(f"[{time.perf_counter() - T0:6.1f}s] {text}", flush=True)


# ---------------------------------------------------------------------------------------
# Phase 1: correctness
# ---------------------------------------------------------------------------------------
@contextlib.contextmanager
def poisoned_allocations(torch: object) -> Iterator[None]:
    """Every ``torch.empty``/``empty_like`` inside the block comes back filled with NaN
    (floats) or -77 (integers): unwritten output elements become visible."""
    real_empty, real_like = torch.empty, torch.empty_like

    def poison(t: object) -> object:
        if t.dtype.is_floating_point:
            return t.fill_(float("nan"))
        return t.fill_(-77) if t.dtype != torch.bool else t

    torch.empty = lambda *a, **k: poison(real_empty(*a, **k))
    torch.empty_like = lambda *a, **k: poison(real_like(*a, **k))
    try:
        yield
    finally:
        torch.empty, torch.empty_like = real_empty, real_like


def relative_error(torch: object, out: object, ref: object) -> float:
    """``max|out - ref| / max|ref|`` in float64; inf if ``out`` has NaN where ``ref`` has not."""
    out, ref = out.double(), ref.double()
    if out.shape != ref.shape:
        return float("inf")
    if bool((torch.isnan(out) & ~torch.isnan(ref)).any()):
        return float("inf")
    scale = ref.abs().max().item() if ref.numel() else 1.0
    err = (out - ref).abs().nan_to_num(0.0).max().item() if ref.numel() else 0.0
    return err / max(scale, 1e-30)


def correctness_checks(torch: object, K: dict, S: dict, dev: str) -> list:
    """(name, relative error, tolerance) for every kernel at irregular sizes."""
    ew, fu, red, sm, mm = K["elementwise"], K["fused"], K["reduction"], K["softmax"], K["matmul"]
    g = torch.Generator(device=dev).manual_seed(0)

    def rnd(*shape: int, dtype: object = torch.float32, low: float = -3, high: float = 3):
        return (torch.rand(shape, generator=g, device=dev) * (high - low) + low).to(dtype)

    n, (m, k) = S["ew_n"], S["mk"]
    checks: list = []

    def add(name: str, run: Callable[[], object], ref: Callable[[], object], tol: float) -> None:
        try:
            with poisoned_allocations(torch):
                out = run()
            checks.append((name, relative_error(torch, out, ref()), tol))
        except Exception as e:  # noqa: BLE001 - report it and go on: one run must say all
            checks.append((f"{name} raised {type(e).__name__}: {str(e)[:200]}", float("inf"),
                           tol))

    f64 = torch.float64
    for op, fn in [("neg", torch.neg), ("exp", torch.exp), ("log", torch.log),
                   ("sqrt", torch.sqrt), ("tanh", torch.tanh), ("sigmoid", torch.sigmoid),
                   ("abs", torch.abs)]:
        x = rnd(n, low=0.1 if op in ("log", "sqrt") else -6, high=6)
        add(f"unary {op} fp32 [{n}]", lambda: ew.unary(op, x), lambda: fn(x.to(f64)), 1e-5)
    for op, fn in [("add", torch.add), ("sub", torch.sub), ("mul", torch.mul),
                   ("div", torch.div), ("max", torch.maximum), ("min", torch.minimum)]:
        a, b = rnd(m, k), rnd(k, low=0.5, high=3)
        add(f"binary {op} fp32 [{m},{k}]+[{k}]", lambda: ew.binary(op, a, b),
            lambda: fn(a.to(f64), b.to(f64)), 1e-6)
    a, b = rnd(n, dtype=torch.bfloat16), rnd(n, dtype=torch.bfloat16)
    add(f"binary add bf16 [{n}]", lambda: ew.binary("add", a, b),
        lambda: (a.to(f64) + b.to(f64)), 8e-3)
    ai, bi = rnd(m, k).round().int(), rnd(1, k).round().int()
    add(f"binary mul int32 [{m},{k}]", lambda: ew.binary("mul", ai, bi), lambda: ai.long() * bi, 0)
    c, a = rnd(m, k) > 0, rnd(m, k)
    add(f"select fp32 [{m},{k}]", lambda: ew.select(c, a, torch.tensor(0.0, device=dev)),
        lambda: torch.where(c, a.to(f64), 0.0), 0)
    x, w, bias = rnd(n), rnd(n), torch.tensor(0.25, device=dev)
    prog = (("mul", 0, 1), ("add", 3, 2), ("tanh", 4), ("max", 5, 0.0))
    add(f"fused tanh(x*w+b) relu fp32 [{n}]", lambda: fu.fused_elementwise(prog, [x, w, bias], (6,))[0],
        lambda: torch.tanh(x.to(f64) * w.to(f64) + 0.25).clamp_min(0), 1e-5)
    for shape, axes in [((n,), None), ((m, k), (0,)), ((m, k), (1,)), ((3, m, 67), (0, 2))]:
        x = rnd(*shape)
        for op, fn in [("sum", torch.sum), ("mean", torch.mean), ("max", torch.amax)]:
            dims = tuple(range(len(shape))) if axes is None else axes
            add(f"reduce {op} fp32 {list(shape)} axes={axes}", lambda: red.reduce(op, x, axes),
                lambda: fn(x.to(f64), dim=dims), 1e-5)
    h = rnd(m, k, dtype=torch.float16)
    add(f"reduce sum fp16 [{m},{k}] axes=(0,)", lambda: red.reduce("sum", h, (0,)),
        lambda: h.to(f64).sum(0), 2e-3)
    for rows, cols, mb in [(67, 131, None), (S["sm_rows"], S["sm_long"], S["sm_block"])]:
        x = rnd(rows, cols, low=-20, high=20)
        for log in (False, True):
            ref = torch.log_softmax if log else torch.softmax
            add(f"{'log_' if log else ''}softmax fp32 [{rows},{cols}]",
                lambda: sm.softmax(x, -1, log, mb), lambda: ref(x.to(f64), -1), 1e-5)
    xb = rnd(67, 131, dtype=torch.bfloat16)
    add("softmax bf16 [67,131]", lambda: sm.softmax(xb), lambda: torch.softmax(xb.to(f64), -1), 8e-3)
    mm_m, mm_k, mm_n = S["mm"]
    for dtype, tf32, tol in [(torch.float32, False, 1e-5), (torch.float32, True, 5e-3),
                             (torch.float16, False, 2e-3), (torch.bfloat16, False, 1e-2)]:
        a, b = rnd(mm_m, mm_k, dtype=dtype), rnd(mm_k, mm_n, dtype=dtype)
        name = {torch.float32: "tf32" if tf32 else "fp32"}.get(dtype, str(dtype)[6:])
        add(f"matmul {name} [{mm_m},{mm_k}]@[{mm_k},{mm_n}]",
            lambda: mm.matmul(a, b, allow_tf32=tf32), lambda: a.to(f64) @ b.to(f64), tol)
    a, b = rnd(3, 65, 129), rnd(31, 129).mT
    add("matmul fp32 batched [3,65,129]@[129,31]ᵀ", lambda: mm.matmul(a, b, allow_tf32=False),
        lambda: a.to(f64) @ b.to(f64), 1e-5)
    return checks


# ---------------------------------------------------------------------------------------
# Phase 2: speed
# ---------------------------------------------------------------------------------------
def timer(torch: object, cuda: bool) -> Callable[[Callable[[], object]], float]:
    """A function timing ``fn`` in ms: the median of triton's do_bench on a GPU, of a few
    wall-clock runs under the interpreter (meaningless there, but exercises the code)."""
    def measure(fn: Callable[[], object]) -> float:
        fn()  # warm-up: compile, autotune
        if cuda:
            from triton.testing import do_bench
            torch.cuda.synchronize()
            return float(do_bench(fn, warmup=25, rep=200, return_mode="median"))
        runs = []
        for _ in range(3):
            t = time.perf_counter()
            fn()
            runs.append((time.perf_counter() - t) * 1e3)
        return statistics.median(runs)

    def bench(fn: Callable[[], object]) -> float:
        try:
            return measure(fn)
        except Exception as e:  # noqa: BLE001 - a failed row reads nan; the table still prints
            say(f"  failed: {type(e).__name__}: {str(e)[:300]}")
            return float("nan")
    return bench


def kernel_rows(torch: object, K: dict, S: dict, dev: str, bench: Callable) -> list:
    """(what, size, unit, ours, torch's) rows for the table."""
    rows = []
    n = S["add_n"]
    a, b = torch.randn(n, device=dev), torch.randn(n, device=dev)
    def gbs(nbytes: int) -> Callable[[float], float]:
        return lambda ms: nbytes / ms / 1e6  # bytes per ms -> GB/s

    rate = gbs(3 * n * 4)
    say("timing add")
    rows.append(("add fp32", f"2^{n.bit_length() - 1}", "GB/s",
                 rate(bench(lambda: K["elementwise"].binary("add", a, b))),
                 rate(bench(lambda: torch.add(a, b)))))
    w, bias = torch.randn(n, device=dev), torch.tensor(0.5, device=dev)
    prog = (("mul", 0, 1), ("add", 3, 2), ("tanh", 4))
    say("timing fused chain")
    rows.append(("fused tanh(x*w+b) fp32", f"2^{n.bit_length() - 1}", "GB/s", gbs(3 * n * 4)(
        bench(lambda: K["fused"].fused_elementwise(prog, [a, w, bias], (5,)))), gbs(3 * n * 4)(
        bench(lambda: torch.tanh(a * w + bias)))))
    for cols in S["sm_cols"]:
        x = torch.randn(S["sm_m"], cols, device=dev)
        rate = gbs(2 * x.numel() * 4)
        say(f"timing softmax {S['sm_m']}x{cols}")
        rows.append(("softmax fp32", f"{S['sm_m']}x{cols}", "GB/s",
                     rate(bench(lambda: K["softmax"].softmax(x))),
                     rate(bench(lambda: torch.softmax(x, -1)))))
    x = torch.randn(S["red_n"], device=dev)
    rate = gbs(x.numel() * 4)
    say("timing reduce_sum")
    rows.append(("reduce_sum fp32 (all)", f"2^{S['red_n'].bit_length() - 1}", "GB/s",
                 rate(bench(lambda: K["reduction"].reduce("sum", x))),
                 rate(bench(lambda: torch.sum(x)))))
    x = x.reshape(S["red_rows"], -1)
    rows.append(("reduce_sum fp32 (rows)", f"{x.shape[0]}x{x.shape[1]}", "GB/s",
                 rate(bench(lambda: K["reduction"].reduce("sum", x, (1,)))),
                 rate(bench(lambda: torch.sum(x, 1)))))
    s = S["mm_n"]
    def flops(ms: float) -> float:
        return 2 * s**3 / ms / 1e9  # TFLOP/s

    for dtype, label in [(torch.bfloat16, "matmul bf16"), (torch.float32, "matmul fp32/TF32")]:
        p, q = torch.randn(s, s, device=dev).to(dtype), torch.randn(s, s, device=dev).to(dtype)
        say(f"timing {label} (autotunes on first call)")
        if dev == "cuda":
            torch.backends.cuda.matmul.allow_tf32 = True  # cuBLAS TF32, as ours
        rows.append((label, f"{s}^3", "TFLOP/s",
                     flops(bench(lambda: K["matmul"].matmul(p, q, allow_tf32=True))),
                     flops(bench(lambda: torch.matmul(p, q)))))
    # An experiment: Hopper's tensor-core instructions want 32-bit operands K-major. A
    # column-major B (the same matrix, transposed storage) shows whether that is what
    # limits the TF32 row above.
    q_cm = q.t().contiguous().t()
    say("timing matmul fp32/TF32 with a column-major B")
    rows.append(("matmul TF32, B col-major", f"{s}^3", "TFLOP/s",
                 flops(bench(lambda: K["matmul"].matmul(p, q_cm, allow_tf32=True))),
                 flops(bench(lambda: torch.matmul(p, q_cm)))))
    return rows


def training_times(tf: object, np: object, S: dict) -> dict:
    """Seconds for the seed's keras ``fit`` and milliseconds per 784-256-10 MLP step, on
    the default device of this process."""
    rng = np.random.default_rng(0)
    x = np.linspace(-2, 2, 201).astype(np.float32)
    y = (x**2 + 2 * x - 5 + rng.standard_normal(201)).astype(np.float32)
    model = tf.keras.Sequential([
        tf.keras.layers.Lambda(lambda x: tf.stack([x, x**2], axis=1)),
        tf.keras.layers.Dense(units=1, kernel_initializer=tf.random.normal)])
    model.compile(loss=tf.keras.losses.MSE, optimizer=tf.keras.optimizers.SGD(learning_rate=0.01))
    model.fit(x, y, epochs=1, batch_size=32, verbose=0)  # warm-up: traces, autotunes
    t = time.perf_counter()
    model.fit(x, y, epochs=S["fit_epochs"], batch_size=32, verbose=0)
    fit_s = time.perf_counter() - t

    xs = tf.constant(rng.standard_normal((S["mlp_batch"], 784)).astype(np.float32))
    ys = tf.constant(rng.integers(0, 10, S["mlp_batch"]).astype(np.int32))
    mlp = tf.keras.Sequential([tf.keras.layers.Dense(256, activation="relu"),
                               tf.keras.layers.Dense(10)])
    mlp.compile(optimizer=tf.keras.optimizers.SGD(learning_rate=0.1),
                loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    mlp.train_on_batch(xs, ys)  # warm-up: builds, traces, autotunes
    runs = []
    for _ in range(S["mlp_steps"]):
        t = time.perf_counter()
        float(mlp.train_on_batch(xs, ys))  # float(): waits for the device
        runs.append((time.perf_counter() - t) * 1e3)
    return {"fit": fit_s, "step": statistics.median(runs)}


def cpu_baseline(S: dict, interpret: bool) -> dict:
    """:func:`training_times` in a fresh process with ``MINITF_DEVICE=cpu``: minitf never
    imports torch there, so the CPU keeps its NumPy-only fast paths (a fair baseline)."""
    env = dict(os.environ, MINITF_DEVICE="cpu")
    env.pop("MINITF_TRITON_ON_CPU", None)
    cmd = [sys.executable, __file__, "--cpu-baseline"] + (["--interpret"] if interpret else [])
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"the CPU baseline process failed:\n{done.stderr[-1500:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def guarded(run: Callable[[], dict]) -> dict:
    """``run()``, or NaN timings (and the error printed) if it raises."""
    try:
        return run()
    except Exception as e:  # noqa: BLE001 - the table must still print
        say(f"  failed: {type(e).__name__}: {str(e)[:300]}")
        return {"fit": float("nan"), "step": float("nan")}


# ---------------------------------------------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--interpret", action="store_true",
                        help="tiny sizes on the CPU, kernels in Triton's interpreter")
    parser.add_argument("--cpu-baseline", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    cuda = not args.interpret
    S = (dict(ew_n=(1 << 20) + 3, mk=(1023, 1025), sm_rows=129, sm_long=16385, sm_block=None,
              mm=(513, 1025, 257), add_n=1 << 27, sm_m=4096, sm_cols=(1024, 4096, 16384),
              red_n=1 << 27, red_rows=8192, mm_n=4096, fit_epochs=20, mlp_batch=256,
              mlp_steps=20)
         if cuda else
         dict(ew_n=1025, mk=(67, 131), sm_rows=3, sm_long=1025, sm_block=256,
              mm=(67, 131, 33), add_n=1 << 12, sm_m=16, sm_cols=(64, 256, 1024),
              red_n=1 << 12, red_rows=64, mm_n=64, fit_epochs=1, mlp_batch=8, mlp_steps=1))
    sys.path.insert(0, str(ROOT))
    if args.cpu_baseline:   # the child process of cpu_baseline(): NumPy only
        import numpy as np

        import minitf as tf
        print(json.dumps(training_times(tf, np, S)))
        return 0
    if args.interpret:   # before triton and the kernels are imported
        os.environ["TRITON_INTERPRET"] = "1"
        os.environ["MINITF_TRITON_ON_CPU"] = "1"
    import numpy as np
    import torch

    import minitf as tf
    from minitf.backends import triton_backend as tb
    if cuda and not torch.cuda.is_available():
        print("No CUDA GPU: run with --interpret to check the script on the CPU.")
        return 2
    dev = "cuda" if cuda else "cpu"
    K = {f: tb.kernels(f) for f in ("elementwise", "fused", "reduction", "softmax", "matmul")}
    device = torch.cuda.get_device_name() if cuda else "CPU (Triton interpreter)"
    say(f"device: {device}; torch {torch.__version__}; triton {__import__('triton').__version__}")

    say("phase 1: kernels against torch (float64 references, poisoned outputs)")
    checks = correctness_checks(torch, K, S, dev)
    failed = [c for c in checks if not c[1] <= c[2]]
    for name, err, tol in checks:
        print(f"  {'ok  ' if err <= tol else 'FAIL'} {name:48s} rel.err {err:9.2e} (tol {tol:.0e})",
              flush=True)
    say(f"phase 1: {len(checks) - len(failed)}/{len(checks)} checks passed")

    say("phase 2: speed")
    bench = timer(torch, cuda)
    rows = kernel_rows(torch, K, S, dev, bench)
    say("timing the seed's fit and the MLP step on the GPU")
    on_gpu = guarded(lambda: training_times(tf, np, S))
    say("... and on the CPU (a fresh NumPy-only process)")
    on_cpu = guarded(lambda: cpu_baseline(S, args.interpret))
    train = [("seed keras fit", f"{S['fit_epochs']} epochs", "s", on_gpu["fit"], on_cpu["fit"]),
             ("MLP 784-256-10 train step", f"batch {S['mlp_batch']}", "ms", on_gpu["step"],
              on_cpu["step"])]
    triton_version = __import__("triton").__version__
    lines = [f"minitf GPU check on {device} (torch {torch.__version__}, triton {triton_version})",
             f"correctness: {len(checks) - len(failed)}/{len(checks)} kernel checks passed"]
    lines += [f"  FAILED {n}: rel.err {e:.2e} > {t:.0e}" for n, e, t in failed]
    lines += ["", f"{'kernel':26s} {'size':>12s} {'unit':>8s} {'minitf':>9s} {'torch':>9s} "
                  f"{'ratio':>6s}"]

    def num(v: float) -> str:
        return f"{v:9.1f}" if v >= 100 else f"{v:9.3g}"

    for what, size, unit, ours, theirs in rows:
        lines.append(f"{what:26s} {size:>12s} {unit:>8s} {num(ours)} {num(theirs)} "
                     f"{ours / theirs:6.2f}")
    lines += ["", (f"{'training':26s} {'size':>12s} {'unit':>8s} {'GPU':>9s} {'CPU':>9s} "
                   f"{'CPU/GPU':>7s}")]
    for what, size, unit, on_gpu, on_cpu in train:
        lines.append(f"{what:26s} {size:>12s} {unit:>8s} {num(on_gpu)} {num(on_cpu)} "
                     f"{on_cpu / on_gpu:7.2f}")
    lines.append(f"host fallbacks: {tb.fallback_counts()}; host->device copies: "
                 f"{tb.copy_counts()}; total time {time.perf_counter() - T0:.0f}s")
    table = "\n".join(lines)
    print("\n" + table, flush=True)
    if os.environ.get("OUT"):
        pathlib.Path(os.environ["OUT"], "gpu_check.txt").write_text(table + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
