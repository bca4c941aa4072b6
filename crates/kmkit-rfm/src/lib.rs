//! # kmkit-rfm
//!
//! Customers into segments: read raw transaction exports, clean them with a
//! ledger that accounts for every row, compute recency / frequency /
//! monetary value per customer, score them in quintiles, name the standard
//! RF-grid segments, and turn the table into k-means features — or, in
//! basket mode, turn line items into a sparse customer × product matrix.
//!
//! Principal types: [`TransactionFormat`] (layout, column mapping, dates,
//! [`CleaningRules`]; presets for UCI Online Retail and CDNOW) →
//! [`Transactions`] with its [`Ledger`] → [`RfmTable`] → [`Scores`] and
//! [`Segment`]s → [`RfmTransform`] (log1p + standardisation) →
//! [`RfmModel`] (transform, quintile thresholds, k-means model, named
//! [`ClusterProfile`]s). [`BasketVocabulary`] does the same for baskets.
//!
//! **Key design decision:** every step is a plain function or a fitted,
//! serialisable value, so an app (or a test) can stop anywhere, and
//! `predict` on new customers repeats the fitted transform and thresholds
//! exactly. Cleaning never drops a row silently: each row read is kept or
//! counted under exactly one [`DropReason`], so `kept + dropped = rows read`.
//! The clustering itself is [`kmkit_core`]'s; this crate has no k-means loop.
//!
//! ```
//! use kmkit_rfm::{parse_transactions, rfm_table, score, segments, RfmModel, TransactionFormat};
//! use kmkit_core::KMeans;
//!
//! let csv = "customer,date,amount\n\
//!            a,2011-01-02,10\nb,2011-01-03,200\na,2011-01-05,15\nc,2011-01-01,-5\n\
//!            d,2011-01-05,80\nd,2011-01-04,20\ne,2010-12-01,5\n";
//! let format = TransactionFormat::new("customer", "date", kmkit_rfm::AmountSpec::Amount("amount".into()));
//! let tx = parse_transactions(csv.as_bytes(), &format)?;
//! assert_eq!((tx.ledger.rows_read, tx.ledger.kept), (7, 6)); // c's negative amount is dropped
//! let table = rfm_table(&tx, None)?;                          // snapshot: 2011-01-06
//! assert_eq!(table.get("a").unwrap().recency_days, 1.0);
//! let scores = score(&table)?;
//! let names = segments(&scores);
//! let (model, labels) = RfmModel::fit(&table, &scores, &KMeans::params(2).seed(1))?;
//! assert_eq!(model.predict(&table)?.clusters, labels);
//! assert_eq!(names.len(), 4);
//! # Ok::<(), kmkit_rfm::RfmError>(())
//! ```
#![deny(missing_docs)]

mod basket;
mod budget;
mod dates;
mod error;
mod format;
mod infer;
mod intern;
mod ledger;
mod model;
mod read;
mod rfm;
mod scores;
mod segments;
mod split;
mod transform;

pub use basket::{BasketConfig, BasketFeatures, BasketRows, BasketVocabulary, BasketWeight};
pub use error::{Result, RfmError};
pub use format::{
    AmountRule, AmountSpec, CleaningRules, Column, DateFormat, Delimiter, Header, TransactionFormat,
};
pub use infer::{recognise, sniff, Sniffed};
pub use kmkit_core::budget::{read_budget, set_read_budget};
pub use ledger::{ChangeReason, DropReason, Ledger, LedgerExample};
pub use model::{profiles, ClusterProfile, Prediction, RfmModel, RfmPreprocess, RFM_MODEL_VERSION};
pub use read::{
    parse_transactions, read_transaction_files, read_transactions, Product, Transaction,
    Transactions,
};
pub use rfm::{default_snapshot, rfm_table, CustomerRfm, RfmTable};
pub use scores::{score, QuintileScorer, Scores};
pub use segments::{segment_table, segments, summarize, GroupSummary, Segment};
pub use transform::{RfmTransform, FEATURE_NAMES};
