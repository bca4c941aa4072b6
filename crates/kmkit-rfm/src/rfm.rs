//! Recency, frequency and monetary value per customer at a snapshot date.

use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

use crate::error::{Result, RfmError};
use crate::read::Transactions;

/// R, F, M and friends for one customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerRfm {
    /// Customer id.
    pub customer: String,
    /// Whole days from the last purchase to the snapshot (floor).
    pub recency_days: f64,
    /// Distinct invoices, or rows when the format has no invoice id.
    pub frequency: f64,
    /// Sum of amounts.
    pub monetary: f64,
    /// Whole days from the first purchase to the snapshot (floor).
    pub tenure_days: f64,
    /// `monetary / frequency`.
    pub avg_order_value: f64,
}

/// The RFM table: one row per customer, sorted by customer id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RfmTable {
    /// Snapshot date; recency counts days to its midnight.
    pub snapshot: NaiveDate,
    /// One entry per customer with at least one transaction before the snapshot.
    pub customers: Vec<CustomerRfm>,
    /// Transactions at or after the snapshot's midnight, left out (counted
    /// here so nothing disappears unseen).
    pub excluded_after_snapshot: usize,
}

impl RfmTable {
    /// Number of customers.
    pub fn len(&self) -> usize {
        self.customers.len()
    }
    /// Whether there are no customers.
    pub fn is_empty(&self) -> bool {
        self.customers.is_empty()
    }
    /// Recency column.
    pub fn recency(&self) -> Vec<f64> {
        self.customers.iter().map(|c| c.recency_days).collect()
    }
    /// Frequency column.
    pub fn frequency(&self) -> Vec<f64> {
        self.customers.iter().map(|c| c.frequency).collect()
    }
    /// Monetary column.
    pub fn monetary(&self) -> Vec<f64> {
        self.customers.iter().map(|c| c.monetary).collect()
    }
    /// The customer with this id.
    pub fn get(&self, customer: &str) -> Option<&CustomerRfm> {
        let i = self
            .customers
            .binary_search_by(|c| c.customer.as_str().cmp(customer))
            .ok()?;
        Some(&self.customers[i])
    }
}

/// The default snapshot: the day after the last transaction.
pub fn default_snapshot(tx: &Transactions) -> Result<NaiveDate> {
    let last = tx
        .rows
        .iter()
        .map(|t| t.time)
        .max()
        .ok_or_else(|| RfmError::NoTransactions(tx.ledger.summary()))?;
    last.date()
        .succ_opt()
        .ok_or_else(|| RfmError::InvalidParam {
            name: "snapshot",
            value: last.to_string(),
            expected: "a last transaction before the end of chrono's calendar",
        })
}

/// Computes RFM per customer at `snapshot` (default: the day after the last
/// transaction). Transactions at or after the snapshot are left out and counted.
pub fn rfm_table(tx: &Transactions, snapshot: Option<NaiveDate>) -> Result<RfmTable> {
    if tx.rows.is_empty() {
        return Err(RfmError::NoTransactions(tx.ledger.summary()));
    }
    // With the default snapshot (the day after the last transaction) no row
    // is on or after it, so one pass both finds the last time and adds up.
    let cut_at = snapshot.map_or(i64::MAX, |s| {
        s.and_time(NaiveTime::MIN).and_utc().timestamp()
    });
    let n = tx.customer_ids.len();
    // Per customer: first and last time (seconds), amount sum, row count.
    let mut first = vec![i64::MAX; n];
    let mut last = vec![i64::MIN; n];
    let mut money = vec![0f64; n];
    let mut rows = vec![0usize; n];
    // Distinct (customer, invoice) pairs, so an invoice id shared by two
    // customers (never in real exports, but possible) counts once for each.
    let mut pairs: Vec<u64> = Vec::new();
    let mut excluded = 0;
    let mut latest = i64::MIN;
    for t in &tx.rows {
        let s = t.time.and_utc().timestamp();
        if s >= cut_at {
            excluded += 1;
            continue;
        }
        latest = latest.max(s);
        let c = t.customer as usize;
        first[c] = first[c].min(s);
        last[c] = last[c].max(s);
        money[c] += t.amount;
        rows[c] += 1;
        if let Some(inv) = t.invoice {
            pairs.push(((c as u64) << 32) | inv as u64);
        }
    }
    let snapshot = match snapshot {
        Some(s) => s,
        // The latest second's date is the latest time's date.
        None => chrono::DateTime::from_timestamp(latest, 0)
            .and_then(|t| t.date_naive().succ_opt())
            .map_or_else(|| default_snapshot(tx), Ok)?,
    };
    let cut_s = snapshot.and_time(NaiveTime::MIN).and_utc().timestamp();
    pairs.sort_unstable();
    pairs.dedup();
    let mut invoices = vec![0usize; n];
    for p in pairs {
        invoices[(p >> 32) as usize] += 1;
    }
    const DAY: i64 = 86_400;
    let mut customers: Vec<CustomerRfm> = (0..n)
        .filter(|&c| rows[c] > 0)
        .map(|c| {
            let frequency = if tx.has_invoices {
                invoices[c] as f64
            } else {
                rows[c] as f64
            };
            CustomerRfm {
                customer: tx.customer_ids[c].clone(),
                recency_days: (cut_s - last[c]).div_euclid(DAY) as f64,
                frequency,
                monetary: money[c],
                tenure_days: (cut_s - first[c]).div_euclid(DAY) as f64,
                avg_order_value: money[c] / frequency,
            }
        })
        .collect();
    // Sorted by id, as pandas' groupby: rank(method="first") breaks
    // frequency ties in this order, so the order is part of the recipe.
    customers.sort_by(|a, b| a.customer.cmp(&b.customer));
    if customers.is_empty() {
        return Err(RfmError::NoTransactions(format!(
            "all {excluded} transactions are on or after the snapshot {snapshot}; choose a later snapshot"
        )));
    }
    Ok(RfmTable {
        snapshot,
        customers,
        excluded_after_snapshot: excluded,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{AmountSpec, TransactionFormat};
    use crate::read::parse_transactions;

    fn tx(text: &str, invoices: bool) -> Transactions {
        let mut f = TransactionFormat::new("c", "d", AmountSpec::Amount("a".into()));
        if invoices {
            f.invoice = Some("i".into());
        }
        parse_transactions(text.as_bytes(), &f).unwrap()
    }

    #[test]
    fn recency_frequency_monetary_by_hand() {
        let t = tx("c,d,a,i\nx,2011-01-01 10:00,10,1\nx,2011-01-01 11:00,5,1\ny,2011-01-05,7,2\nx,2011-01-03,1,3\n", true);
        let r = rfm_table(&t, None).unwrap();
        assert_eq!(r.snapshot, NaiveDate::from_ymd_opt(2011, 1, 6).unwrap());
        let x = r.get("x").unwrap();
        assert_eq!(
            (x.recency_days, x.frequency, x.monetary, x.tenure_days),
            (3.0, 2.0, 16.0, 4.0)
        );
        assert_eq!(x.avg_order_value, 8.0);
        let y = r.get("y").unwrap();
        assert_eq!((y.recency_days, y.frequency), (1.0, 1.0));
        // Without invoices each row is a purchase.
        let r = rfm_table(&tx("c,d,a\nx,2011-01-01,1\nx,2011-01-01,2\n", false), None).unwrap();
        assert_eq!(r.customers[0].frequency, 2.0);
    }

    #[test]
    fn earlier_snapshot_excludes_and_counts_later_rows() {
        let t = tx("c,d,a\nx,2011-01-01,1\ny,2011-02-01,2\n", false);
        let r = rfm_table(&t, NaiveDate::from_ymd_opt(2011, 1, 10)).unwrap();
        assert_eq!((r.len(), r.excluded_after_snapshot), (1, 1));
        assert!(matches!(
            rfm_table(&t, NaiveDate::from_ymd_opt(2010, 1, 1)),
            Err(RfmError::NoTransactions(_))
        ));
    }

    #[test]
    fn shared_invoice_counts_once_per_customer() {
        let t = tx(
            "c,d,a,i\nx,2011-01-01,1,9\ny,2011-01-01,1,9\ny,2011-01-01,1,9\n",
            true,
        );
        let r = rfm_table(&t, None).unwrap();
        assert_eq!(r.get("x").unwrap().frequency, 1.0);
        assert_eq!(r.get("y").unwrap().frequency, 1.0);
    }
}
