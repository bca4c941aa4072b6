//! linfa integration (feature `linfa`): [`KMeansParams`] and
//! [`MiniBatchParams`] implement linfa's `Fit`, and [`Model`] implements
//! `PredictInplace`, so kmkit drops into linfa pipelines.
//!
//! Records are `f32` matrices (`Array2<f32>` or a view); targets are ignored;
//! dataset weights, when set, are the sample weights. Inherent methods of the
//! same names (`params.fit(x)`, `model.predict(x)`) take precedence in method
//! syntax, so call the traits by path:
//!
//! ```
//! use kmkit_core::{KMeans, KMeansError, Model};
//! use linfa::traits::{Fit, Predict};
//! use linfa::DatasetBase;
//! use ndarray::{array, Array1};
//!
//! let x = array![[1.0f32, 1.0], [1.2, 0.8], [8.0, 8.0], [8.2, 7.9]];
//! let dataset = DatasetBase::from(x.clone());
//! let model: Model = Fit::<_, _, KMeansError>::fit(&KMeans::params(2).seed(1), &dataset)?;
//! let labels: Array1<usize> = Predict::predict(&model, &x);
//! assert_eq!(labels[0], labels[1]);
//! assert_ne!(labels[0], labels[2]);
//! # Ok::<(), KMeansError>(())
//! ```

use linfa::traits::{Fit, PredictInplace};
use linfa::DatasetBase;
use ndarray::{Array1, ArrayBase, Data as NdData, Ix2};

use crate::data::Input;
use crate::error::KMeansError;
use crate::minibatch::MiniBatchParams;
use crate::model::Model;
use crate::params::KMeansParams;

impl From<linfa::Error> for KMeansError {
    fn from(e: linfa::Error) -> Self {
        KMeansError::Linfa(e.to_string())
    }
}

/// A linfa dataset as kmkit input: its records, and its weights if set.
impl<'a, S: NdData<Elem = f32>, T> From<&'a DatasetBase<ArrayBase<S, Ix2>, T>> for Input<'a> {
    fn from(dataset: &'a DatasetBase<ArrayBase<S, Ix2>, T>) -> Self {
        Input {
            weights: dataset.weights(),
            ..Input::from(dataset.records.view())
        }
    }
}

impl<S: NdData<Elem = f32>, T> Fit<ArrayBase<S, Ix2>, T, KMeansError> for KMeansParams {
    type Object = Model;

    /// Same as [`KMeansParams::fit`] on the dataset's records and weights.
    fn fit(&self, dataset: &DatasetBase<ArrayBase<S, Ix2>, T>) -> Result<Model, KMeansError> {
        KMeansParams::fit(self, Input::from(dataset))
    }
}

impl<S: NdData<Elem = f32>, T> Fit<ArrayBase<S, Ix2>, T, KMeansError> for MiniBatchParams {
    type Object = Model;

    /// Same as [`MiniBatchParams::fit`] on the dataset's records and weights.
    fn fit(&self, dataset: &DatasetBase<ArrayBase<S, Ix2>, T>) -> Result<Model, KMeansError> {
        MiniBatchParams::fit(self, Input::from(dataset))
    }
}

impl<S: NdData<Elem = f32>> PredictInplace<ArrayBase<S, Ix2>, Array1<usize>> for Model {
    /// Nearest centroid of every row, as [`Model::predict`].
    ///
    /// # Panics
    /// linfa's trait has no error channel, so, as linfa's own models do, this
    /// panics when `y` does not have one entry per row, or when [`Model::predict`]
    /// would fail (records of another width, non-finite values, a zero row
    /// under the cosine metric). Call [`Model::predict`] to get those as errors.
    fn predict_inplace<'a>(&'a self, x: &'a ArrayBase<S, Ix2>, y: &mut Array1<usize>) {
        assert_eq!(
            x.nrows(),
            y.len(),
            "predict_inplace: {} records but {} targets",
            x.nrows(),
            y.len()
        );
        let labels =
            Model::predict(self, x.view()).unwrap_or_else(|e| panic!("kmkit predict_inplace: {e}"));
        y.iter_mut()
            .zip(labels)
            .for_each(|(out, label)| *out = label as usize);
    }

    fn default_target(&self, x: &ArrayBase<S, Ix2>) -> Array1<usize> {
        Array1::zeros(x.nrows())
    }
}

#[cfg(test)]
mod tests {
    use linfa::traits::{Fit, Predict};
    use linfa::{Dataset, DatasetBase};
    use ndarray::{array, Array1, Array2};

    use crate::{KMeans, KMeansError, MiniBatchKMeans, Model};

    fn data() -> Array2<f32> {
        let mut x = Array2::zeros((60, 2));
        for i in 0..60 {
            let (c, t) = ((i % 3) as f32, i as f32 * 0.37);
            x[[i, 0]] = 10.0 * c + t.sin();
            x[[i, 1]] = -5.0 * c + t.cos();
        }
        x
    }

    #[test]
    fn fit_and_predict_through_linfa_equal_the_direct_api() {
        let x = data();
        let params = KMeans::params(3).seed(4).n_init(2);
        let direct = params.fit(&x).unwrap();
        let expected: Array1<usize> = direct.labels().iter().map(|&l| l as usize).collect();

        // Unsupervised dataset (targets `()`), and one with class targets.
        let unsupervised = DatasetBase::from(x.clone());
        let via_linfa: Model = Fit::<_, _, KMeansError>::fit(&params, &unsupervised).unwrap();
        assert_eq!(via_linfa, direct);
        let targets: Array1<usize> = (0..60).map(|i| i % 3).collect();
        let supervised = Dataset::new(x.clone(), targets);
        assert_eq!(
            Fit::<_, _, KMeansError>::fit(&params, &supervised).unwrap(),
            direct
        );
        // A view dataset too.
        let view = DatasetBase::from(x.view());
        assert_eq!(
            Fit::<_, _, KMeansError>::fit(&params, &view).unwrap(),
            direct
        );

        // linfa's provided `Predict` forms.
        let labels: Array1<usize> = Predict::predict(&via_linfa, &x);
        assert_eq!(labels, expected);
        let labels: Array1<usize> = Predict::predict(&via_linfa, &unsupervised);
        assert_eq!(labels, expected);
        let predicted: DatasetBase<Array2<f32>, Array1<usize>> =
            Predict::predict(&via_linfa, unsupervised);
        assert_eq!(predicted.targets, expected);
    }

    #[test]
    fn dataset_weights_are_sample_weights() {
        let x = data();
        let w: Vec<f32> = (0..60).map(|i| 1.0 + (i % 5) as f32).collect();
        let params = KMeans::params(3).seed(1);
        let direct = params.fit(crate::Input::from(&x).weighted(&w)).unwrap();
        let dataset = DatasetBase::from(x).with_weights(Array1::from(w));
        assert_eq!(
            Fit::<_, _, KMeansError>::fit(&params, &dataset).unwrap(),
            direct
        );
        // The inherent `fit` takes a linfa dataset directly as well.
        assert_eq!(params.fit(&dataset).unwrap(), direct);
    }

    #[test]
    fn minibatch_through_linfa() {
        let x = data();
        let params = MiniBatchKMeans::params(3).seed(2).batch_size(16);
        let direct = params.fit(&x).unwrap();
        let via_linfa =
            Fit::<_, _, KMeansError>::fit(&params, &DatasetBase::from(x.clone())).unwrap();
        assert_eq!(via_linfa, direct);
        let labels: Array1<usize> = Predict::predict(&via_linfa, &x);
        assert!(labels
            .iter()
            .zip(direct.labels())
            .all(|(&a, &b)| a == b as usize));
    }

    #[test]
    fn errors_come_back_typed() {
        let x = array![[1.0f32, f32::NAN]];
        let err =
            Fit::<_, _, KMeansError>::fit(&KMeans::params(1), &DatasetBase::from(x)).unwrap_err();
        assert!(matches!(err, KMeansError::NonFinite { row: 0, col: 1, .. }));
        let err: KMeansError = linfa::Error::NotEnoughSamples.into();
        assert_eq!(err, KMeansError::Linfa("not enough samples".into()));
        assert_eq!(err.to_string(), "linfa: not enough samples");
    }
}
