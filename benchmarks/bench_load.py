"""Heavy load: scoring 10 million rows in bounded memory, and from 8 threads.

1. Fits an AutoencoderDetector on the ECG5000 protocol's normal training
   beats (140 features, MinMax-scaled, a few epochs).
2. Builds an input of ``--rows`` rows x 140 (default 10,000,000, float32 by
   default: 5.6 GB; float64 is 11.2 GB, check ``free -g`` first) chunk by
   chunk into one preallocated array: resampled scaled test beats plus noise.
3. Throughput: one run of ``decision_function`` on all rows with
   ``verbose=1`` (progress lines on stderr), then the median of ``--repeat``
   runs on the first 1,000,000 rows.
4. Peak memory: a background thread samples the resident set size (psutil)
   every 5 ms; the figure is the peak during the call minus the RSS right
   before it, when the input already exists. The output array itself
   (8 bytes a row: 80 MB for 10 million rows) is part of that figure.
5. Threads: 8 threads call ``decision_function`` at once on one freshly
   unpickled detector (so the first calls race to build the compiled
   function), for float32 and float64 input; the results must equal the
   serial ones exactly (max |diff| 0.0).

Run: python benchmarks/bench_load.py [--quick] [--rows 10000000] [--dtype float32]
Feeds the "Heavy load" section of RESULTS.md (``run_all.py --studies load``).
"""

import pickle
import statistics
import threading
import time

import numpy as np
import psutil
from _common import finish, machine_info
from _common import parser as common_parser
from sklearn.preprocessing import MinMaxScaler

from sklearn_recon import AutoencoderDetector
from sklearn_recon._studies._protocol import ecg5000_split

N_FEATURES = 140


class PeakRSS:
    """Sample this process's resident set size in a background thread."""

    def __init__(self, interval=0.005):
        self.interval = interval
        self.process = psutil.Process()

    def __enter__(self):
        self.baseline = self.process.memory_info().rss
        self.peak = self.baseline
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(self.interval)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)

    @property
    def above_baseline_mb(self):
        return (self.peak - self.baseline) / 2**20


def make_rows(beats, n_rows, dtype, seed=0, chunk=500_000):
    """``n_rows`` noisy resampled beats, written chunk by chunk into one array."""
    rng = np.random.default_rng(seed)
    X = np.empty((n_rows, N_FEATURES), dtype=dtype)
    for start in range(0, n_rows, chunk):
        stop = min(start + chunk, n_rows)
        rows = beats[rng.integers(len(beats), size=stop - start)]
        X[start:stop] = rows + rng.normal(scale=0.01, size=rows.shape)
    return X


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def thread_check(detector, X, n_threads):
    """Max |diff| between n_threads concurrent calls and the serial result."""
    serial = detector.decision_function(X)
    fresh = pickle.loads(pickle.dumps(detector))  # no compiled function yet
    barrier = threading.Barrier(n_threads)
    results = [None] * n_threads

    def work(i):
        barrier.wait()
        results[i] = fresh.decision_function(X)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n_threads)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - start
    max_diff = max(float(np.max(np.abs(r - serial))) for r in results)
    serial_seconds, _ = timed(lambda: [detector.decision_function(X) for _ in range(n_threads)])
    return max_diff, seconds, serial_seconds


def load_study(
    rows=10_000_000, dtype="float32", repeat=3, epochs=5, threads=8, thread_rows=200_000
):
    """Fit, then score ``rows`` rows and run the thread check; print and return the figures.

    Returns a dict: ``rows``, ``dtype``, ``input_gib``, ``n_iter``,
    ``rows_per_second`` and ``seconds`` (one run on all rows), ``peak_mib``
    (peak RSS above the input, result included) and ``result_mib``,
    ``small_rows`` with ``small_rows_per_second`` (median of ``repeat``), and
    ``threads``: per dtype, ``max_diff``, ``seconds`` (concurrent) and
    ``serial_seconds``.
    """
    X_train, X_test, y_train, _ = ecg5000_split()
    scaler = MinMaxScaler().fit(X_train)
    normal = scaler.transform(X_train[y_train == 1])
    detector = AutoencoderDetector(epochs=epochs, random_state=0).fit(normal)
    print(f"fitted AutoencoderDetector on {len(normal)} x {N_FEATURES} ({detector.n_iter_} epochs)")

    X = make_rows(scaler.transform(X_test), rows, dtype)
    print(f"input: {X.shape[0]:,} x {X.shape[1]} {X.dtype}, {X.nbytes / 2**30:.2f} GiB")
    result = {
        "rows": rows,
        "dtype": dtype,
        "input_gib": X.nbytes / 2**30,
        "n_iter": int(detector.n_iter_),
        "n_threads": threads,
    }
    detector.decision_function(X[:10])  # compile the scoring function once

    detector.set_params(verbose=1)
    with PeakRSS() as rss:
        seconds, scores = timed(lambda: detector.decision_function(X))
    detector.set_params(verbose=0)
    assert np.isfinite(scores).all() and scores.shape == (rows,)
    result.update(
        rows_per_second=rows / seconds,
        seconds=seconds,
        peak_mib=rss.above_baseline_mb,
        result_mib=scores.nbytes / 2**20,
    )
    print(
        f"decision_function, {rows:,} rows: {rows / seconds:,.0f} rows/s "
        f"({seconds:.1f} s, one run); peak memory above the input: "
        f"{rss.above_baseline_mb:,.0f} MiB (includes the {scores.nbytes / 2**20:,.0f} "
        "MiB result)"
    )
    del scores

    n_small = min(1_000_000, rows)
    times = [timed(lambda: detector.decision_function(X[:n_small]))[0] for _ in range(repeat)]
    median = statistics.median(times)
    result.update(
        small_rows=n_small, small_rows_per_second=n_small / median, repeat=repeat, threads={}
    )
    print(
        f"decision_function, {n_small:,} rows: {n_small / median:,.0f} rows/s "
        f"(median of {repeat}: {median:.2f} s)"
    )

    part_rows = X[:thread_rows]
    for part_dtype in ("float32", "float64"):
        part = np.ascontiguousarray(part_rows, dtype=part_dtype)
        max_diff, seconds, serial_seconds = thread_check(detector, part, threads)
        result["threads"][part_dtype] = {
            "rows": len(part),
            "max_diff": max_diff,
            "seconds": seconds,
            "serial_seconds": serial_seconds,
        }
        print(
            f"{threads} threads x decision_function on {len(part):,} {part_dtype} rows, "
            f"one detector: max |diff| vs serial = {max_diff}; {seconds:.2f} s "
            f"concurrently, {serial_seconds:.2f} s for {threads} serial calls"
        )
    return result


def section(load):
    """The "Heavy load" section of RESULTS.md from a ``load_study`` result."""
    threads = [
        f"| {load['n_threads']} threads, one freshly unpickled detector, "
        f"{t['rows']:,} {dtype} rows each | max abs. difference from serial "
        f"{t['max_diff']} | {t['seconds']:.2f} s concurrently, "
        f"{t['serial_seconds']:.2f} s for {load['n_threads']} serial calls |"
        for dtype, t in load["threads"].items()
    ]
    return "\n".join(
        [
            "## Heavy load\n",
            f"`python benchmarks/bench_load.py`: `AutoencoderDetector` ({load['n_iter']} "
            f"epochs on the ECG5000 normal training beats), then `decision_function` on "
            f"{load['rows']:,} rows x 140 {load['dtype']} ({load['input_gib']:.2f} GiB, "
            "resampled test beats plus noise), one run; peak resident memory above "
            "the input sampled every 5 ms (the result array included); then the "
            f"median of {load['repeat']} runs on the first {load['small_rows']:,} rows.\n",
            "| what | figure | |",
            "|---|---|---|",
            f"| `decision_function`, {load['rows']:,} {load['dtype']} rows | "
            f"{load['rows_per_second']:,.0f} rows/s ({load['seconds']:.1f} s) | peak "
            f"{load['peak_mib']:,.0f} MiB above the input (the {load['result_mib']:,.0f} "
            "MiB result included) |",
            f"| `decision_function`, {load['small_rows']:,} rows, median | "
            f"{load['small_rows_per_second']:,.0f} rows/s | |",
            *threads,
            "",
        ]
    )


def main(argv=None):
    parser = common_parser(__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--thread-rows", type=int, default=200_000)
    args = parser.parse_args(argv)
    if args.quick:
        args.rows, args.repeat, args.epochs, args.thread_rows = 200_000, 1, 1, 10_000

    print(machine_info())
    study = load_study(
        args.rows, args.dtype, args.repeat, args.epochs, args.threads, args.thread_rows
    )
    return finish("bench_load", section(study), study)


if __name__ == "__main__":
    main()
