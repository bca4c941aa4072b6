//! The k-means features: log1p, then standardise R, F and M. The fitted
//! means and scales are kept so `predict` repeats the transform exactly.

use kmkit_core::Features;
use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::error::{Result, RfmError};
use crate::rfm::RfmTable;

/// Names of the three feature columns.
pub const FEATURE_NAMES: [&str; 3] = ["recency", "frequency", "monetary"];

/// A fitted log1p + standard-scaling of R, F, M (ddof 0, as scikit-learn's
/// `StandardScaler`; a constant column gets scale 1, as there).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RfmTransform {
    /// Whether `log1p` is applied before scaling.
    pub log1p: bool,
    /// Column means (after log1p).
    pub mean: [f64; 3],
    /// Column standard deviations (after log1p), 1 for constant columns.
    pub scale: [f64; 3],
}

impl RfmTransform {
    /// Fits the scaling on `table` (log1p first when `log1p`).
    pub fn fit(table: &RfmTable, log1p: bool) -> Result<Self> {
        Self::fit_raw(&raw(table, log1p)?, log1p)
    }

    fn fit_raw(x: &[[f64; 3]], log1p: bool) -> Result<Self> {
        let n = x.len() as f64;
        if x.is_empty() {
            return Err(RfmError::NoTransactions(
                "the RFM table has no customers".into(),
            ));
        }
        let mut mean = [0.0; 3];
        let mut scale = [0.0; 3];
        for j in 0..3 {
            mean[j] = x.iter().map(|r| r[j]).sum::<f64>() / n;
            let var = x.iter().map(|r| (r[j] - mean[j]).powi(2)).sum::<f64>() / n;
            // StandardScaler's rule: a (near-)zero variance leaves the column unscaled.
            scale[j] = if var.sqrt() > 10.0 * f64::EPSILON * mean[j].abs().max(1.0) {
                var.sqrt()
            } else {
                1.0
            };
        }
        Ok(RfmTransform { log1p, mean, scale })
    }

    /// The standardised features of `table`: rows = customers, columns =
    /// recency, frequency, monetary.
    pub fn transform(&self, table: &RfmTable) -> Result<Features> {
        Ok(self.transform_raw(table, &raw(table, self.log1p)?))
    }

    fn transform_raw(&self, table: &RfmTable, x: &[[f64; 3]]) -> Features {
        let data = Array2::from_shape_fn((x.len(), 3), |(i, j)| {
            ((x[i][j] - self.mean[j]) / self.scale[j]) as f32
        });
        Features {
            data: kmkit_core::Matrix::Dense(data),
            row_ids: table.customers.iter().map(|c| c.customer.clone()).collect(),
            feature_names: FEATURE_NAMES.iter().map(|s| s.to_string()).collect(),
            weights: None,
        }
    }

    /// Fit and transform in one call (log1p taken once).
    pub fn fit_transform(table: &RfmTable, log1p: bool) -> Result<(Self, Features)> {
        let x = raw(table, log1p)?;
        let t = Self::fit_raw(&x, log1p)?;
        let f = t.transform_raw(table, &x);
        Ok((t, f))
    }

    /// A point in feature space back in days, purchases and money.
    pub fn inverse(&self, z: [f32; 3]) -> [f64; 3] {
        std::array::from_fn(|j| {
            let v = z[j] as f64 * self.scale[j] + self.mean[j];
            if self.log1p {
                v.exp_m1()
            } else {
                v
            }
        })
    }
}

fn raw(table: &RfmTable, log1p: bool) -> Result<Vec<[f64; 3]>> {
    let mut small = Log1pMemo::default();
    table
        .customers
        .iter()
        .map(|c| {
            let v = [c.recency_days, c.frequency, c.monetary];
            if !log1p {
                return Ok(v);
            }
            let mut out = [0.0; 3];
            for j in 0..3 {
                if v[j].is_nan() || v[j] <= -1.0 {
                    return Err(RfmError::NegativeValue {
                        customer: c.customer.clone(),
                        column: FEATURE_NAMES[j],
                        value: v[j],
                    });
                }
                out[j] = small.ln_1p(v[j]);
            }
            Ok(out)
        })
        .collect()
}

/// `ln_1p`, remembered for small whole numbers: recency (days) and
/// frequency (purchases) take few distinct values, so most calls are a
/// lookup of the very same result.
#[derive(Default)]
struct Log1pMemo {
    known: Vec<f64>,
}

impl Log1pMemo {
    const SIZE: usize = 4096;

    fn ln_1p(&mut self, v: f64) -> f64 {
        let i = v as usize;
        // Bit equality: exactly the whole number i (not -0.0, not 2.5).
        if i >= Self::SIZE || (i as f64).to_bits() != v.to_bits() {
            return v.ln_1p();
        }
        if self.known.is_empty() {
            self.known = vec![f64::NAN; Self::SIZE];
        }
        if self.known[i].is_nan() {
            self.known[i] = v.ln_1p();
        }
        self.known[i]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memo_gives_ln_1p_bit_for_bit() {
        let mut m = Log1pMemo::default();
        for v in [0.0, -0.0, 1.0, 2.5, 4095.0, 4096.0, 1e300, -0.5, 17.0, 17.0] {
            assert_eq!(m.ln_1p(v).to_bits(), v.ln_1p().to_bits(), "{v}");
        }
    }
}
