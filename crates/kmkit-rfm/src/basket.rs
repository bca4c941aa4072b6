//! Basket mode (market basket analysis): a customer × product or invoice ×
//! product matrix for spherical k-means, and the top products of a centroid.

use std::collections::HashMap;

use kmkit_core::{Csr, Features, Matrix};
use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

use crate::error::{Result, RfmError};
use crate::read::{Product, Transactions};

/// What a row of the basket matrix is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum BasketRows {
    /// One row per customer: everything they bought.
    #[default]
    Customer,
    /// One row per invoice (a single shopping basket).
    Invoice,
}

/// What a cell holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum BasketWeight {
    /// 1 if the row bought the product (the usual basket encoding).
    #[default]
    Binary,
    /// Total quantity bought.
    Quantity,
}

/// Basket matrix settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BasketConfig {
    /// Rows: customers or invoices.
    pub rows: BasketRows,
    /// Cell values.
    pub weight: BasketWeight,
    /// Keep products bought by at least this many rows (1 keeps all).
    pub min_rows_per_product: usize,
}

impl Default for BasketConfig {
    fn default() -> Self {
        BasketConfig { rows: BasketRows::Customer, weight: BasketWeight::Binary, min_rows_per_product: 2 }
    }
}

/// The fitted product vocabulary: columns of the basket matrix, reused by
/// `transform` so new transactions map to the same columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BasketVocabulary {
    /// Settings it was built with.
    pub config: BasketConfig,
    /// One product per column.
    pub products: Vec<Product>,
}

/// Basket features plus the rows that had no known product (left out,
/// because an empty basket has no direction for cosine k-means).
#[derive(Debug, Clone, PartialEq)]
pub struct BasketFeatures {
    /// Sparse rows × products.
    pub features: Features,
    /// Ids of rows left out.
    pub empty_rows: Vec<String>,
}

impl BasketVocabulary {
    /// Builds the vocabulary (products meeting `min_rows_per_product`, in
    /// order of first appearance) and the matrix of `tx`.
    pub fn fit(tx: &Transactions, config: &BasketConfig) -> Result<(BasketVocabulary, BasketFeatures)> {
        if tx.products.is_empty() {
            return Err(RfmError::NoProducts);
        }
        if tx.rows.is_empty() {
            return Err(RfmError::NoTransactions(tx.ledger.summary()));
        }
        if config.rows == BasketRows::Invoice && !tx.has_invoices {
            return Err(RfmError::InvalidParam {
                name: "basket rows",
                value: "invoice".into(),
                expected: "an invoice column in the format, or rows = customer",
            });
        }
        let cells = cells(tx, config.rows);
        let mut support = vec![0usize; tx.products.len()];
        for &(_, p) in cells.keys() {
            support[p as usize] += 1;
        }
        let products: Vec<Product> = tx
            .products
            .iter()
            .zip(&support)
            .filter(|(_, &s)| s >= config.min_rows_per_product.max(1))
            .map(|(p, _)| p.clone())
            .collect();
        if products.is_empty() {
            return Err(RfmError::InvalidParam {
                name: "min_rows_per_product",
                value: config.min_rows_per_product.to_string(),
                expected: "a value low enough to keep at least one product",
            });
        }
        let vocab = BasketVocabulary { config: config.clone(), products };
        let features = vocab.transform(tx)?;
        Ok((vocab, features))
    }

    /// The basket matrix of `tx` over this vocabulary; products not in it are ignored.
    pub fn transform(&self, tx: &Transactions) -> Result<BasketFeatures> {
        if tx.products.is_empty() {
            return Err(RfmError::NoProducts);
        }
        let column: HashMap<&str, u32> = self.products.iter().enumerate().map(|(j, p)| (p.id.as_str(), j as u32)).collect();
        // Product index in `tx` → column here.
        let map: Vec<Option<u32>> = tx.products.iter().map(|p| column.get(p.id.as_str()).copied()).collect();
        let (ids, n_rows) = match self.config.rows {
            BasketRows::Customer => (&tx.customer_ids, tx.customer_ids.len()),
            BasketRows::Invoice => (&tx.invoice_ids, tx.invoice_ids.len()),
        };
        let mut per_row: Vec<Vec<(u32, f32)>> = vec![Vec::new(); n_rows];
        for ((row, p), q) in cells(tx, self.config.rows) {
            if let Some(col) = map[p as usize] {
                let v = match self.config.weight {
                    BasketWeight::Binary => 1.0,
                    BasketWeight::Quantity => q as f32,
                };
                per_row[row as usize].push((col, v));
            }
        }
        let mut indptr = vec![0usize];
        let (mut indices, mut values, mut row_ids, mut empty_rows) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (r, mut cells) in per_row.into_iter().enumerate() {
            if cells.is_empty() {
                empty_rows.push(ids[r].clone());
                continue;
            }
            cells.sort_unstable_by_key(|c| c.0);
            indices.extend(cells.iter().map(|c| c.0));
            values.extend(cells.iter().map(|c| c.1));
            indptr.push(indices.len());
            row_ids.push(ids[r].clone());
        }
        if row_ids.is_empty() {
            return Err(RfmError::NoTransactions("no basket has a product of the vocabulary".into()));
        }
        let csr = Csr::new(row_ids.len(), self.products.len(), indptr, indices, values)?;
        let features = Features {
            data: Matrix::Sparse(csr),
            row_ids,
            feature_names: self.products.iter().map(|p| p.id.clone()).collect(),
            weights: None,
        };
        Ok(BasketFeatures { features, empty_rows })
    }

    /// The `n` products with the largest weight in each centroid, largest first.
    pub fn top_products(&self, centroids: ArrayView2<f32>, n: usize) -> Result<Vec<Vec<(Product, f32)>>> {
        if centroids.ncols() != self.products.len() {
            return Err(RfmError::ShapeMismatch(format!(
                "centroids have {} columns, the vocabulary {} products",
                centroids.ncols(),
                self.products.len()
            )));
        }
        Ok(centroids
            .rows()
            .into_iter()
            .map(|row| {
                let mut order: Vec<usize> = (0..row.len()).filter(|&j| row[j] > 0.0).collect();
                // Ties broken by column, so the list is deterministic.
                order.sort_by(|&a, &b| row[b].total_cmp(&row[a]).then(a.cmp(&b)));
                order.into_iter().take(n).map(|j| (self.products[j].clone(), row[j])).collect()
            })
            .collect())
    }
}

/// Total quantity per (row, product) with rows = customers or invoices.
fn cells(tx: &Transactions, rows: BasketRows) -> HashMap<(u32, u32), f64> {
    let mut out: HashMap<(u32, u32), f64> = HashMap::new();
    for t in &tx.rows {
        let (Some(p), Some(row)) = (
            t.product,
            match rows {
                BasketRows::Customer => Some(t.customer),
                BasketRows::Invoice => t.invoice,
            },
        ) else {
            continue;
        };
        *out.entry((row, p)).or_insert(0.0) += t.quantity;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::TransactionFormat;
    use crate::read::parse_transactions;

    const LINES: &str = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
1,A,apple,2,2011-01-01 10:00,1.0,10,UK
1,B,bread,1,2011-01-01 10:00,2.0,10,UK
2,A,apple,3,2011-01-02 10:00,1.0,10,UK
3,B,bread,1,2011-01-03 10:00,2.0,11,UK
3,C,cheese,1,2011-01-03 10:00,5.0,11,UK
4,C,cheese,2,2011-01-04 10:00,5.0,12,UK
";

    #[test]
    fn customer_and_invoice_rows() {
        let tx = parse_transactions(LINES.as_bytes(), &TransactionFormat::online_retail_lines()).unwrap();
        let config = BasketConfig { min_rows_per_product: 1, weight: BasketWeight::Quantity, ..BasketConfig::default() };
        let (vocab, b) = BasketVocabulary::fit(&tx, &config).unwrap();
        let Matrix::Sparse(m) = &b.features.data else { panic!("sparse") };
        assert_eq!(b.features.row_ids, vec!["10", "11", "12"]);
        assert_eq!(m.to_dense().row(0).to_vec(), vec![5.0, 1.0, 0.0]);
        let inv = BasketConfig { rows: BasketRows::Invoice, weight: BasketWeight::Binary, min_rows_per_product: 2 };
        let (v2, b2) = BasketVocabulary::fit(&tx, &inv).unwrap();
        assert_eq!(v2.products.len(), 3);
        assert_eq!(b2.features.n_rows(), 4);
        let top = vocab.top_products(ndarray::array![[0.1f32, 0.9, 0.0]].view(), 5).unwrap();
        assert_eq!(top[0][0].0.description, "bread");
        assert_eq!(top[0].len(), 2);
    }

    #[test]
    fn min_support_filters_products_and_reports_empty_rows() {
        let tx = parse_transactions(LINES.as_bytes(), &TransactionFormat::online_retail_lines()).unwrap();
        let config = BasketConfig { min_rows_per_product: 2, ..BasketConfig::default() };
        let (vocab, b) = BasketVocabulary::fit(&tx, &config).unwrap();
        // A: customer 10 only; B: 10, 11; C: 11, 12.
        assert_eq!(vocab.products.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), vec!["B", "C"]);
        assert!(b.empty_rows.is_empty());
        let config = BasketConfig { min_rows_per_product: 99, ..BasketConfig::default() };
        assert!(matches!(BasketVocabulary::fit(&tx, &config), Err(RfmError::InvalidParam { .. })));
    }
}
