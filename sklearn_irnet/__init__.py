"""Deep residual regression networks (IRNet) as scikit-learn estimators for materials data."""

from ._version import __version__
from .classifier import IRNetClassifier
from .compare import ModelComparison, compare_models
from .ensemble import DeepEnsembleClassifier, DeepEnsembleRegressor
from .estimator import PAPER_RECIPE, IRNetRegressor
from .transfer import PretrainedActivations, PretrainedPrediction

# what users import from the top: the estimators, the transformers over shipped networks,
# the comparison, and the paper's recipe; the network's parts stay in their modules
# (sklearn_irnet.architecture, sklearn_irnet.network, ...)
__all__ = [
    "IRNetRegressor",
    "IRNetClassifier",
    "DeepEnsembleRegressor",
    "DeepEnsembleClassifier",
    "PretrainedPrediction",
    "PretrainedActivations",
    "compare_models",
    "ModelComparison",
    "PAPER_RECIPE",
    "__version__",
]
