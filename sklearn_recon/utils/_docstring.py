"""Shared docstring paragraphs, filled in with ``%(name)s`` substitution.

Every detector documents the same training and threshold parameters; they
are written once here so the wording (and the defaults quoted) cannot drift
between classes. A literal percent sign in a substituted docstring is ``%%``.
"""

import textwrap

_INDENT = "    "


def _block(text):
    """Dedent ``text`` and indent it to the parameter level of a class docstring."""
    return textwrap.indent(textwrap.dedent(text).strip("\n"), _INDENT).lstrip()


def training_parameters(*, epochs, batch_size, learning_rate, n_iter_no_change):
    """The training parameters of :class:`~sklearn_recon.base.BaseKerasDetector`."""
    return _block(
        f"""
        epochs : int, default={epochs}
            Maximum number of passes over the training data. With
            ``early_stopping=True`` training may stop sooner; ``n_iter_``
            holds the number of epochs actually run.

        batch_size : int, default={batch_size}
            Number of samples per gradient update. Scoring uses its own,
            larger batches.

        learning_rate : float, default={learning_rate}
            Step size of the optimizer.

        optimizer : {{"adam", "adamw", "nadam", "rmsprop", "sgd"}}, default="adam"
            Keras optimizer used for training.

        early_stopping : bool, default=True
            Whether to hold out ``validation_fraction`` of the training data
            and stop when its loss has not improved for ``n_iter_no_change``
            epochs. The weights of the best epoch are restored.

        validation_fraction : float, default=0.1
            Share of the training data held out for early stopping. Only
            used if ``early_stopping=True``.

        n_iter_no_change : int, default={n_iter_no_change}
            Number of epochs without improvement of the validation loss
            before training stops. Only used if ``early_stopping=True``.
        """
    )


def contamination_parameter(default='"auto"'):
    """The ``contamination`` parameter shared by all detectors."""
    return _block(
        f"""
        contamination : "auto" or float, default={default}
            Sets the threshold on the anomaly error. With ``"auto"`` it is the
            mean plus one standard deviation of the training errors (the rule
            of the studies this library grew from). With a float in
            (0, 0.5] it is the quantile of the training errors that flags
            that share of the training samples, as in
            :class:`~sklearn.ensemble.IsolationForest`.
        """
    )


def random_state_verbose_parameters():
    """The ``random_state`` and ``verbose`` parameters shared by all detectors."""
    return _block(
        """
        random_state : int, RandomState instance or None, default=None
            Seeds the weight initialization, the validation split, the
            shuffling of the batches and any noise. Pass an int for a
            reproducible ``fit``: two fits with the same seed and data give
            the same scores, and the global NumPy and Python random states
            are left untouched. See :term:`Glossary <random_state>`.

        verbose : int, default=0
            0 is silent, 1 shows a progress bar per epoch, 2 prints one
            line per epoch. Scoring more than 8192 samples with ``verbose``
            above 0 also prints a line of progress to stderr after about
            every tenth of the samples.
        """
    )


def fill_doc(**paragraphs):
    """Class decorator substituting ``%(name)s`` in the docstring."""

    def decorate(obj):
        obj.__doc__ = obj.__doc__ % paragraphs
        return obj

    return decorate
