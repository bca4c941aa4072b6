"""scikit-learn estimators over kmkit-core: validation and attribute
bookkeeping here, every computation in the Rust extension (GIL released)."""

from __future__ import annotations

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin, TransformerMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from . import _kmkit
from ._input import seed_from, to_core, weights_to_core

_INITS = ("k-means++", "k-means||", "random")


def _int_param(name, value, low, allow_none=False):
    if value is None and allow_none:
        return None
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def _float_param(name, value, low=0.0, high=None):
    if not isinstance(value, numbers.Real) or isinstance(value, bool) or not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if value < low or (high is not None and value > high):
        raise ValueError(f"{name} must be in [{low}, {high if high is not None else 'inf'}], got {value!r}")
    return float(value)


class _Base(ClusterMixin, TransformerMixin, BaseEstimator):
    """What KMeans and MiniBatchKMeans share: input checks, predict,
    transform, score."""

    def _validate_X(self, X, reset):
        return validate_data(
            self,
            X,
            reset=reset,
            accept_sparse="csr",
            dtype=[np.float64, np.float32],
            order="C",
            accept_large_sparse=True,
        )

    def _init_args(self, X):
        """(init name, given centroids or None) after checking ``init``."""
        init = self.init
        if isinstance(init, str):
            if init not in _INITS:
                raise ValueError(f"init must be one of {_INITS} or an array of shape (n_clusters, n_features), got {init!r}")
            return init, None
        if callable(init):
            init = init(X, self.n_clusters, self.random_state)
        given = np.ascontiguousarray(init, dtype=np.float32)
        if given.shape != (self.n_clusters, X.shape[1]):
            raise ValueError(
                f"The shape of the initial centers {given.shape} does not match "
                f"the number of clusters {self.n_clusters} and features {X.shape[1]}."
            )
        return "given", given

    def _n_init(self):
        if isinstance(self.n_init, str):
            if self.n_init != "auto":
                raise ValueError(f"n_init must be 'auto' or an integer >= 1, got {self.n_init!r}")
            return None
        return _int_param("n_init", self.n_init, 1)

    def _prepare_fit(self, X, sample_weight):
        X = self._validate_X(X, reset=True)
        _int_param("n_clusters", self.n_clusters, 1)
        if X.shape[0] < self.n_clusters:
            raise ValueError(f"n_samples={X.shape[0]} should be >= n_clusters={self.n_clusters}.")
        w = None
        if sample_weight is not None:
            w = weights_to_core(_check_sample_weight(sample_weight, X, dtype=X.dtype))
        return X, w

    def _store(self, X, out, labels_kept=True):
        centers, labels, inertia, n_iter, converged, notes = out
        for note in notes:
            warnings.warn(note, ConvergenceWarning, stacklevel=3)
        self.cluster_centers_ = centers.astype(X.dtype, copy=False)
        self._centers32 = np.ascontiguousarray(centers, dtype=np.float32)
        if labels_kept:
            self.labels_ = labels
            self.inertia_ = float(inertia)
        self.n_iter_ = int(n_iter)
        self._converged = bool(converged)
        self._n_features_out = self.cluster_centers_.shape[0]
        return self

    def _threads(self):
        return _int_param("n_threads", self.n_threads, 0, allow_none=True) or 0

    def predict(self, X):
        """Index of the nearest centre of every row."""
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        labels, _ = _kmkit.assign(to_core(X), self._centers32, self._threads())
        return labels

    def transform(self, X):
        """Euclidean distance of every row to every centre, ``(n, k)``."""
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return _kmkit.transform(to_core(X), self._centers32).astype(X.dtype, copy=False)

    def fit_transform(self, X, y=None, sample_weight=None):
        """Fit, then the distances of ``X`` to the centres."""
        return self.fit(X, sample_weight=sample_weight).transform(X)

    def fit_predict(self, X, y=None, sample_weight=None):
        """Fit, then the labels of ``X``."""
        return self.fit(X, sample_weight=sample_weight).labels_

    def score(self, X, y=None, sample_weight=None):
        """Opposite of the (weighted) inertia of ``X`` under the model."""
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        _, d2 = _kmkit.assign(to_core(X), self._centers32, self._threads())
        w = np.ones(X.shape[0]) if sample_weight is None else _check_sample_weight(sample_weight, X)
        return -float(np.dot(w, d2.astype(np.float64)))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


class KMeans(_Base):
    """Exact k-means (kmkit-core: k-means++ / k-means|| / random seeding,
    Lloyd, the bounded Hamerly/Elkan/Yinyang or the kd-tree filtering
    iterations, Hartigan
    refinement), with scikit-learn's interface.

    Parameters follow :class:`sklearn.cluster.KMeans`; an integer
    ``random_state`` is kmkit's ``--seed`` (same seed, same centroids on any
    thread count). Extra parameters: ``algorithm`` also takes ``"auto"``,
    ``"hamerly"``, ``"yinyang"`` and ``"kd-tree"`` (dense data of 1 to 4
    columns); ``refine`` turns Hartigan single-row
    moves after Lloyd on (kmkit's default) or off (scikit-learn's result);
    ``n_threads`` (``None``/0: all cores). Input is float32 or float64 numpy,
    or scipy CSR; work is done in float32 with float64 sums.
    """

    def __init__(
        self,
        n_clusters=8,
        *,
        init="k-means++",
        n_init="auto",
        max_iter=300,
        tol=1e-4,
        random_state=None,
        algorithm="lloyd",
        refine=True,
        n_threads=None,
    ):
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.algorithm = algorithm
        self.refine = refine
        self.n_threads = n_threads

    def fit(self, X, y=None, sample_weight=None):
        """Fit the centres on ``X`` (rows weighted by ``sample_weight``)."""
        X, w = self._prepare_fit(X, sample_weight)
        init, given = self._init_args(X)
        out = _kmkit.kmeans_fit(
            to_core(X),
            w,
            self.n_clusters,
            init,
            given,
            self._n_init(),
            _int_param("max_iter", self.max_iter, 1),
            _float_param("tol", self.tol),
            str(self.algorithm),
            seed_from(self.random_state),
            self._threads(),
            bool(self.refine),
        )
        return self._store(X, out)


class MiniBatchKMeans(_Base):
    """Mini-batch k-means (Sculley 2010) from kmkit-core, with
    scikit-learn's parameters, defaults and reassignment rule.

    ``partial_fit`` is scikit-learn's: the first call (on an unfitted
    estimator) seeds on its rows, every call is one mini-batch step on all
    its rows with per-centre counts, and after ``fit`` it continues from
    the fitted centres and counts (kmkit-core's mini-batch stream).
    ``verbose`` is accepted for compatibility and ignored.
    """

    def __init__(
        self,
        n_clusters=8,
        *,
        init="k-means++",
        max_iter=100,
        batch_size=1024,
        verbose=0,
        compute_labels=True,
        random_state=None,
        tol=0.0,
        max_no_improvement=10,
        init_size=None,
        n_init="auto",
        reassignment_ratio=0.01,
        n_threads=None,
    ):
        self.n_clusters = n_clusters
        self.init = init
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.verbose = verbose
        self.compute_labels = compute_labels
        self.random_state = random_state
        self.tol = tol
        self.max_no_improvement = max_no_improvement
        self.init_size = init_size
        self.n_init = n_init
        self.reassignment_ratio = reassignment_ratio
        self.n_threads = n_threads

    def fit(self, X, y=None, sample_weight=None):
        """Fit the centres on ``X`` in mini-batches."""
        X, w = self._prepare_fit(X, sample_weight)
        init, given = self._init_args(X)
        if init == "k-means||":
            raise ValueError("MiniBatchKMeans takes init 'k-means++', 'random' or an array")
        out, self._stream = _kmkit.minibatch_fit(
            to_core(X),
            w,
            self.n_clusters,
            init,
            given,
            self._n_init(),
            _int_param("max_iter", self.max_iter, 1),
            _float_param("tol", self.tol),
            seed_from(self.random_state),
            self._threads(),
            _int_param("batch_size", self.batch_size, 1),
            _int_param("init_size", self.init_size, 1, allow_none=True),
            _float_param("reassignment_ratio", self.reassignment_ratio, 0.0, 1.0),
            _int_param("max_no_improvement", self.max_no_improvement, 0, allow_none=True),
            bool(self.compute_labels),
        )
        self._store(X, out, labels_kept=bool(self.compute_labels))
        self.n_steps_ = self._stream.n_steps
        return self

    def partial_fit(self, X, y=None, sample_weight=None):
        """One mini-batch step on all rows of ``X``; the first call seeds
        the centres on ``X`` (so it needs at least ``n_clusters`` rows)."""
        stream = getattr(self, "_stream", None)
        fitted = stream is not None
        X = self._validate_X(X, reset=not fitted)
        w = None
        if sample_weight is not None:
            w = weights_to_core(_check_sample_weight(sample_weight, X, dtype=X.dtype))
        if not fitted:
            _int_param("n_clusters", self.n_clusters, 1)
            if X.shape[0] < self.n_clusters:
                raise ValueError(f"n_samples={X.shape[0]} should be >= n_clusters={self.n_clusters}.")
            init, given = self._init_args(X)
            if init == "k-means||":
                raise ValueError("MiniBatchKMeans takes init 'k-means++', 'random' or an array")
            stream = _kmkit.MiniBatchStream(
                self.n_clusters,
                init,
                given,
                seed_from(self.random_state),
                self._threads(),
                _int_param("batch_size", self.batch_size, 1),
                _int_param("init_size", self.init_size, 1, allow_none=True),
                _float_param("reassignment_ratio", self.reassignment_ratio, 0.0, 1.0),
                bool(self.compute_labels),
            )
        stream.partial_fit(to_core(X), w)
        self._stream = stream
        centers, labels, inertia, n_steps, notes = stream.result()
        for note in notes:
            warnings.warn(note, ConvergenceWarning, stacklevel=2)
        self.cluster_centers_ = centers.astype(X.dtype, copy=False)
        self._centers32 = np.ascontiguousarray(centers, dtype=np.float32)
        if self.compute_labels:
            self.labels_ = labels
            self.inertia_ = float(inertia)
        self.n_steps_ = int(n_steps)
        self._n_features_out = self.cluster_centers_.shape[0]
        return self
