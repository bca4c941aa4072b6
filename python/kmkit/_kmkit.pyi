"""Type stubs of the Rust extension (crates/kmkit-py)."""

from typing import Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
I32 = npt.NDArray[np.int32]
#: A C-contiguous float32 matrix, or CSR parts ``(data, indices, indptr, n_rows, n_cols)``.
XArg = Union[F32, Tuple[F32, npt.NDArray[np.uint32], npt.NDArray[np.uint64], int, int]]
FitOut = Tuple[F32, I32, float, int, bool, list[str]]

def kmeans_fit(
    x: XArg,
    sample_weight: Optional[F32],
    n_clusters: int,
    init: str,
    init_centroids: Optional[F32],
    n_init: Optional[int],
    max_iter: int,
    tol: float,
    algorithm: str,
    seed: int,
    threads: int,
    refine: bool,
) -> FitOut: ...
def minibatch_fit(
    x: XArg,
    sample_weight: Optional[F32],
    n_clusters: int,
    init: str,
    init_centroids: Optional[F32],
    n_init: Optional[int],
    max_iter: int,
    tol: float,
    seed: int,
    threads: int,
    batch_size: int,
    init_size: Optional[int],
    reassignment_ratio: float,
    max_no_improvement: Optional[int],
    compute_labels: bool,
) -> FitOut: ...
def assign(x: XArg, centroids: F32, threads: int = 0) -> Tuple[I32, F32]: ...
def transform(x: XArg, centroids: F32) -> F32: ...

class PartialStats:
    @staticmethod
    def zeros(k: int, d: int) -> PartialStats: ...
    @property
    def k(self) -> int: ...
    @property
    def d(self) -> int: ...
    @property
    def inertia(self) -> float: ...
    @property
    def weights(self) -> F64: ...
    @property
    def sums(self) -> F64: ...
    def merge(self, other: PartialStats) -> PartialStats: ...
    def finalize(self, previous: F32) -> F32: ...

class Moments:
    @property
    def n(self) -> int: ...
    def merge(self, other: Moments) -> Moments: ...
    def mean_variance(self) -> float: ...

class Candidates:
    @property
    def rows(self) -> F32: ...
    @property
    def indices(self) -> npt.NDArray[np.uint64]: ...
    def __len__(self) -> int: ...
    def merge(self, other: Candidates) -> Candidates: ...
    def best(self) -> Candidates: ...

def partial_stats(x: XArg, centroids: F32, sample_weight: Optional[F32] = None) -> PartialStats: ...
def moments(x: XArg) -> Moments: ...
def first_centre(x: XArg, seed: int, offset: int, sample_weight: Optional[F32] = None) -> Candidates: ...
def sample_round(
    x: XArg, centres: F32, psi: float, ell: float, seed: int, round: int, offset: int, sample_weight: Optional[F32] = None
) -> Candidates: ...
def recluster(candidates: F32, weights: F64, k: int, seed: int) -> F32: ...
def kmeans_parallel_seeds(parts: Sequence[XArg], k: int, rounds: int, oversampling: float, seed: int) -> F32: ...
