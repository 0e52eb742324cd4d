"""Score a table on Spark with the ONNX graph: no TensorFlow on the executors.

Run it as ``python score_with_spark.py MODEL READINGS SCORES``: ``MODEL`` is
a file written by ``sklearn_recon.save`` (an estimator or Pipeline fitted on
a DataFrame with the table's columns), ``READINGS`` a Parquet table with an
``id`` column and those columns, ``SCORES`` the Parquet table written.

The driver exports the model to one ONNX graph (``sklearn_recon.export``);
the executors score batches of rows with onnxruntime and need NumPy,
pandas, pyarrow and onnxruntime, neither TensorFlow nor sklearn-recon.

Without arguments it makes its own small example in the current folder
(``model.skr``, fitted on 1000 ECG5000 beats, and ``readings/``, 2000 beats)
and scores it into ``scores/`` on a local Spark. Needs ``pip install
".[spark]"`` and a Java runtime (17 or later).
"""

import os
import sys

import numpy as np
import pandas as pd
from pyspark import SparkFiles
from pyspark.sql import SparkSession

import sklearn_recon


def score_table(spark, model, readings, scores):
    """Score the table ``readings`` into ``scores``, in the executors."""
    columns = list(model.feature_names_in_)  # the columns it was fitted on, in order
    sklearn_recon.export(model, "detector.onnx")  # on the driver, which has sklearn-recon
    spark.sparkContext.addFile("detector.onnx")  # copied to every executor

    def score_batches(batches):
        """Scores and flags of each batch of rows, in an executor."""
        import onnxruntime

        session = onnxruntime.InferenceSession(SparkFiles.get("detector.onnx"))
        for batch in batches:
            rows = batch[columns].to_numpy(dtype=np.float32)
            score, flag = session.run(["score", "flag"], {"X": rows})
            yield pd.DataFrame({"id": batch["id"], "score": score, "flag": flag})

    table = spark.read.parquet(readings)
    result = table.mapInPandas(score_batches, schema="id long, score float, flag long")
    result.write.parquet(scores)


def make_example():
    """A fitted model and a table of readings to score, in the current folder."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler

    from sklearn_recon import AutoencoderDetector
    from sklearn_recon.datasets import load_ecg5000

    ecg = load_ecg5000(as_frame=True)
    beats = ecg.data.sample(frac=1.0, random_state=0)  # shuffled: every class
    train = beats[ecg.target[beats.index] == 1].iloc[:1000]
    detector = AutoencoderDetector(epochs=20, early_stopping=False, random_state=0)
    sklearn_recon.save(make_pipeline(MinMaxScaler(), detector).fit(train), "model.skr")
    readings = beats.drop(train.index).iloc[:2000]
    os.makedirs("readings", exist_ok=True)
    readings.rename_axis("id").reset_index().to_parquet("readings/part-0.parquet")
    return "model.skr", "readings/", "scores/"


def main(args):
    args = args or make_example()
    model_path, readings, scores = args
    model = sklearn_recon.load(model_path)
    # a local Spark on this machine's cores, its workers in this Python;
    # spark-submit runs the script on a cluster
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = SparkSession.builder.getOrCreate()
    try:
        score_table(spark, model, readings, scores)
    finally:
        spark.stop()
    print(f"Scored the table {readings} with {model_path} into {scores}")


if __name__ == "__main__":
    main(sys.argv[1:])
