"""Log sklearn-recon estimators to mlflow and load them back, without pickle.

mlflow's scikit-learn flavour stores an estimator with skops or
cloudpickle. These helpers store it with :func:`sklearn_recon.save`
instead: the logged model is an mlflow ``pyfunc`` model whose one artifact
is the ``.skr`` file, and whose Python model is given to mlflow as code (a
three-line file importing ``SklearnReconModel`` from the installed
sklearn-recon, mlflow's "models from code"), so nothing is pickled when
logging and nothing is unpickled when loading.

sklearn-recon is not on a package index, so the logged model carries it: the
installed ``sklearn_recon`` package goes with the model as its code
(mlflow's ``code_paths``), and the requirements name what a serving
environment installs from PyPI, the dependencies of sklearn-recon at the
versions running here (and mlflow). An environment built from the logged
requirements alone loads the model and serves it.

mlflow is not a dependency of sklearn-recon: install it with ``pip install
".[mlflow]"`` from a checkout. Importing this module does not import mlflow;
the functions do.
"""

import os
import shutil
import tempfile
from pathlib import Path

__all__ = ["load_model", "log_model"]

_CODE = '''\
"""The mlflow model from code of sklearn_recon.mlflow.log_model.

The model is the sklearn-recon model file among the artifacts, read with
sklearn_recon.load when mlflow loads this model: no pickle.
"""

import mlflow.models

from sklearn_recon._mlflow_model import SklearnReconModel

mlflow.models.set_model(SklearnReconModel())
'''


def _mlflow():
    try:
        import mlflow
    except ImportError:
        raise ImportError(
            "sklearn_recon.mlflow needs mlflow, which sklearn-recon does not "
            'install: pip install mlflow (or ".[mlflow]" from a checkout).'
        ) from None
    return mlflow


def log_model(model, name="model", *, signature=None, input_example=None,
              pip_requirements=None, **kwargs):  # fmt: skip
    """Log a fitted estimator to the active mlflow run, as a ``pyfunc`` model.

    The estimator is written with :func:`sklearn_recon.save` and logged as
    the artifact of an mlflow ``PythonModel`` given as code, so nothing is
    pickled. The logged model loads with :func:`load_model` (the estimator
    itself, every method) or ``mlflow.pyfunc.load_model`` (a ``predict``
    that returns the scores, decisions and flags, for ``mlflow models
    serve``).

    Parameters
    ----------
    model : estimator instance
        A fitted estimator that :func:`sklearn_recon.save` supports: a
        sklearn-recon detector, a meta-estimator around one, or a Pipeline
        of them after scikit-learn's scalers and imputers.

    name : str, default="model"
        The name of the logged model in the run.

    signature : mlflow.models.ModelSignature, default=None
        The model's signature. If None, it is inferred from
        ``input_example`` when one is given, else made of the input columns
        the estimator was fitted on when it was fitted on a DataFrame.

    input_example : pandas.DataFrame, default=None
        A few rows of input, stored with the model.

    pip_requirements : list of str, default=None
        The requirements of the model's environment. If None, the
        dependencies of sklearn-recon at the versions installed here
        (mlflow adds itself); sklearn-recon itself is in the model, as code.
        Naming them skips mlflow's inference of the requirements, which
        loads the model in a new process.

    **kwargs : dict
        Passed on to ``mlflow.pyfunc.log_model`` (``registered_model_name``,
        ``extra_pip_requirements``, ``metadata``, ...).

    Returns
    -------
    model_info : mlflow.models.model.ModelInfo
        The logged model; ``model_info.model_uri`` loads it.

    See Also
    --------
    load_model : Load the estimator logged by this function.
    sklearn_recon.save : The file format of the artifact.

    Notes
    -----
    ``mlflow.pyfunc.load_model`` runs the model's code, the three lines
    that import ``sklearn_recon._mlflow_model.SklearnReconModel`` from
    the installed sklearn-recon; :func:`load_model` runs nothing from the
    logged model, as :func:`sklearn_recon.load` runs nothing from the file.

    Examples
    --------
    >>> import mlflow  # doctest: +SKIP
    >>> from sklearn_recon.mlflow import load_model, log_model
    >>> with mlflow.start_run():  # doctest: +SKIP
    ...     info = log_model(detector, "detector")
    >>> restored = load_model(info.model_uri)  # doctest: +SKIP
    """
    mlflow = _mlflow()
    from ._mlflow_model import ARTIFACT
    from ._persistence import save

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.skr"
        save(model, path)
        code = Path(folder) / "sklearn_recon_model.py"
        code.write_text(_CODE)
        if signature is None:
            signature = _signature(mlflow, model, input_example)
        if pip_requirements is None and "extra_pip_requirements" not in kwargs:
            pip_requirements = _requirements()
        return mlflow.pyfunc.log_model(
            name=name,
            python_model=os.fspath(code),
            artifacts={ARTIFACT: os.fspath(path)},
            code_paths=[_package_copy(folder)],
            signature=signature,
            input_example=input_example,
            pip_requirements=pip_requirements,
            **kwargs,
        )


def _signature(mlflow, model, input_example):
    """The inputs (of ``input_example``, or the columns of fit) and the outputs.

    The outputs are declared, not inferred, so mlflow does not warn about
    the integer ``flag`` column (its hint that integer columns cannot hold
    missing values: ``flag`` never has any).
    """
    from mlflow.types import ColSpec, Schema

    from ._mlflow_model import SklearnReconModel

    inputs = None
    if input_example is not None:
        inputs = mlflow.models.infer_signature(input_example).inputs
    elif hasattr(model, "feature_names_in_"):
        inputs = Schema([ColSpec("double", str(c)) for c in model.feature_names_in_])
    if inputs is None:
        return None
    served = SklearnReconModel()
    served.estimator_ = model
    example = input_example
    if example is None:
        import pandas as pd

        example = pd.DataFrame(
            [[0.0] * len(model.feature_names_in_)], columns=model.feature_names_in_
        )
    output = served.predict(None, example[:1])
    kinds = {"f": "double", "i": "long", "u": "long", "b": "boolean"}
    outputs = Schema(
        [ColSpec(kinds.get(output[c].dtype.kind, "string"), c) for c in output.columns]
    )
    return mlflow.models.ModelSignature(inputs=inputs, outputs=outputs)


def _requirements():
    """sklearn-recon's dependencies, pinned to the versions installed here."""
    from importlib import metadata

    from packaging.requirements import Requirement  # an mlflow dependency

    try:
        declared = metadata.requires("sklearn-recon") or []
    except metadata.PackageNotFoundError:  # run from a checkout without installing
        return None  # mlflow infers them
    pinned = []
    for line in declared:
        requirement = Requirement(line)
        if requirement.marker is not None and "extra" in str(requirement.marker):
            continue  # an optional extra's
        try:
            pinned.append(f"{requirement.name}=={metadata.version(requirement.name)}")
        except metadata.PackageNotFoundError:
            pinned.append(line)
    return pinned


def _package_copy(folder):
    """A copy of the running ``sklearn_recon`` package, for the model's code.

    Without the bundled data sets and the bytecode caches: serving needs
    neither.
    """
    source = Path(__file__).resolve().parent
    target = Path(folder) / "code" / source.name
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.csv.gz"))
    return os.fspath(target)


def load_model(model_uri, *, dst_path=None):
    """Load the estimator of a model logged by :func:`log_model`.

    The model's files are downloaded and its model file is read with
    :func:`sklearn_recon.load`: nothing from the logged model is unpickled
    or run.

    Parameters
    ----------
    model_uri : str
        The model's URI: ``runs:/<run_id>/<name>``, ``models:/<name>/<version>``,
        ``model_info.model_uri``, or a local path.

    dst_path : str or path-like, default=None
        Where to download the model's files; a new temporary folder if None.

    Returns
    -------
    estimator : estimator instance
        The fitted estimator that was logged, with all its methods.

    Raises
    ------
    ValueError
        If the model was not logged by :func:`log_model`, or its model file
        was altered (see :func:`sklearn_recon.load`).

    See Also
    --------
    log_model : Log an estimator without pickle.

    Examples
    --------
    >>> from sklearn_recon.mlflow import load_model
    >>> detector = load_model("models:/detector/1")  # doctest: +SKIP
    """
    mlflow = _mlflow()
    from ._mlflow_model import ARTIFACT
    from ._persistence import load

    local = Path(mlflow.artifacts.download_artifacts(artifact_uri=model_uri, dst_path=dst_path))
    flavor = mlflow.models.Model.load(local).flavors.get("python_function", {})
    artifact = flavor.get("artifacts", {}).get(ARTIFACT)
    if not isinstance(artifact, dict) or not isinstance(artifact.get("path"), str):
        raise ValueError(
            f"{model_uri} was not logged by sklearn_recon.mlflow.log_model: it has "
            f"no {ARTIFACT!r} artifact"
        )
    path = (local / artifact["path"]).resolve()
    if not path.is_relative_to(local.resolve()):
        raise ValueError(f"the artifact of {model_uri} lies outside the model")
    return load(path)
