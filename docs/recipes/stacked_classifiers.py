"""Stacks and blends for classification (e.g. Matbench's expt_is_metal), as plain
scikit-learn objects.

Use with ``sklearn-irnet matbench --tasks matbench_expt_is_metal --models-file
docs/recipes/stacked_classifiers.py``, or import ``MODELS``. The input must be the 145
Magpie attributes. Classes are weighted inversely to their frequency (``class_weight=
"balanced"``), the a-priori setting for Matbench's label ROC-AUC (a balanced accuracy);
``--class-weight`` does not reach models from a file, so it is set here.

These are the study winners that used to be model names
(``random_forest_mp_gap_prediction``, ``hist_gradient_boosting_mp_gap_prediction``,
``irnet17_mp_gap_blend``), written out; the forests follow the command line's baseline
rule (300 trees), where the studies that first reported them used 100.
"""

from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    RandomForestClassifier,
    VotingClassifier,
)
from sklearn.pipeline import make_pipeline

from sklearn_irnet import IRNetClassifier, PretrainedPrediction


def boosting_on_gap() -> object:
    """Gradient boosting on the attributes plus the band-gap network's estimate."""
    return make_pipeline(
        PretrainedPrediction("mp-gap-irnet17"),
        HistGradientBoostingClassifier(learning_rate=0.05, max_iter=2000, early_stopping=True,
                                       n_iter_no_change=50, class_weight="balanced",
                                       random_state=0))


MODELS = {
    "random_forest_mp_gap_prediction": make_pipeline(
        PretrainedPrediction("mp-gap-irnet17"),
        RandomForestClassifier(n_estimators=300, max_features="sqrt",
                               class_weight="balanced", random_state=0)),
    "hist_gradient_boosting_mp_gap_prediction": boosting_on_gap(),
    # the fine-tuned band-gap network and the stacked boosting, probabilities averaged
    "irnet17_mp_gap_blend": VotingClassifier([
        ("irnet17_mp_gap", IRNetClassifier(pretrained="mp-gap-irnet17",
                                           class_weight="balanced", random_state=0)),
        ("hist_gradient_boosting_mp_gap_prediction", boosting_on_gap()),
    ], voting="soft"),
}
