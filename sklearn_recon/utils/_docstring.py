"""Shared docstring paragraphs, and the one way they are filled in.

Parameters that several estimators, methods or displays share are written
once, as plain dedented text, so their wording (and the defaults quoted)
cannot drift. A docstring names a paragraph with a placeholder alone on its
line, ``%(name)s``, indented where the paragraph belongs; :func:`fill_doc`
replaces it with the paragraph indented the same way, in the docstring of a
class and in those of its methods alike.
"""

import re
import textwrap

_PLACEHOLDER = re.compile(r"^(?P<indent>[ ]*)%\((?P<name>\w+)\)s[ ]*$", re.MULTILINE)


def substitute(doc, paragraphs):
    """Replace each placeholder line of ``doc`` by its paragraph, indented alike.

    Parameters
    ----------
    doc : str
        A docstring whose placeholders ``%(name)s`` stand alone on their lines.

    paragraphs : dict of str to str
        The text of each placeholder, in any indentation.

    Returns
    -------
    doc : str
        The filled docstring.

    Raises
    ------
    KeyError
        If ``doc`` names a paragraph that is not given.
    """

    def fill(match):
        text = textwrap.dedent(paragraphs[match["name"]]).strip("\n")
        return textwrap.indent(text, match["indent"], lambda line: line.strip())

    return _PLACEHOLDER.sub(fill, doc)


def fill_doc(**paragraphs):
    """Class decorator filling the placeholders of the class and its methods.

    Parameters
    ----------
    **paragraphs : str
        The text of each placeholder ``%(name)s``.

    Returns
    -------
    decorate : callable
        Fills ``cls.__doc__`` and the docstrings of the functions,
        classmethods and staticmethods defined on ``cls``; returns ``cls``.
    """

    def decorate(cls):
        if cls.__doc__:
            cls.__doc__ = substitute(cls.__doc__, paragraphs)
        for member in vars(cls).values():
            function = getattr(member, "__func__", member)  # class/staticmethods
            if callable(function) and function.__doc__ and "%(" in function.__doc__:
                function.__doc__ = substitute(function.__doc__, paragraphs)
        return cls

    return decorate


def training_parameters(*, epochs, batch_size, learning_rate, n_iter_no_change):
    """The training parameters of :class:`~sklearn_recon.base.BaseKerasDetector`."""
    return f"""
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


def contamination_parameter(default='"auto"'):
    """The ``contamination`` parameter shared by all detectors."""
    return f"""
    contamination : "auto" or float, default={default}
        Sets the threshold on the anomaly error. With ``"auto"`` it is the
        mean plus one standard deviation of the training errors (the rule
        of the studies this library grew from). With a float in
        (0, 0.5] it is the quantile of the training errors that flags
        that share of the training samples, as in
        :class:`~sklearn.ensemble.IsolationForest`. Both read the errors of
        the training samples, which the network was fitted to and which tend
        to be smaller than those of new normal samples: on new normal data
        the share flagged is then higher than the share asked for. For a
        false-alarm rate that holds on new data, wrap the detector in
        :class:`~sklearn_recon.ThresholdSelector` with
        ``method="conformal"``, which calibrates on held-out normal rows.
    """


RANDOM_STATE_VERBOSE = """
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

FIT_SAMPLE_WEIGHT = """
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative weight of each training sample in the loss and in the
        threshold; None weighs every sample equally. Only the ratios of the
        weights matter. A sample of weight 0 is ignored, as if it were not
        in ``X``.
"""
