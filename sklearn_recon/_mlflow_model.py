"""The mlflow ``PythonModel`` that :func:`sklearn_recon.mlflow.log_model` logs.

Its artifact is a model file written by :func:`sklearn_recon.save`, read
back by :func:`sklearn_recon.load`: nothing is pickled. mlflow is imported
here, so this module is imported only when mlflow is used.
"""

import mlflow.pyfunc
import pandas as pd

#: The key of the model file among the logged model's artifacts.
ARTIFACT = "sklearn_recon_model"


class SklearnReconModel(mlflow.pyfunc.PythonModel):
    """A fitted sklearn-recon estimator served through ``mlflow.pyfunc``.

    ``predict`` returns a DataFrame with one row per input row and the
    columns ``score`` (``score_samples``, higher is more normal),
    ``decision`` (``decision_function``, negative for anomalies) and
    ``flag`` (``predict``: +1 / -1, or the labels of ``y`` for the
    threshold meta-estimators).
    """

    def load_context(self, context):
        from ._persistence import load

        self.estimator_ = load(context.artifacts[ARTIFACT])

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        estimator = self.estimator_
        X = model_input
        if isinstance(X, pd.DataFrame) and not hasattr(estimator, "feature_names_in_"):
            X = X.to_numpy()  # fitted on an array: its columns' names mean nothing
        return pd.DataFrame(
            {
                "score": estimator.score_samples(X),
                "decision": estimator.decision_function(X),
                "flag": estimator.predict(X),
            },
            index=model_input.index if isinstance(model_input, pd.DataFrame) else None,
        )
