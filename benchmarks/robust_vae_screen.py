"""Which VAE training candidates cope with anomalies inside the training rows (issue 33)?

Each candidate is ``VAEDetector`` changed in one respect, as a subclass
defined here, so that a candidate is screened before it becomes a
parameter. All run the development suite of ``adbench_suite.py`` under one
protocol and print the figures of ``adbench_suite.format_study`` (every
candidate against the six baselines, seed by seed).

Candidates (``--candidates``, by key):

- ``vae``: ``VAEDetector()`` as it is;
- ``trim10``, ``trim5``: the reconstruction loss of each batch ignores its
  worst-reconstructed 10 % (5 %) of rows (a trimmed loss: the rows the
  network reconstructs worst do not pull it towards them);
- ``ref10``: the latent reference of the neighbour term leaves out the 10 %
  of training rows with the largest anomaly error;
- ``robust``: the two terms are standardised by their median and
  interquartile range over the training rows instead of mean and std;
- combinations joined by ``+`` (``trim10+ref10+robust``).

Run from the repository root::

    python benchmarks/robust_vae_screen.py --protocol unsupervised --seeds 0 \\
        --candidates vae trim10 trim10+ref10

Feeds "Candidates: training" in the "ADBench dev suite" section of
RESULTS.md (written by hand; not in ``run_all.py``). The figures go to
``benchmarks/output/robust_vae_screen-PROTOCOL.json``.
"""

import json

import numpy as np
from _common import machine_info
from _common import parser as common_parser
from adbench_suite import (
    BASELINES,
    DETECTORS,
    PROTOCOLS,
    _deep,
    adbench_study,
    merge_studies,
    report,
)

from sklearn_recon import VAEDetector
from sklearn_recon.utils._keras import get_keras


def trimmed_loss(kind, share):
    """Per-row reconstruction loss of which the batch's worst ``share`` counts 0.

    The kept rows' losses are divided by the kept fraction, so the batch
    mean is the mean over the kept rows. The cut is the batch's ``1 -
    share`` quantile of the per-row losses, held out of the gradient.
    """
    keras = get_keras()
    ops = keras.ops

    def loss(y_true, y_pred):
        diff = y_true - y_pred
        per_row = ops.mean(ops.abs(diff) if kind == "mae" else ops.square(diff), axis=-1)
        n = ops.shape(per_row)[0]
        ordered = ops.sort(ops.stop_gradient(per_row))
        last_kept = ops.maximum(
            ops.cast(ops.ceil((1.0 - share) * ops.cast(n, "float32")), "int32") - 1, 0
        )
        cut = ops.take(ordered, last_kept)
        keep = ops.cast(ops.stop_gradient(per_row) <= cut, per_row.dtype)
        return per_row * keep / ops.maximum(ops.mean(keep), 1e-6)

    return loss


def candidate_class(parts):
    """A VAEDetector subclass with the changes named in ``parts``."""
    trim = {"trim10": 0.1, "trim5": 0.05, "trim20": 0.2}
    share = next((trim[p] for p in parts if p in trim), None)
    ref_share = 0.1 if "ref10" in parts else None
    robust = "robust" in parts

    class Candidate(VAEDetector):
        def _keras_loss(self):
            if share is None:
                return self.loss
            return trimmed_loss(self.loss, share)

        def _fit_neighbor_term(self, model, X, sample_weight):
            super()._fit_neighbor_term(model, X, sample_weight)
            if ref_share is None and not robust:
                return
            from sklearn.neighbors import KDTree

            from sklearn_recon.utils._keras import InferenceFunctions

            inference = InferenceFunctions(model, self._numpy_network(model))
            x = self._model_input(X)
            recon = inference.run(
                "reconstruction_error",
                lambda model: lambda x: self._reconstruction_error_ops(model, x),
                x,
            ).astype(np.float64)
            codes = self.latent_codes_
            k = self.n_neighbors
            distances = self._latent_neighbors().query(codes, k=k + 1)[0][:, -1]
            keep = np.ones(len(codes), dtype=bool)
            if ref_share is not None:
                score = _standardize(recon, robust) + _standardize(distances, robust)
                keep = score <= np.quantile(score, 1.0 - ref_share)
                self.latent_codes_ = codes[keep]
                self._latent_tree = KDTree(self.latent_codes_.astype(np.float64))
                # every training row's distance to the kept reference (a kept
                # row's own code is among them: skip it)
                all_d = self._latent_tree.query(codes, k=k + 1)[0]
                distances = np.where(keep, all_d[:, -1], all_d[:, -2])
            scale = []
            for values in (recon, distances):
                scale += _location_scale(values[keep], robust)
            self.error_scale_ = np.asarray(scale)

    Candidate.__name__ = "VAE_" + "_".join(parts)
    return Candidate


def _location_scale(values, robust):
    if robust:
        q1, median, q3 = np.percentile(values, [25, 50, 75])
        return [median, max((q3 - q1) / 1.349, np.finfo(np.float32).tiny)]
    return [values.mean(), max(values.std(), np.finfo(np.float32).tiny)]


def _standardize(values, robust):
    location, scale = _location_scale(values, robust)
    return (values - location) / scale


def registry(keys):
    """``adbench_suite`` registry entries for the candidate ``keys``."""
    entries = {}
    for key in keys:
        cls = VAEDetector if key == "vae" else candidate_class(key.split("+"))
        entries[key] = (
            key,
            True,
            lambda seed, quick, d, cls=cls: _deep(cls, seed, quick),
        )
    return entries


def main(argv=None):
    parser = common_parser(__doc__, seeds=[0])
    parser.add_argument("--candidates", nargs="+", default=["vae"])
    parser.add_argument("--baselines", nargs="*", default=list(BASELINES))
    parser.add_argument("--protocol", choices=PROTOCOLS, default="unsupervised")
    parser.add_argument("--sets", nargs="+")
    parser.add_argument(
        "--baselines-json",
        help="rank against the detectors of this adbench_suite.py run's figures "
        "(benchmarks/output/adbench_suite-PROTOCOL.json) instead of running "
        "--baselines (same sets, seeds and protocol)",
    )
    args = parser.parse_args(argv)
    print(machine_info(), flush=True)
    entries = {**registry(args.candidates), **{k: DETECTORS[k] for k in args.baselines}}
    study = adbench_study(
        args.sets,
        args.seeds,
        list(entries),
        quick=args.quick,
        protocol=args.protocol,
        registry=entries,
    )
    if args.baselines_json:
        with open(args.baselines_json) as file:
            study = merge_studies(study, json.load(file))
    return report(study, f"robust_vae_screen-{args.protocol}")


if __name__ == "__main__":
    main()
