"""Prototype default configurations for issue 15 (benchmark side only).

Not library code: candidates for the defaults of ``AutoencoderDetector`` and
``VAEDetector``, built by subclassing the library's base class so that they
train and score through the same machinery (seeded ``fit``, compiled
batched scoring, threshold), measured with ``bench_adbench.py``'s protocol.

``Candidate`` adds, each switchable:

- ``n_estimators``: several autoencoders (or VAEs) side by side in ONE Keras
  model, trained together (one compiled step updates them all) and scored in
  one compiled call; each member has its own initial weights, and with
  ``bootstrap=True`` its own Poisson(1) weight per training row (online
  bagging); the score is the mean of the members' (standardised) errors;
- ``error_scaling``: the squared error of each feature divided by a
  per-feature scale measured on the training rows after training
  (``"median"``: the median of the squared errors, floored; ``"mean"``);
- ``hidden_units="auto"``: widths derived from the data
  (``bottleneck``: ``"sqrt"`` ceil(sqrt(d)), ``"half"`` ceil(d / 2),
  ``"pca90"`` the components explaining 90 % of the variance, capped to
  ``d - 1``; width ``max(2 * bottleneck, min(2 * d, 64))``);
- ``linear_path``: a linear encoder to the bottleneck width and a linear
  decoder added to the output, so every member can represent PCA
  reconstruction exactly;
- ``epochs="auto"``: a budget of gradient steps (``steps``) instead of a
  fixed epoch count, with ``early_stopping`` off by default and a cosine
  decay of the learning rate to zero over the budget.

Run from the repository root, e.g.::

    python benchmarks/_adbench_candidates.py --candidates ae_ens5 vae_ens5 --seeds 0
    python benchmarks/_adbench_candidates.py --ecg --candidates vae_ens5_b256 --seeds 0 1 2

which prints the suite table of the candidates together with the baselines
(cached in ``--cache``, default /tmp/adbench_baselines.json).
"""

import argparse
import json
import math
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np

from sklearn_recon.base import BaseReconstructionDetector

_EPS = 1e-6


def _bottleneck(rule, X):
    """Width of the code for the rule ``rule`` on the training rows ``X``."""
    d = X.shape[1]
    if isinstance(rule, int):
        k = rule
    elif rule == "sqrt":
        k = math.ceil(math.sqrt(d))
    elif rule == "half":
        k = math.ceil(d / 2)
    elif rule == "pca90":
        centred = X - X.mean(axis=0)
        s = np.linalg.svd(centred, compute_uv=False) ** 2
        k = int(np.searchsorted(np.cumsum(s) / s.sum(), 0.9) + 1)
    else:
        raise ValueError(f"unknown bottleneck rule {rule!r}")
    return int(max(1, min(k, d - 1)))


class Candidate(BaseReconstructionDetector):
    """A prototype autoencoder / VAE detector with the options of issue 15."""

    def __init__(
        self,
        *,
        kind="ae",
        n_estimators=1,
        bootstrap=False,
        hidden_units="auto",
        bottleneck="sqrt",
        latent_dim=8,
        beta=0.001,
        linear_path=False,
        error_scaling=None,
        activation="relu",
        dropout=0.0,
        noise_std=0.0,
        code_noise=0.0,
        scale_floor=0.01,
        standardize=False,
        loss="mse",
        epochs="auto",
        steps=3000,
        max_epochs=300,
        lr_schedule="cosine",
        batch_size=64,
        learning_rate=0.001,
        optimizer="adam",
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=20,
        contamination="auto",
        random_state=None,
        verbose=0,
    ):
        super().__init__(
            loss=loss,
            epochs=epochs,
            batch_size=batch_size,
            learning_rate=learning_rate,
            optimizer=optimizer,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            contamination=contamination,
            random_state=random_state,
            verbose=verbose,
        )
        self.kind = kind
        self.n_estimators = n_estimators
        self.bootstrap = bootstrap
        self.hidden_units = hidden_units
        self.bottleneck = bottleneck
        self.latent_dim = latent_dim
        self.beta = beta
        self.linear_path = linear_path
        self.error_scaling = error_scaling
        self.activation = activation
        self.dropout = dropout
        self.noise_std = noise_std
        self.code_noise = code_noise
        self.scale_floor = scale_floor
        self.standardize = standardize
        self.steps = steps
        self.max_epochs = max_epochs
        self.lr_schedule = lr_schedule

    # sklearn validates "epochs" as an int; "auto" is resolved here.
    _parameter_constraints = {
        k: v for k, v in BaseReconstructionDetector._parameter_constraints.items()
        if k != "epochs"
    }

    # ------------------------------------------------------------ sizing

    def _sizes(self, X):
        d = X.shape[1]
        if self.hidden_units == "auto":
            k = _bottleneck(self.bottleneck, X)
            width = max(2 * k, min(2 * d, 64))
            return (width, k)
        return tuple(self.hidden_units)

    def fit(self, X, y=None):
        X = self._validate_X(X, reset=True)
        self.center_, self.scale_ = None, None
        if self.standardize:
            # per-feature standardisation on the training rows, inside the
            # detector: any per-feature affine scaler before it (MinMax on
            # the normal rows or on all rows) gives the same network input
            self.center_ = X.mean(axis=0)
            scale = X.std(axis=0)
            self.scale_ = np.where(scale > 1e-12 * (1 + np.abs(self.center_)), scale, 1.0)
            if self.standardize == "global":
                # one scale for all features: the root mean variance
                self.scale_ = np.full_like(scale, max(np.sqrt(np.mean(scale**2)), 1e-12))
        self.sizes_ = self._sizes(X)
        n_train = X.shape[0]
        if self.early_stopping:
            n_train -= math.ceil(self.validation_fraction * n_train)
        steps_per_epoch = math.ceil(n_train / self.batch_size)
        if self.epochs == "auto" and not self.early_stopping and steps_per_epoch < 100:
            # small sets: one epoch repeats the rows (shuffled together), so
            # that Keras's per-epoch overhead does not dominate the fit
            repeat = math.ceil(100 / steps_per_epoch)
            X = np.tile(X, (repeat, 1))
            n_train *= repeat
            steps_per_epoch = math.ceil(n_train / self.batch_size)
        if self.epochs == "auto":
            self._n_epochs = int(
                np.clip(math.ceil(self.steps / steps_per_epoch), 1, self.max_epochs)
            )
        else:
            self._n_epochs = int(self.epochs)
        self._total_steps = self._n_epochs * steps_per_epoch
        self._n_rows = X.shape[0]
        targets = None
        if self.n_estimators > 1 or self.bootstrap:
            targets = np.tile(self._model_input(X), (1, self.n_estimators)).astype(np.float32)
            if self.bootstrap:
                rng = np.random.default_rng([int(self.random_state or 0), 7919])
                weights = rng.poisson(1.0, size=(X.shape[0], self.n_estimators))
                # the weight of a row in member m: targets carry it beside the row
                targets = np.concatenate(
                    [targets, weights.astype(np.float32)], axis=1
                )
        return self._fit_validated(X, targets)

    def _fit_validated(self, X, targets):
        epochs = self.epochs
        self.epochs = self._n_epochs  # the base class reads self.epochs
        try:
            return super()._fit_validated(X, targets)
        finally:
            self.epochs = epochs

    def _model_input(self, X):
        if getattr(self, "center_", None) is None:
            return X
        return (X - self.center_) / self.scale_

    def _make_optimizer(self):
        from sklearn_recon.utils._keras import get_keras

        keras = get_keras()
        lr = self.learning_rate
        if self.lr_schedule == "cosine":
            lr = keras.optimizers.schedules.CosineDecay(
                self.learning_rate, decay_steps=max(1, self._total_steps), alpha=0.01
            )
        return keras.optimizers.Adam(learning_rate=lr)

    # ------------------------------------------------------------ network

    def _build_network(self, n_features, seed):
        return build_candidate_network(
            n_features,
            kind=self.kind,
            n_estimators=self.n_estimators,
            sizes=self.sizes_,
            latent_dim=self.latent_dim,
            beta=self.beta,
            linear_path=self.linear_path,
            activation=self.activation,
            dropout=self.dropout,
            noise_std=self.noise_std,
            code_noise=self.code_noise,
            seed=seed,
        )

    def _keras_loss(self):
        return bootstrap_mse if self.bootstrap else "mse"

    def _member_errors_ops(self, model, x):
        """(batch, n_estimators, n_features) squared errors, deterministic."""
        ops = __import__("keras").ops
        out = model(x, training=False)
        n_est = self.n_estimators
        rec = ops.reshape(out, (-1, n_est, x.shape[1]))
        return ops.square(ops.expand_dims(x, 1) - rec)

    def _train(self, X, targets, seed):
        model, history, best_epoch = super()._train(X, targets, seed)
        self.error_scale_ = None
        if self.error_scaling is not None:
            import keras

            x = np.asarray(self._model_input(X), dtype=np.float32)
            errs = np.concatenate([
                keras.ops.convert_to_numpy(self._member_errors_ops(model, x[i:i + 8192]))
                for i in range(0, len(x), 8192)
            ])  # (n, n_est, d)
            if self.error_scaling == "median":
                scale = np.median(errs, axis=0)
            else:
                scale = errs.mean(axis=0)
            floor = self.scale_floor * scale.mean(axis=1, keepdims=True) + _EPS
            self.error_scale_ = np.maximum(scale, floor)
        return model, history, best_epoch

    def _error_ops(self, model, x):
        ops = __import__("keras").ops
        err = self._member_errors_ops(model, x)
        if self.error_scale_ is not None:
            err = err / ops.convert_to_tensor(self.error_scale_, dtype=x.dtype)
        return ops.mean(ops.mean(err, axis=2), axis=1)

    def _reconstruction_ops(self, model, x):  # the members' mean reconstruction
        ops = __import__("keras").ops
        out = model(x, training=False)
        return ops.mean(ops.reshape(out, (-1, self.n_estimators, x.shape[1])), axis=1)


def build_candidate_network(
    n_features, *, kind, n_estimators, sizes, latent_dim, beta, linear_path,
    activation, dropout, noise_std=0.0, code_noise=0.0, seed=0,
):
    """``n_estimators`` autoencoders (or VAEs) side by side; outputs concatenated.

    Every layer holds the weights of all members (``EnsembleDense``: one
    batched matrix product per layer), so an ensemble trains and scores in
    about the number of operations of one network.
    """
    import keras
    from keras import layers

    from sklearn_recon._networks import _SeedSequence

    seeds = _SeedSequence(seed)
    m = n_estimators
    inputs = keras.Input(shape=(n_features,), name="x")

    def dense(n, name, act=None):
        return EnsembleDense(n, m, activation=act, seed=seeds(), name=name)

    h = inputs
    if dropout:
        h = layers.Dropout(dropout, seed=seeds(), name="drop")(h)
    if noise_std:
        h = layers.GaussianNoise(noise_std, seed=seeds(), name="noise")(h)
    encoder = sizes if kind == "ae" else sizes[:-1]
    for i, units in enumerate(encoder):
        last = kind == "ae" and i == len(encoder) - 1
        # with code_noise the AE's code is linear, noised while training
        h = dense(units, f"enc{i}", None if (last and code_noise) else activation)(h)
    if kind == "ae" and code_noise:
        h = layers.GaussianNoise(code_noise, seed=seeds(), name="code_noise")(h)
    if kind == "vae":
        k = sizes[-1] if latent_dim == "auto" else latent_dim
        z_mean = dense(k, "z_mean")(h)
        z_log_var = dense(k, "z_log_var")(h)
        # KLDivergence averages over batch and members: each member keeps
        # the balance beta of a single VAE between its two losses
        z_mean, z_log_var = TrainKL(beta, name="kl")([z_mean, z_log_var])
        h = EvalSampling(seed=seeds(), name="z")([z_mean, z_log_var])
    for i, units in enumerate(sizes[-2::-1]):
        h = dense(units, f"dec{i}", activation)(h)
    out = dense(n_features, "out")(h)
    if linear_path:
        code = dense(sizes[-1], "lin_enc")(inputs)
        out = layers.Add(name="sum")([out, dense(n_features, "lin_dec")(code)])
    out = layers.Reshape((m * n_features,), name="members")(out)
    return keras.Model(inputs, out, name="candidate")


def _register_dense():
    import keras

    @keras.saving.register_keras_serializable(package="adbench_candidates")
    class EnsembleDense(keras.layers.Layer):
        """``n_members`` independent Dense layers in one batched product.

        Input ``(batch, in)`` (shared by the members) or ``(batch, n_members,
        in)``; output ``(batch, n_members, units)``. Each member's kernel is
        Glorot-uniform for its own ``in x units`` shape.
        """

        def __init__(self, units, n_members, activation=None, seed=None, **kwargs):
            super().__init__(**kwargs)
            self.units, self.n_members, self.seed = int(units), int(n_members), seed
            self.activation = keras.activations.get(activation)

        def build(self, input_shape):
            fan_in = int(input_shape[-1])
            limit = (6.0 / (fan_in + self.units)) ** 0.5
            self.kernel = self.add_weight(
                shape=(self.n_members, fan_in, self.units), name="kernel",
                initializer=keras.initializers.RandomUniform(-limit, limit, seed=self.seed),
            )
            self.bias = self.add_weight(
                shape=(self.n_members, self.units), name="bias", initializer="zeros"
            )

        def call(self, x):
            ops = keras.ops
            if len(x.shape) == 2:
                y = ops.einsum("bi,mio->bmo", x, self.kernel)
            else:
                y = ops.einsum("bmi,mio->bmo", x, self.kernel)
            return self.activation(y + self.bias)

        def compute_output_shape(self, input_shape):
            return (input_shape[0], self.n_members, self.units)

        def get_config(self):
            return {
                **super().get_config(), "units": self.units, "n_members": self.n_members,
                "activation": keras.activations.serialize(self.activation),
                "seed": self.seed,
            }

    return EnsembleDense


EnsembleDense = _register_dense()


def _register_loss():
    import keras

    @keras.saving.register_keras_serializable(package="adbench_candidates")
    def bootstrap_mse(targets, output):
        """MSE of each member weighted by its row weight (online bagging).

        ``targets`` holds the members' copies of the row, then one weight per
        member: its width minus the output's is the number of members.
        """
        ops = keras.ops
        n_est = ops.shape(targets)[1] - ops.shape(output)[1]
        d = ops.shape(output)[1] // n_est
        x, w = targets[:, : d * n_est], targets[:, d * n_est:]
        err = ops.reshape(ops.square(x - output), (-1, n_est, d))
        return ops.mean(ops.mean(err, axis=2) * w, axis=1)

    return bootstrap_mse


bootstrap_mse = _register_loss()


def _register_layers():
    import keras

    from sklearn_recon._networks import KLDivergence, Sampling

    @keras.saving.register_keras_serializable(package="adbench_candidates")
    class EvalSampling(Sampling):
        """Sampling while training; the latent mean at inference."""

        def call(self, inputs, training=None):
            if training:
                return super().call(inputs)
            return inputs[0]

    @keras.saving.register_keras_serializable(package="adbench_candidates")
    class TrainKL(KLDivergence):
        """The KL term while training only (validation loss: reconstruction)."""

        def call(self, inputs, training=None):
            if training:
                return super().call(inputs)
            return inputs

    return EvalSampling, TrainKL


EvalSampling, TrainKL = _register_layers()


# ---------------------------------------------------------------- candidates

#: name -> (label, kind ("ae"/"vae"), parameters of Candidate)
CANDIDATES = {}


def _add(name, **params):
    CANDIDATES[name] = (name, params.get("kind", "lib"), params)


# the library's defaults, for reference
from sklearn_recon import AutoencoderDetector, VAEDetector  # noqa: E402

_add("lib_ae", cls=AutoencoderDetector)
_add("lib_vae", cls=VAEDetector)

# one direction at a time, from the library's networks
_STEPS = dict(epochs="auto", steps=3000, batch_size=64, early_stopping=False,
              lr_schedule="cosine")
_AE = dict(kind="ae", hidden_units=(32, 16, 8))
_VAE = dict(kind="vae", hidden_units=(64, 32, 8), latent_dim="auto")
_add("ae_steps", **_AE, **_STEPS)
_add("vae_steps", **_VAE, **_STEPS)
_add("ae_auto", **dict(_AE, hidden_units="auto"), **_STEPS)
_add("vae_auto", **dict(_VAE, hidden_units="auto"), **_STEPS)
_add("ae_scale", **_AE, **_STEPS, error_scaling="median")
_add("vae_scale", **_VAE, **_STEPS, error_scaling="mean", scale_floor=0.1)
_add("ae_noise", **_AE, **_STEPS, noise_std=0.2)

# combinations
_SCALE = dict(error_scaling="mean", scale_floor=0.1)
_add("ae_ens5_scale", **_AE, **_STEPS, n_estimators=5, **_SCALE)
_add("vae_ens5_scale", **_VAE, **_STEPS, n_estimators=5, **_SCALE)
_add("ae_ens5_noise", **_AE, **_STEPS, n_estimators=5, noise_std=0.2)
# 4x the rows per step (a step costs about the same on 2 cores)
_B256 = dict(_STEPS, batch_size=256)
_add("ae_ens5_b256", **_AE, **_B256, n_estimators=5)
_add("vae_ens5_b256", **_VAE, **_B256, n_estimators=5)
_add("vae_ens5_scale_b256", **_VAE, **_B256, n_estimators=5, **_SCALE)
# internal per-feature standardisation (no-op on the suite, which is
# standardised on the same rows; it makes ECG5000 independent of the scaler)
_add("vae_ens5_b256_std", **_VAE, **_B256, n_estimators=5, standardize=True)
_add("vae_ens3_b256_std", **_VAE, **_B256, n_estimators=3, standardize=True)
_add("ae_ens5_std", **_AE, **_STEPS, n_estimators=5, standardize=True)
_add("vae_ens3_b256_gstd", **_VAE, **_B256, n_estimators=3, standardize="global")
_add("vae_ens3_b256", **_VAE, **_B256, n_estimators=3)
_add("vae_ens3_b256_gstd_b01", **dict(_VAE, beta=0.1), **_B256, n_estimators=3, standardize="global")
_add("vae_ens3_b256_std_b01", **dict(_VAE, beta=0.1), **_B256, n_estimators=3, standardize=True)
_add("vae_ens3_b256_gstd_b001", **dict(_VAE, beta=0.01), **_B256, n_estimators=3, standardize="global")
_add("ae_ens5", **_AE, **_STEPS, n_estimators=5)
_add("vae_ens5", **_VAE, **_STEPS, n_estimators=5)
_add("ae_lin", **_AE, **_STEPS, linear_path=True)
_add("vae_lin", **_VAE, **_STEPS, linear_path=True)


def candidate_detectors(names):
    """``bench_adbench`` extra detectors for the candidates ``names``."""
    extra = {}
    for name in names:
        label, kind, params = CANDIDATES[name]

        def make(seed, quick, d, params=params):
            p = dict(params, **({"epochs": 3} if quick else {}))
            return make_detector(p, seed)

        extra[name] = (label, True, make)
    return extra


def ecg5000_check(names, seeds, params_override=None):
    """ECG5000 protocol (DESIGN.md) for ``names``, scaler on normal and on all beats.

    Returns ``{(name, scaler, seed): result}`` with ``roc_auc``, ``pr_auc``,
    ``fit_seconds``; ``("lof", scaler, 0)`` holds LocalOutlierFactor's.
    """
    from sklearn.frozen import FrozenEstimator
    from sklearn.neighbors import LocalOutlierFactor
    from sklearn.preprocessing import MinMaxScaler

    from sklearn_recon._protocol import ecg5000_split, run_detector

    split = ecg5000_split()
    X_train = split[0]
    scalers = {
        "normal": lambda: [MinMaxScaler()],
        "all": lambda: [FrozenEstimator(MinMaxScaler().fit(X_train))],
    }
    out = {}
    for scaler, steps in scalers.items():
        _, r = run_detector(LocalOutlierFactor(novelty=True), split, preprocessing=steps())
        out[("lof", scaler, 0)] = r
        print(f"  ECG5000 LOF, scaler on {scaler}: ROC-AUC {r['roc_auc']:.5f}", flush=True)
    for name in names:
        params = dict(CANDIDATES[name][2], **(params_override or {}))
        for seed in seeds:
            for scaler, steps in scalers.items():
                detector = make_detector(params, seed)
                _, r = run_detector(detector, split, preprocessing=steps())
                out[(name, scaler, seed)] = r
                print(
                    f"  ECG5000 {name}, seed {seed}, scaler on {scaler}: ROC-AUC "
                    f"{r['roc_auc']:.5f}, PR-AUC {r['pr_auc']:.4f}, fit "
                    f"{r['fit_seconds']:.1f} s, {r.get('n_iter', '')} epochs",
                    flush=True,
                )
    return out


def make_detector(params, seed):
    """A candidate (``Candidate``) or library detector from a parameter dict."""
    params = dict(params, random_state=seed)
    cls = params.pop("cls", Candidate)
    return cls(**params)


def main():
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import bench_adbench

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", nargs="+", required=True)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--sets", nargs="+")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--cache", default="/tmp/adbench_baselines.json")
    parser.add_argument("--json", help="write the candidates' figures here")
    parser.add_argument("--ecg", action="store_true",
                        help="only the ECG5000 check (scaler on normal / all beats)")
    args = parser.parse_args()
    if args.ecg:
        ecg5000_check(args.candidates, args.seeds)
        return
    baselines = list(bench_adbench.BASELINES)
    start = time.perf_counter()
    study = bench_adbench.adbench_study(
        args.sets, args.seeds, detectors=[], quick=args.quick,
        extra=candidate_detectors(args.candidates),
    )
    cache = {}
    if os.path.exists(args.cache):
        with open(args.cache) as f:
            cache = json.load(f)
    seeds_key = ",".join(map(str, args.seeds))
    if cache.get("seeds") != seeds_key:
        base = bench_adbench.adbench_study(args.sets, args.seeds, baselines, progress=False)
        cache = {"seeds": seeds_key, "results": base["results"], "labels": base["labels"]}
        with open(args.cache, "w") as f:
            json.dump(cache, f)
    for name in study["sets"]:
        study["results"][name].update(cache["results"][name])
    study["labels"].update(cache["labels"])
    keys = list(study["labels"])
    study["summary"] = bench_adbench.summarize(study["results"], keys, study["sets"])
    study["summary_core"] = {}
    # ranks of each candidate against the baselines alone (the bar)
    for cand in args.candidates:
        s = bench_adbench.summarize(study["results"], [cand, *baselines], study["sets"])
        study["summary"][cand]["rank_vs_baselines"] = s[cand]["mean_rank"]
        best = max(s[b]["mean_roc_auc"] for b in baselines)
        best_rank = min(s[b]["mean_rank"] for b in baselines)
        print(f"{cand}: mean ROC-AUC {s[cand]['mean_roc_auc']:.4f} "
              f"(best baseline {best:.4f}), mean PR-AUC {s[cand]['mean_pr_auc']:.4f}, "
              f"rank vs baselines {s[cand]['mean_rank']:.2f} (best baseline {best_rank:.2f}), "
              f"fit s per seed {sum(sum(study['results'][n][cand]['fit_seconds']) for n in study['sets']) / len(args.seeds):.0f}")
    print()
    print(bench_adbench.format_study(study))
    print(f"\n{(time.perf_counter() - start) / 60:.1f} minutes")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(study, f, indent=1)


if __name__ == "__main__":
    main()
