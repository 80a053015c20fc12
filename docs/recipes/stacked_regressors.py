"""Stacks and blends for regression, as plain scikit-learn objects.

Use with ``sklearn-irnet compare --models-file docs/recipes/stacked_regressors.py`` (beside
``--models``), or import ``MODELS`` and give it to
:func:`sklearn_irnet.compare.compare_models`. The input must be the 145 Magpie attributes
(``--features magpie``, the default), the features the shipped networks were trained on.

These are the study winners that used to be model names (``extra_trees_oqmd_prediction``,
``irnet17_oqmd_blend``, ...), written out so that what runs is what you read here. The
forests follow the command line's baseline rule (``sklearn_irnet.models.BASELINE_RULE``:
300 trees); the studies that first reported them used 100.
"""

from sklearn.ensemble import ExtraTreesRegressor, VotingRegressor
from sklearn.pipeline import make_pipeline

from sklearn_irnet import IRNetRegressor, PretrainedPrediction

SHIPPED = ["oqmd-irnet17", "mp-gap-irnet17", "mp-e-form-irnet17"]


def extra_trees() -> ExtraTreesRegressor:
    """Extra trees by the command line's baseline rule."""
    return ExtraTreesRegressor(n_estimators=300, max_features=1.0, random_state=0)


MODELS = {
    # extra trees on the attributes plus the OQMD network's formation-enthalpy estimate
    "extra_trees_oqmd_prediction": make_pipeline(PretrainedPrediction("oqmd-irnet17"),
                                                 extra_trees()),
    # ... plus the estimates of all three shipped networks
    "extra_trees_pretrained_predictions": make_pipeline(PretrainedPrediction(SHIPPED),
                                                        extra_trees()),
    # the fine-tuned OQMD network averaged with the stacked trees, equal weights
    "irnet17_oqmd_blend": VotingRegressor([
        ("irnet17_oqmd", IRNetRegressor(pretrained="oqmd-irnet17", random_state=0)),
        ("extra_trees_oqmd_prediction",
         make_pipeline(PretrainedPrediction("oqmd-irnet17"), extra_trees())),
    ]),
    # IRNet-17 from scratch averaged with extra trees, no pre-training
    "irnet17_extra_trees_blend": VotingRegressor([
        ("irnet17", IRNetRegressor(random_state=0)), ("extra_trees", extra_trees())]),
}
