"""Does a saved model load back exactly, how large and fast is it, and are altered files refused?

For two models fitted on the ECG5000 protocol of ARCHITECTURE.md,
``make_pipeline(MinMaxScaler(), AutoencoderDetector(...))`` on the normal
training beats and ``make_pipeline(MinMaxScaler(), CostThreshold(
AutoencoderDetector(...)))`` on all training beats with labels, prints:
the file size of ``sklearn_recon.save`` (and of ``joblib.dump`` for
comparison), the median seconds of save and of load over ``--repeat``
runs, the largest absolute difference between the loaded and the original
model's test scores (must be 0.0) and whether their predictions agree,
then what ``load`` says about the file with one byte flipped, with a
member altered inside a valid zip, and with a member and its manifest
checksum altered together.

Run: python benchmarks/save_load.py [--quick] [--epochs 20] [--repeat 5]
Feeds the "Saving" section of RESULTS.md (``run_all.py --studies saving``).
"""

import json
import os
import re
import tempfile
import time
import warnings
import zipfile
from pathlib import Path

import joblib
import numpy as np
from _common import finish, machine_info, median_seconds, parser, quiet
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from sklearn_recon import AutoencoderDetector, CostThreshold, load, save
from sklearn_recon._persistence import _digest
from sklearn_recon._studies._protocol import ecg5000_split


def refusal(path):
    """The message of load's refusal of ``path`` (or a failure notice)."""
    try:
        load(path)
    except ValueError as exc:
        return f"refused: {exc}"
    return "NOT REFUSED"


def rewrite(source, target, edit, fix_member_checksums=False):
    """Copy the model file ``source`` with ``estimator.json`` passed through ``edit``."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        tree = edit(old.read("estimator.json"))
        manifest = json.loads(old.read("manifest.json"))
        if fix_member_checksums:
            manifest["members"]["estimator.json"] = _digest(tree)
        new.writestr("manifest.json", json.dumps(manifest))
        new.writestr("estimator.json", tree)
        for name in old.namelist()[2:]:  # the networks and arrays, unchanged
            new.writestr(name, old.read(name))
        new.comment = old.comment


def report(name, model, X_test, folder, repeat):
    """Print the round trip and the refusals of ``model``; return them as a dict."""
    print(f"\n{name}")
    path = Path(folder) / "model.skr"
    save_seconds = median_seconds(lambda: save(model, path), repeat)
    load_seconds = median_seconds(lambda: load(path), repeat)
    joblib_path = Path(folder) / "model.joblib"
    joblib.dump(model, joblib_path)
    restored = load(path)
    difference = np.max(
        np.abs(restored.decision_function(X_test) - model.decision_function(X_test))
    )
    same_predictions = np.array_equal(restored.predict(X_test), model.predict(X_test))
    print(
        f"  file {os.path.getsize(path) / 1024:.1f} KiB (joblib.dump: "
        f"{os.path.getsize(joblib_path) / 1024:.1f} KiB); save {save_seconds:.3f} s, "
        f"load {load_seconds:.3f} s (medians of {repeat})"
    )
    print(
        f"  max |decision_function difference| on {len(X_test)} test beats: "
        f"{difference}; predictions identical: {same_predictions}"
    )

    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    flipped = Path(folder) / "flipped.skr"
    flipped.write_bytes(bytes(data))
    refusals = {"flipped byte": refusal(flipped)}
    print(f"  one byte flipped at offset {len(data) // 2}: {refusals['flipped byte']}")

    def edit(data):  # a harmless-looking edit
        return data.replace(b'"verbose": false', b'"verbose": true', 1)

    altered = Path(folder) / "altered.skr"
    rewrite(path, altered, edit)
    refusals["edited member"] = refusal(altered)
    print(f"  estimator.json edited, zip rebuilt: {refusals['edited member']}")
    rewrite(path, altered, edit, fix_member_checksums=True)
    refusals["edited member and checksum"] = refusal(altered)
    print(f"  ... and its manifest checksum updated too: {refusals['edited member and checksum']}")
    return {
        "name": name,
        "kib": os.path.getsize(path) / 1024,
        "joblib_kib": os.path.getsize(joblib_path) / 1024,
        "save_seconds": save_seconds,
        "load_seconds": load_seconds,
        "repeat": repeat,
        "max_diff": float(difference),
        "same_predictions": same_predictions,
        "test_rows": len(X_test),
        "refusals": refusals,
    }


def save_study(epochs=20, repeat=5):
    """Fit both pipelines and report their round trips; print and return the figures.

    Returns a dict: ``epochs`` and ``models``, one dict per pipeline (as
    :func:`report` returns: file KiB, joblib KiB, median save and load
    seconds, max |difference|, identical predictions, the three refusals).
    """
    X_train, X_test, y_train, y_test = ecg5000_split()
    detector = AutoencoderDetector(epochs=epochs, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        autoencoder = make_pipeline(MinMaxScaler(), detector).fit(X_train[y_train == 1])
        print(f"Fitted the autoencoder pipeline in {time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        cost = make_pipeline(
            MinMaxScaler(),
            CostThreshold(detector, fp_cost=5, fn_cost=100, tp_cost=5, cv=3),
        ).fit(X_train, y_train)
        print(f"Fitted the CostThreshold pipeline in {time.perf_counter() - start:.1f} s")
    with tempfile.TemporaryDirectory() as folder:
        models = [
            report(
                f"make_pipeline(MinMaxScaler(), AutoencoderDetector(epochs={epochs}))",
                autoencoder,
                X_test,
                folder,
                repeat,
            ),
            report(
                "make_pipeline(MinMaxScaler(), CostThreshold(AutoencoderDetector(...), "
                "fp_cost=5, fn_cost=100, tp_cost=5, cv=3))",
                cost,
                X_test,
                folder,
                repeat,
            ),
        ]
    return {"epochs": epochs, "models": models}


def section(saved):
    """The "Saving" section of RESULTS.md from a ``save_study`` result."""
    models = []
    for m in saved["models"]:
        refused = [
            f"{what}: {'refused' if text.startswith('refused') else '**NOT REFUSED**'}"
            for what, text in m["refusals"].items()
        ]
        models.append(
            f"| `{m['name']}` | {m['kib']:.1f} KiB ({m['joblib_kib']:.1f}) "
            f"| {m['save_seconds']:.3f} s / {m['load_seconds']:.3f} s "
            f"| {m['max_diff']} | {m['same_predictions']} | {'; '.join(refused)} |"
        )
    # The refusal names the file, in a temporary folder: keep its name only.
    message = re.sub(
        r"\S*[/\\](flipped\.skr)", r"\1", saved["models"][0]["refusals"]["flipped byte"]
    )
    return "\n".join(
        [
            "## Saving\n",
            "`python benchmarks/save_load.py`: `sklearn_recon.save` / `load` of two "
            f"pipelines fitted on the ECG5000 protocol (`AutoencoderDetector(epochs="
            f"{saved['epochs']})`; medians of {saved['models'][0]['repeat']} saves and "
            "loads), the largest absolute difference of the loaded pipeline's "
            f"decision values on the {saved['models'][0]['test_rows']} test beats, and "
            "`load` of the file with one byte flipped, with `estimator.json` edited in "
            "a rebuilt zip, and edited with its manifest checksum recomputed "
            f'(the first refusal reads: "{message}").\n',
            "| pipeline | file (joblib.dump) | save / load | max abs. difference "
            "| same predictions | altered files |",
            "|---|---|---|---|---|---|",
            *models,
            "",
        ]
    )


def main(argv=None):
    args_parser = parser(__doc__)
    args_parser.add_argument("--epochs", type=int, default=20)
    args_parser.add_argument("--repeat", type=int, default=5)
    args = args_parser.parse_args(argv)
    quiet()
    print(machine_info())
    saved = save_study(*((2, 1) if args.quick else (args.epochs, args.repeat)))
    return finish("save_load", section(saved), saved)


if __name__ == "__main__":
    main()
