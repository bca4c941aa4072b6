"""scikit-learn's estimator checks on both estimators.

Expected failures (declared, with the reason, so the rest must pass):

- ``check_sample_weight_equivalence_on_dense_data`` /
  ``..._on_sparse_data``: a weight of 2 is not the same as a repeated row
  for the *seeding* draws (scikit-learn marks its own KMeans the same way);
  the Lloyd fixed point is the same, tested in test_estimators.py.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

import kmkit

_WEIGHTS = "sample_weight is not equivalent to repeating rows for the random seeding (as scikit-learn's KMeans)"


def _expected_failures(estimator):
    return {
        "check_sample_weight_equivalence_on_dense_data": _WEIGHTS,
        "check_sample_weight_equivalence_on_sparse_data": _WEIGHTS,
    }


@parametrize_with_checks(
    [kmkit.KMeans(n_clusters=3, random_state=0), kmkit.MiniBatchKMeans(n_clusters=3, random_state=0)],
    expected_failed_checks=_expected_failures,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
