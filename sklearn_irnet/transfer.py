"""Transfer learning by feature extraction: a pre-trained network's activations or its
predictions as the features of another estimator."""

from __future__ import annotations

import os
from numbers import Integral
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted, validate_data

from .pretrained import load_for_inputs


def _with_names(model: Any, X: np.ndarray) -> Any:
    """X as the model was trained on it: a DataFrame with its column names when it had
    them (the model checks them), else the array."""
    names = getattr(model, "feature_names_in_", None)
    return pd.DataFrame(X, columns=names) if names is not None else X


def _load_for(estimator: BaseEstimator, X: np.ndarray) -> Any:
    """The pre-trained model named by ``estimator.model``, checked against X's columns."""
    return load_for_inputs(estimator.model, X.shape[1],
                           getattr(estimator, "feature_names_in_", None))


class PretrainedActivations(TransformerMixin, BaseEstimator):
    """Activations of one hidden layer of a pre-trained network, as features.

    The inputs go through the pre-trained model's own scaling and clipping and its hidden
    blocks up to ``layer``; the activations there become the features of any other
    estimator, for example a random forest on a small dataset (the feature-extraction
    route of deep transfer learning). The network's weights are not changed.

    Parameters
    ----------
    model : str or path-like
        A shipped model's name (:func:`sklearn_irnet.pretrained.available_models`) or a
        file written by :meth:`IRNetRegressor.save <sklearn_irnet.IRNetRegressor.save>`.
    layer : int, default=-1
        Index of the hidden block whose output is returned (a block is one layer with its
        shortcut in IRNet and plain networks, one stack in SRNet); negative counts from the
        last block, whose output feeds the linear output layer.

    Attributes
    ----------
    model_ : IRNetRegressor
        The loaded pre-trained model.
    n_features_in_ : int
    n_features_out_ : int

    Examples
    --------
    >>> import numpy as np, os, tempfile
    >>> from sklearn_irnet import IRNetRegressor
    >>> X = np.random.RandomState(0).normal(size=(60, 4))
    >>> path = os.path.join(tempfile.mkdtemp(), "m.safetensors")
    >>> _ = IRNetRegressor(architecture="16BARx2-8BARx1-1", max_iter=2).fit(X, X[:, 0]).save(path)
    >>> PretrainedActivations(path, layer=1).fit_transform(X).shape
    (60, 16)
    >>> PretrainedActivations(path).fit_transform(X).shape
    (60, 8)
    """

    _parameter_constraints: dict = {
        "model": [str, os.PathLike],
        "layer": [Interval(Integral, None, None, closed="neither")],
    }

    def __init__(self, model: str | os.PathLike[str], *, layer: int = -1) -> None:
        self.model = model
        self.layer = layer

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any = None) -> PretrainedActivations:
        """Load the pre-trained model and check X against it (nothing is learned).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        self : PretrainedActivations
        """
        X = validate_data(self, X, dtype=(np.float64, np.float32))
        model = _load_for(self, X)
        # raises for a layer the network does not have; the width of the chosen block
        self.n_features_out_ = model.embed(_with_names(model, X[:2]),
                                           layer=self.layer).shape[1]
        self.model_ = model
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Activations of the chosen layer.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_features_out)
        """
        check_is_fitted(self, "model_")
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        return self.model_.embed(_with_names(self.model_, X), layer=self.layer)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names ``activation_<layer>_<unit>`` (``<layer>`` counted from 0)."""
        check_is_fitted(self, "model_")
        index = self.layer % len(self.model_.net_.module_.body)
        return np.asarray([f"activation_{index}_{i}"
                           for i in range(self.n_features_out_)], dtype=object)


class PretrainedPrediction(TransformerMixin, BaseEstimator):
    """A pre-trained model's predictions as extra features (stacking on a large database).

    Appends to X the prediction of a network pre-trained on a large database, for
    example the OQMD network's DFT formation enthalpy for each composition, so that the
    next estimator (a forest, or a network) learns the target from the attributes *and*
    that estimate: where the database's property is close to the target, the estimate is
    the most informative feature there is, and the model learns the correction. On the
    experimental formation enthalpies of the main job, with the shipped OQMD network,
    this takes extra trees from 0.097 to 0.071 eV/atom on the same folds
    (``benchmarks/results/transfer_main_job``). The pre-trained network's weights are not
    changed.

    Parameters
    ----------
    model : str, path-like, or list of them
        A shipped model's name (:func:`sklearn_irnet.pretrained.available_models`) or a
        file written by :meth:`IRNetRegressor.save <sklearn_irnet.IRNetRegressor.save>`;
        a list or tuple appends the predictions of several models (e.g. the OQMD
        formation enthalpy and the Materials Project band gap), in that order. X must have
        the columns the models were trained on.
    passthrough : bool, default=True
        Return X with the predictions as its last columns; False returns the
        predictions alone.

    Attributes
    ----------
    models_ : list of IRNetRegressor
        The loaded pre-trained models, in the order of ``model``.
    model_ : IRNetRegressor
        The loaded model, when ``model`` names one.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Defined when X has column names.

    See Also
    --------
    PretrainedActivations : the hidden activations of the pre-trained network instead.

    Examples
    --------
    >>> import numpy as np, os, tempfile
    >>> from sklearn.ensemble import ExtraTreesRegressor
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn_irnet import IRNetRegressor
    >>> X = np.random.RandomState(0).normal(size=(80, 4))
    >>> path = os.path.join(tempfile.mkdtemp(), "m.safetensors")
    >>> _ = IRNetRegressor(architecture="16BARx2-1", max_iter=3).fit(X, X[:, 0]).save(path)
    >>> PretrainedPrediction(path).fit_transform(X).shape
    (80, 5)
    >>> model = make_pipeline(PretrainedPrediction(path), ExtraTreesRegressor(10))
    >>> model.fit(X, X[:, 0] + 0.1).predict(X[:2]).shape
    (2,)
    >>> PretrainedPrediction([path, path], passthrough=False).fit_transform(X).shape
    (80, 2)
    """

    _parameter_constraints: dict = {
        "model": [str, os.PathLike, list, tuple],
        "passthrough": ["boolean"],
    }

    def __init__(self, model: str | os.PathLike[str] | list | tuple, *,
                 passthrough: bool = True) -> None:
        self.model = model
        self.passthrough = passthrough

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any = None) -> PretrainedPrediction:
        """Load the pre-trained model and check X against it (nothing is learned).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        self : PretrainedPrediction
        """
        X = validate_data(self, X, dtype=(np.float64, np.float32))
        sources = self._sources()
        names = getattr(self, "feature_names_in_", None)
        self.models_ = [load_for_inputs(source, X.shape[1], names) for source in sources]
        if isinstance(self.model, str | os.PathLike):
            self.model_ = self.models_[0]
        return self

    def _sources(self) -> list[str | os.PathLike[str]]:
        if isinstance(self.model, str | os.PathLike):
            return [self.model]
        sources = list(self.model)
        if not sources or not all(isinstance(s, str | os.PathLike) for s in sources):
            raise ValueError("PretrainedPrediction's model must be a model name or path, or "
                             f"a non-empty list of them; got {self.model!r}.")
        return sources

    def transform(self, X: Any) -> np.ndarray:
        """X with the pre-trained models' predictions appended (or the predictions alone).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_features + n_outputs) or (n_samples, n_outputs)
        """
        check_is_fitted(self, "models_")
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        predictions = []
        for model in self.models_:
            prediction = np.asarray(model.predict(_with_names(model, X)), dtype=np.float64)
            predictions.append(prediction.reshape(len(X), -1))
        prediction = np.hstack(predictions)
        return np.hstack([X, prediction]) if self.passthrough else prediction

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """The input names (with ``passthrough``), then ``pretrained_prediction`` (one per
        output: ``pretrained_prediction_<i>`` when the model has several); with several
        models, ``pretrained_prediction_m<k>`` (``_m<k>_<i>``) for the k-th."""
        check_is_fitted(self, "models_")
        added = []
        for k, model in enumerate(self.models_):
            prefix = ("pretrained_prediction" if len(self.models_) == 1
                      else f"pretrained_prediction_m{k}")
            n_outputs = len(np.atleast_1d(model.target_mean_))
            added += ([prefix] if n_outputs == 1 else
                      [f"{prefix}_{i}" for i in range(n_outputs)])
        if not self.passthrough:
            return np.asarray(added, dtype=object)
        inputs = _check_feature_names_in(self, input_features)
        return np.asarray([*inputs, *added], dtype=object)
