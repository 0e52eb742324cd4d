"""Save and load fitted estimators without pickle.

A model file is a zip archive:

- ``manifest.json``: the format name and version, the versions of
  sklearn-recon, scikit-learn, Keras and NumPy that wrote it, the class of
  the saved estimator and the SHA-256 digest of every other member;
- ``estimator.json``: the estimator as a tree of JSON: for each estimator,
  its class (a name from an allow-list), its parameters and its fitted
  attributes, nested estimators (a Pipeline's steps, a meta-estimator's
  detector) included, and for a Keras detector whose network is scored in
  NumPy, its NumPy route (the NumPy version's layers and weights, and the
  network's output on the parity probe,
  :mod:`sklearn_recon.utils._stored_network`);
- ``arrays.npz``: the NumPy arrays among the fitted attributes and the NumPy
  routes (read with ``allow_pickle=False``);
- ``network-<i>.keras``: the trained network of each Keras detector, and
  each ``keras.Model`` given as a parameter (the network of a
  :class:`~sklearn_recon.ReconstructionDetector`), standard Keras archives;
- ``metadata.json``: what the caller of :func:`save` stores with the
  estimator (``metadata=``), encoded like the fitted attributes (its arrays
  go to ``arrays.npz``); :func:`load` returns it with
  ``return_metadata=True``. ``sklearn-recon fit`` stores the column roles
  and the drift reference there for ``sklearn-recon score``.

The zip comment, at the very end of the file, holds the SHA-256 digest of
every byte before it, so that changing any byte of the file (a member, the
zip's own headers, the comment) or adding or removing a member makes
:func:`load` refuse it. The digests are a check against corruption and
accidental edits, not a signature: whoever can write the file can
recompute them. Safety against a malicious file comes from loading
executing no code.

:func:`load` executes no code from the file: there is no pickle, classes
are looked up in a fixed allow-list, never imported from a name in the
file, and each network is rebuilt by its detector's own builder (from the
saved parameters and seed) before its weights are read from the Keras
archive. A detector with a NumPy route is loaded without Keras: the route
is rebuilt from its arrays and must give the stored probe output, and the
Keras network is rebuilt from its archive when ``model_`` is first read (a
file saved before routes were stored loads through Keras, as a network
scored in a graph does). The one Keras configuration read from the file
is that of a ``keras.Model`` given as a parameter (a ReconstructionDetector's
user network), and Keras reads it in its safe mode: only Keras's own classes
and the classes the user registered (``keras.saving.register_keras_serializable``,
in the user's process) are built, and a ``Lambda`` layer's code is refused.
"""

import hashlib
import importlib
import io
import json
import os
import re
import secrets
import tempfile
import warnings
import zipfile
from pathlib import Path

import numpy as np

from ._version import __version__
from .utils._archive import check_network, read_member, size_problem
from .utils._keras import configured_backend, route_of
from .utils._numpy_network import spec_is_recurrent
from .utils._registry import entries

#: Name and version of the file format, recorded in the manifest.
FORMAT = "sklearn-recon-model"
FORMAT_VERSION = 1

_MANIFEST = "manifest.json"
_TREE = "estimator.json"
_ARRAYS = "arrays.npz"
_METADATA = "metadata.json"
_COMMENT_PREFIX = b"sklearn-recon-model sha256="
_DIGEST_LENGTH = 64  # hexadecimal SHA-256
_NETWORK = re.compile(r"network-\d+\.keras")

#: The estimators save and load support: the qualified name written in the
#: file -> (module, class). Their fitted state is plain values, arrays,
#: nested supported estimators and Keras networks. Estimators whose fitted
#: state holds other Python objects (IsolationForest's trees, the
#: neighbours index of LocalOutlierFactor) need pickle: use joblib for them.
SUPPORTED_ESTIMATORS = {
    # the project's estimators, from the registry
    **{
        f"sklearn_recon.{entry.name}": (entry.module, entry.name)
        for entry in entries(public=True, saveable=True)
    },
    # scikit-learn's containers and the preprocessing that goes in front of
    # a detector; their fitted attributes are arrays and scalars
    "sklearn.pipeline.Pipeline": ("sklearn.pipeline", "Pipeline"),
    "sklearn.frozen.FrozenEstimator": ("sklearn.frozen", "FrozenEstimator"),
    "sklearn.preprocessing.StandardScaler": ("sklearn.preprocessing", "StandardScaler"),
    "sklearn.preprocessing.MinMaxScaler": ("sklearn.preprocessing", "MinMaxScaler"),
    "sklearn.preprocessing.MaxAbsScaler": ("sklearn.preprocessing", "MaxAbsScaler"),
    "sklearn.preprocessing.RobustScaler": ("sklearn.preprocessing", "RobustScaler"),
    "sklearn.impute.SimpleImputer": ("sklearn.impute", "SimpleImputer"),
    "sklearn.impute.MissingIndicator": ("sklearn.impute", "MissingIndicator"),
}

_SUPPORTED_NAMES = ", ".join(name.rpartition(".")[2] for name in SUPPORTED_ESTIMATORS)


def _class_name(estimator):
    """The allow-list name of ``estimator``'s exact class, or None."""
    cls = type(estimator)
    for name, (module, attr) in SUPPORTED_ESTIMATORS.items():
        same_package = module.split(".")[0] == cls.__module__.split(".")[0]
        if same_package and getattr(importlib.import_module(module), attr) is cls:
            return name
    return None


def _unsupported(what, kind):
    return TypeError(
        f"{what} is {kind}, which sklearn_recon.save cannot store without pickle. "
        "save supports the sklearn-recon estimators and Pipelines of them with "
        f"scikit-learn's scalers and imputers ({_SUPPORTED_NAMES}); "
        "store other objects with joblib.dump, and load such files only from a "
        "source you trust."
    )


def _is_keras_model(value):
    import sys

    keras = sys.modules.get("keras")  # a Keras model means Keras is imported
    return keras is not None and isinstance(value, keras.Model)


def _versions():
    import sklearn

    return {
        "sklearn-recon": __version__,
        "scikit-learn": sklearn.__version__,
        "keras": _installed_version("keras"),  # without importing it
        "numpy": np.__version__,
    }


def _installed_version(distribution):
    """The installed version of ``distribution``, None if it is not installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return None


def _digest(data):
    return hashlib.sha256(data).hexdigest()


# ------------------------------------------------------------------ saving


class _Writer:
    """Encode an estimator into JSON, arrays and Keras archives."""

    def __init__(self, folder):
        self.folder = folder
        self.arrays = {}
        self.networks = {}
        self.seen = {}  # id -> index of the estimators written so far

    def estimator(self, estimator, where):
        # An estimator met twice (a FrozenEstimator is both a meta-estimator's
        # detector and its estimator_) is written once and referenced after.
        if id(estimator) in self.seen:
            return {"__ref__": self.seen[id(estimator)]}
        name = _class_name(estimator)
        if name is None:
            raise _unsupported(where, f"a {type(estimator).__qualname__}")
        self.seen[id(estimator)] = len(self.seen)
        params = estimator.get_params(deep=False)
        node = {
            "__estimator__": name,
            "params": {key: self.value(value, f"{where}.{key}") for key, value in params.items()},
        }
        # A fitted Keras detector (base.BaseKerasDetector) keeps its network
        # apart: written as a Keras archive, with its NumPy route when it has
        # one, so that load scores without Keras.
        attributes = vars(estimator)
        if hasattr(estimator, "_saved_network") and estimator.__sklearn_is_fitted__():
            attributes = estimator._state_without_network()
            archive, route = estimator._saved_network()
            if archive is None:
                node["network"] = self.network(estimator)
            else:  # a loaded network never rebuilt: the same archive again
                node["network"] = self.add_archive(archive)
            if route is not None:
                node["numpy_route"] = self.value(route, f"{where}.numpy_route")
        state = {key: value for key, value in attributes.items() if key not in params}
        node["state"] = {key: self.value(value, f"{where}.{key}") for key, value in state.items()}
        return node

    def network(self, detector):
        # The trained model is compiled, and Keras would store its optimizer
        # state too (twice the weights for Adam): save an uncompiled copy.
        return self.keras_archive(detector._network_copy())

    def keras_archive(self, model):
        from .utils._keras import get_keras

        path = Path(self.folder) / f"network-{len(self.networks)}.keras"
        get_keras().saving.save_model(model, path, include_optimizer=False)
        return self.add_archive(path.read_bytes())

    def add_archive(self, archive):
        member = f"network-{len(self.networks)}.keras"
        self.networks[member] = archive
        return member

    def value(self, value, where):
        from sklearn.base import BaseEstimator

        if isinstance(value, np.generic) and not isinstance(value, (np.object_, np.str_)):
            # before float: np.float64 is a float, and must come back as one
            return {"__scalar__": value.dtype.str, "value": self.value(value.item(), where)}
        if value is None or isinstance(value, (bool, int, str)):
            return value
        if isinstance(value, float):
            return value if np.isfinite(value) else {"__float__": repr(value)}
        if isinstance(value, (np.random.RandomState, np.random.Generator)):
            raise TypeError(
                f"{where} is a {type(value).__name__} instance, which save cannot "
                "store: pass random_state as an int (or None) to make the fit "
                "reproducible and savable, or store the estimator with joblib."
            )
        if isinstance(value, np.dtype) and not value.hasobject:
            return {"__dtype__": value.str}
        if isinstance(value, np.dtype):
            return {"__dtype__": "object"}
        if isinstance(value, np.ndarray):
            return self.array(value, where)
        if isinstance(value, tuple):
            return {"__tuple__": [self.value(v, f"{where}[{i}]") for i, v in enumerate(value)]}
        if isinstance(value, list):
            return [self.value(v, f"{where}[{i}]") for i, v in enumerate(value)]
        if isinstance(value, dict):
            return {
                "__dict__": [
                    [self.value(k, where), self.value(v, f"{where}[{k!r}]")]
                    for k, v in value.items()
                ]
            }
        if isinstance(value, BaseEstimator):
            return self.estimator(value, where)
        if _is_keras_model(value):
            return {"__keras_model__": self.keras_archive(value)}
        if callable(value):
            raise TypeError(
                f"{where} is a {type(value).__module__}.{type(value).__qualname__} "
                f"({value!r}): code, which sklearn_recon.save does not "
                "store: load would have to import and run it. Pass the network "
                "itself (a keras.Model, stored in Keras's format) instead of a "
                "function that builds it, or store the estimator with joblib.dump "
                "and load such files only from a source you trust."
            )
        raise _unsupported(where, f"a {type(value).__module__}.{type(value).__qualname__}")

    def array(self, value, where):
        if value.dtype.hasobject:
            items = value.ravel().tolist()
            if not all(isinstance(item, str) for item in items):
                raise _unsupported(where, "an object array holding more than strings")
            return {"__strings__": items, "shape": list(value.shape)}
        key = f"a{len(self.arrays)}"
        self.arrays[key] = value
        return {"__array__": key}


def save(estimator, path, *, metadata=None):
    """Save a fitted (or unfitted) estimator to a file, without pickle.

    The file holds the estimator's parameters as JSON, its fitted
    attributes (arrays in NumPy's ``.npz`` format), each Keras network in
    the ``.keras`` format, the versions of the libraries that wrote it and
    a SHA-256 checksum of every part. :func:`load` reads it back without
    executing any code from the file. The file is written to a temporary
    name first and renamed, so an interrupted save never leaves a partial
    file at ``path``.

    Supported: every sklearn-recon estimator, the meta-estimators wrapping
    them, and :class:`~sklearn.pipeline.Pipeline` objects of them with
    scikit-learn's scalers and imputers (``StandardScaler``,
    ``MinMaxScaler``, ``MaxAbsScaler``, ``RobustScaler``, ``SimpleImputer``,
    ``MissingIndicator``) and :class:`~sklearn.frozen.FrozenEstimator`.
    Other estimators (``IsolationForest``, ``LocalOutlierFactor``, ...) keep
    Python objects in their fitted state that only pickle stores: use
    :func:`joblib.dump` for them. A
    :class:`~sklearn_recon.ReconstructionDetector` is stored with its
    network when ``model`` is a ``keras.Model`` (in Keras's format), not
    when it is a function (code).

    Parameters
    ----------
    estimator : estimator instance
        The estimator to save.

    path : str or path-like
        The file to write, conventionally with the suffix ``.skr``. An
        existing file is replaced.

    metadata : dict, default=None
        What to store with the estimator, read back by
        ``load(path, return_metadata=True)``: a dict with string keys whose
        values are None, bools, numbers, strings, NumPy arrays (not of
        objects other than strings), and lists, tuples and dicts of them,
        e.g. how the estimator's input columns were chosen. It is covered
        by the file's checksums like the estimator.

    Raises
    ------
    TypeError
        If the estimator, one of its parameters or fitted attributes, or a
        value of ``metadata``, is of a type the format does not store (the
        message names it), for example a ``random_state`` given as a
        ``RandomState`` instance.

    See Also
    --------
    load : Read an estimator saved by this function.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_recon import AutoencoderDetector, save, load
    >>> X = np.random.RandomState(0).normal(size=(100, 6))
    >>> detector = AutoencoderDetector(epochs=2, random_state=0).fit(X)
    >>> save(detector, "detector.skr")  # doctest: +SKIP
    >>> restored = load("detector.skr")  # doctest: +SKIP
    >>> bool((restored.score_samples(X) == detector.score_samples(X)).all())  # doctest: +SKIP
    True
    """
    path = Path(path)
    if metadata is not None and not (
        isinstance(metadata, dict) and all(isinstance(key, str) for key in metadata)
    ):
        raise TypeError(f"metadata must be a dict with str keys or None; got {metadata!r}.")
    with tempfile.TemporaryDirectory() as folder:
        writer = _Writer(folder)
        tree = writer.estimator(estimator, type(estimator).__name__)
        encoded = None if metadata is None else writer.value(metadata, "metadata")
        arrays = io.BytesIO()
        np.savez(arrays, **writer.arrays)
        members = {
            _TREE: json.dumps(tree, allow_nan=False).encode(),
            _ARRAYS: arrays.getvalue(),
            **writer.networks,
        }
        if encoded is not None:
            members[_METADATA] = json.dumps(encoded, allow_nan=False).encode()
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "versions": _versions(),
        "estimator": tree["__estimator__"],
        "members": {name: _digest(data) for name, data in members.items()},
    }
    manifest_bytes = json.dumps(manifest, indent=2, sort_keys=True).encode()
    archive_bytes = io.BytesIO()
    with zipfile.ZipFile(archive_bytes, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(_MANIFEST, manifest_bytes)
        for name, data in members.items():
            archive.writestr(name, data)
        archive.comment = _COMMENT_PREFIX + b"0" * _DIGEST_LENGTH
    body = archive_bytes.getvalue()[:-_DIGEST_LENGTH]
    _write_atomically(path, body + _digest(body).encode())


def _write_atomically(path, data):
    """Write ``data`` to a temporary file beside ``path``, then rename it.

    The file is created with mode 0666 minus the umask, as ``open`` creates
    files (0644 under the usual umask 022): ``tempfile.mkstemp`` would make
    it 0600, unreadable by a service running as another user.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        partial = path.parent / f".{path.name}.{secrets.token_hex(8)}.part"
        try:
            fd = os.open(partial, flags, 0o666)
            break
        except FileExistsError:
            continue
    else:
        raise FileExistsError(f"could not create a temporary file beside {path}")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


# ----------------------------------------------------------------- loading


def _scored_in_numpy_here(route):
    """Whether this process's backend scores the stored NumPy ``route``'s
    network in NumPy (:data:`~sklearn_recon.utils._keras.INFERENCE_ROUTES`):
    a loaded detector scores where a detector fitted here would."""
    recurrent = isinstance(route, dict) and spec_is_recurrent(route.get("network"))
    return route_of(configured_backend(), recurrent=recurrent) == "numpy"


class _Reader:
    """Decode the JSON tree of a model file back into estimators."""

    def __init__(self, arrays, networks, folder):
        self.arrays = arrays
        self.networks = networks
        self.folder = folder
        self.built = []  # the estimators in the order they were written

    def estimator(self, node):
        name = node["__estimator__"]
        if name not in SUPPORTED_ESTIMATORS:
            raise ValueError(f"the file names the class {name!r}, which load does not restore")
        module, attr = SUPPORTED_ESTIMATORS[name]
        cls = getattr(importlib.import_module(module), attr)
        index = len(self.built)
        self.built.append(None)
        params = {key: self.value(value) for key, value in node["params"].items()}
        estimator = self.built[index] = cls(**params)
        state = node["state"]
        if any(
            key.startswith("__") or key in params or callable(getattr(cls, key, None))
            for key in state
        ):
            raise ValueError(f"bad attribute names for {name}")
        vars(estimator).update({key: self.value(value) for key, value in state.items()})
        route = self.value(node["numpy_route"]) if "numpy_route" in node else None
        if "network" in node and route is not None and _scored_in_numpy_here(route):
            # scored in NumPy; Keras rebuilds the network on first use
            estimator._defer_network(self.networks[node["network"]], route)
        elif "network" in node:  # a graph route, or a file saved before routes were
            member = node["network"]
            path = Path(self.folder) / f"network-{len(os.listdir(self.folder))}.keras"
            path.write_bytes(self.networks[member])
            estimator._restore_network(lambda model: model.load_weights(path))
        return estimator

    def value(self, value):
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if not isinstance(value, dict):
            return value
        if "__estimator__" in value:
            return self.estimator(value)
        if "__ref__" in value:
            estimator = self.built[value["__ref__"]]
            if estimator is None:  # a reference to an estimator from inside itself
                raise ValueError("a circular reference")
            return estimator
        (tag,) = (key for key in value if key.startswith("__"))
        if tag == "__tuple__":
            return tuple(self.value(v) for v in value[tag])
        if tag == "__dict__":
            return {self.value(k): self.value(v) for k, v in value[tag]}
        if tag == "__float__":
            if value[tag] not in ("nan", "inf", "-inf"):
                raise ValueError(f"bad float {value[tag]!r}")
            return float(value[tag])
        if tag == "__scalar__":
            return self.dtype(value[tag]).type(self.value(value["value"]))
        if tag == "__dtype__":
            return self.dtype(value[tag])
        if tag == "__array__":
            return self.arrays[value[tag]]
        if tag == "__keras_model__":
            return self.keras_model(value[tag])
        if tag == "__strings__":
            items = value[tag]
            if not all(isinstance(item, str) for item in items):
                raise ValueError("a string array holds other values")
            return np.array(items, dtype=object).reshape(value["shape"])
        raise ValueError(f"unknown entry {tag!r}")

    def keras_model(self, member):
        """The ``keras.Model`` of the archive ``member``, read in Keras's safe mode."""
        from .utils._keras import get_keras

        keras = get_keras()
        path = Path(self.folder) / f"network-{len(os.listdir(self.folder))}.keras"
        path.write_bytes(self.networks[member])
        try:
            return keras.saving.load_model(path, compile=False, safe_mode=True)
        except (TypeError, ValueError) as exc:
            missing = re.search(r"Could not locate (\w+) '([^']+)'", str(exc))
            what = (
                f"uses the {missing[1]} {missing[2]!r}, which Keras does not know in this process"
                if missing
                else f"cannot be rebuilt here ({exc})"
            )
            raise _MissingKerasObject(
                f"a Keras network in the file (a ReconstructionDetector's model) {what}. "
                "A network of Keras's own layers needs nothing else; a custom layer, "
                "model or function must be registered with "
                "@keras.saving.register_keras_serializable() and its module imported "
                "before load."
            ) from None

    @staticmethod
    def dtype(spec):
        if spec == "object":
            return np.dtype(object)
        dtype = np.dtype(spec)
        if dtype.hasobject:
            raise ValueError(f"bad dtype {spec!r}")
        return dtype


def _read_verified(path):
    """Return the manifest and members of the model file ``path``, verified.

    Every size is checked against the manifest and sane bounds before the
    member it belongs to is decompressed, and members are read in chunks
    that stop at their declared size: a hostile file (a compressed "bomb")
    is refused in time and memory bounded by its own size.
    """
    not_ours = f"{path} is not a sklearn-recon model file"
    altered = (
        f"{path} was altered or corrupted after it was saved: {{}}. Refusing to "
        "load it; save the estimator again."
    )

    def refuse(reason):
        return ValueError(
            f"{path} is not a model file as save writes it: {reason}. Refusing to "
            "decompress it (it was altered or corrupted after it was saved, or "
            "it is not a sklearn-recon model file)."
        )

    with open(path, "rb") as file:
        data = file.read()
    body, checksum = data[:-_DIGEST_LENGTH], data[-_DIGEST_LENGTH:]
    has_checksum = body.endswith(_COMMENT_PREFIX)

    def damaged(reason):
        # not a zip, or a damaged one: its structure, zip's own CRC-32 or the
        # decompressor fails (BadZipFile, zlib.error, struct.error, ...)
        return ValueError(altered.format(reason) if has_checksum else not_ours)

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - damaged zips fail in many ways
        raise damaged(exc) from None
    with archive:
        infos = archive.infolist()
        manifest_info = [info for info in infos if info.filename == _MANIFEST]
        if len(manifest_info) != 1:
            raise damaged("its manifest is damaged")
        if (problem := size_problem(manifest_info, len(data))) is not None:
            raise refuse(problem)
        try:
            manifest_bytes = read_member(archive, manifest_info[0])
        except Exception as exc:  # noqa: BLE001
            raise damaged(exc) from None
        try:
            manifest = json.loads(manifest_bytes)
            is_ours = manifest["format"] == FORMAT
            expected = dict(manifest["members"])
            if not isinstance(manifest["format_version"], int) or not isinstance(
                manifest["versions"], dict
            ):
                raise TypeError("format_version or versions")
        except (ValueError, TypeError, KeyError):
            raise damaged("its manifest is damaged") from None
        if not is_ours:
            raise ValueError(not_ours)
        names = [info.filename for info in infos if info is not manifest_info[0]]
        if sorted(expected) != sorted(names):
            raise ValueError(altered.format("its members differ from the manifest"))
        unexpected = [
            name
            for name in names
            if name not in (_TREE, _ARRAYS, _METADATA) and not _NETWORK.fullmatch(name)
        ]
        if unexpected:
            raise refuse(f"it holds members that a model file has not: {unexpected}")
        if (problem := size_problem(infos, len(data))) is not None:
            raise refuse(problem)
        members = {}
        for info in infos:
            if info is manifest_info[0]:
                continue
            try:
                content = read_member(archive, info)
            except Exception as exc:  # noqa: BLE001
                raise damaged(exc) from None
            if _digest(content) != expected[info.filename]:
                raise ValueError(altered.format(f"the checksum of {info.filename} does not match"))
            members[info.filename] = content
    # The file's checksum covers the rest: the manifest, the zip's headers.
    if not has_checksum or checksum != _digest(body).encode():
        raise ValueError(altered.format("the file's SHA-256 checksum does not match"))
    if manifest["format_version"] > FORMAT_VERSION:
        raise ValueError(
            f"{path} uses version {manifest['format_version']} of the model file "
            f"format; sklearn-recon {__version__} reads up to version "
            f"{FORMAT_VERSION}. Upgrade sklearn-recon."
        )
    for name, content in members.items():
        if _NETWORK.fullmatch(name):
            check_network(content, name, refuse)
    return manifest, members


def load(path, *, return_metadata=False):
    """Load an estimator saved by :func:`save`.

    Nothing in the file is executed: there is no pickle, the classes come
    from a fixed allow-list and each Keras network is rebuilt by its
    detector's builder before its weights are read. A
    :class:`~sklearn_recon.ReconstructionDetector`'s own network is read in
    Keras's safe mode: Keras's layers need nothing, a custom class must be
    registered with ``keras.saving.register_keras_serializable`` before
    ``load``. The loaded estimator scores exactly like the saved one.

    A detector whose network is scored in NumPy (every built-in detector)
    loads and scores without importing Keras or its backend: its NumPy
    version is rebuilt from the file and checked against the network's
    output stored with it, and the Keras network is rebuilt when
    ``model_`` is first read, or the detector refits.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save`.

    return_metadata : bool, default=False
        Whether to return the ``metadata`` given to :func:`save` too.

    Returns
    -------
    estimator : estimator instance
        The saved estimator, fitted if it was saved fitted.

    metadata : dict
        The ``metadata`` given to :func:`save` (an empty dict if none);
        only with ``return_metadata=True``.

    Raises
    ------
    ValueError
        If the file is not a sklearn-recon model file, was altered or
        corrupted after it was saved (a checksum does not match), or declares
        sizes no model file has (a compressed "bomb"): these are refused
        before anything is decompressed. Also if a network in it uses a
        class or function Keras does not know in this process (the message
        names it), or if the NumPy version of a network stored in it does
        not give the output stored with it.

    Warns
    -----
    UserWarning
        If the file was written with another version of sklearn-recon,
        scikit-learn or Keras.

    See Also
    --------
    save : Save an estimator without pickle.

    Examples
    --------
    >>> from sklearn_recon import load
    >>> detector = load("detector.skr")  # doctest: +SKIP
    """
    path = os.fspath(path)
    return _load_verified(path, *_read_verified(path), return_metadata=return_metadata)


def _load_verified(path, manifest, members, *, return_metadata=False):
    """:func:`load` of a file that :func:`_read_verified` has accepted.

    Apart so that a caller can refuse a hostile file before building
    anything (the command line checks the file first, then loads it).
    """
    saved = manifest["versions"]
    current = _versions()
    differ = [
        f"{name} {saved.get(name)} (now {current[name]})"
        for name in ("sklearn-recon", "scikit-learn", "keras")
        if saved.get(name) != current[name]
    ]
    if differ:
        warnings.warn(
            f"{path} was saved with {', '.join(differ)}; the loaded estimator may "
            "not work the same. Check its scores, or fit and save it again.",
            UserWarning,
        )
    try:
        with np.load(io.BytesIO(members[_ARRAYS]), allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
        tree = json.loads(members[_TREE])
        with tempfile.TemporaryDirectory() as folder:
            reader = _Reader(arrays, members, folder)
            estimator = reader.estimator(tree)
            if not return_metadata:
                return estimator
            metadata = {}
            if _METADATA in members:
                metadata = reader.value(json.loads(members[_METADATA]))
                if not isinstance(metadata, dict):
                    raise ValueError("the metadata is not a dict")
            return estimator, metadata
    except _MissingKerasObject as exc:
        raise ValueError(f"Cannot load {path}: {exc}") from None
    except (AttributeError, KeyError, OSError, RecursionError, TypeError, ValueError) as exc:
        raise ValueError(f"{path} is not a valid sklearn-recon model file: {exc!r}") from None


class _MissingKerasObject(Exception):
    """A Keras network of the file names a class or function Keras does not know here."""
