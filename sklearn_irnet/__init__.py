"""Deep residual regression networks (IRNet) as scikit-learn estimators for materials data."""

from ._version import __version__
from .architecture import PRESETS, StackSpec, parse_architecture_string, resolve_architecture
from .classifier import IRNetClassifier
from .compare import ModelComparison, compare_models
from .ensemble import DeepEnsembleClassifier, DeepEnsembleRegressor
from .estimator import LOSSES, PAPER_RECIPE, IRNetRegressor
from .network import DeepRegressionNetwork, count_parameters
from .transfer import PretrainedActivations, PretrainedPrediction

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
    "LOSSES",
    "PRESETS",
    "StackSpec",
    "DeepRegressionNetwork",
    "count_parameters",
    "parse_architecture_string",
    "resolve_architecture",
    "__version__",
]
