//! The cleaning ledger: every row read is either kept or dropped for exactly
//! one reason, and rows kept but changed are counted too.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a row was dropped. Reasons are tested in this order and the first
/// that applies is the one counted, so each row has exactly one reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DropReason {
    /// Fewer fields than the column mapping needs.
    Malformed,
    /// Empty customer id (or `nan`/`NA`/`null`).
    MissingCustomer,
    /// Invoice id starts with the cancellation prefix.
    CancelledInvoice,
    /// The date does not parse in the given format.
    BadDate,
    /// Amount, quantity or price is not a finite number.
    BadAmount,
    /// Negative quantity (a return) outside a cancelled invoice.
    NegativeQuantity,
    /// Unit price ≤ 0.
    NonPositivePrice,
    /// Amount ≤ 0 (or < 0, by the amount rule).
    NonPositiveAmount,
}

impl DropReason {
    /// A short human description.
    pub fn describe(self) -> &'static str {
        match self {
            DropReason::Malformed => "malformed row (too few fields)",
            DropReason::MissingCustomer => "missing customer id",
            DropReason::CancelledInvoice => "cancelled invoice (id prefix)",
            DropReason::BadDate => "unparsable date",
            DropReason::BadAmount => "unparsable amount/quantity/price",
            DropReason::NegativeQuantity => "negative quantity (return)",
            DropReason::NonPositivePrice => "unit price <= 0",
            DropReason::NonPositiveAmount => "amount not positive",
        }
    }
}

/// How a kept row was changed or flagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeReason {
    /// A customer id written as a float (`17850.0`) was read as `17850`.
    CustomerIdNormalized,
    /// Kept with amount 0 (allowed by the amount rule).
    ZeroAmountKept,
}

impl ChangeReason {
    /// A short human description.
    pub fn describe(self) -> &'static str {
        match self {
            ChangeReason::CustomerIdNormalized => "customer id normalised (17850.0 -> 17850)",
            ChangeReason::ZeroAmountKept => "kept with amount 0",
        }
    }
}

/// One example of a dropped row, for messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerExample {
    /// The file, when several files were read into one ledger.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// 1-based line number in the file.
    pub line: u64,
    /// Why it was dropped.
    pub reason: DropReason,
    /// The offending value (or the row, when malformed).
    pub value: String,
}

impl LedgerExample {
    /// `line N`, or `FILE line N` when the file is known.
    pub fn location(&self) -> String {
        match &self.file {
            Some(f) => format!("{f} line {}", self.line),
            None => format!("line {}", self.line),
        }
    }
}

/// Counts of every row read: kept, dropped by reason, changed by reason.
/// Invariant: `kept + dropped_total() == rows_read`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Ledger {
    /// Data rows read (header and empty lines excluded).
    pub rows_read: usize,
    /// Rows kept.
    pub kept: usize,
    /// Rows dropped, by reason.
    pub dropped: BTreeMap<DropReason, usize>,
    /// Kept rows that were changed or flagged, by reason.
    pub changed: BTreeMap<ChangeReason, usize>,
    /// Empty lines skipped (not rows).
    pub empty_lines: usize,
    /// Up to three examples per drop reason.
    pub examples: Vec<LedgerExample>,
}

/// Examples kept per reason.
const EXAMPLES_PER_REASON: usize = 3;

impl Ledger {
    /// Total rows dropped.
    pub fn dropped_total(&self) -> usize {
        self.dropped.values().sum()
    }
    /// Rows dropped for one reason.
    pub fn dropped_for(&self, reason: DropReason) -> usize {
        self.dropped.get(&reason).copied().unwrap_or(0)
    }
    /// Kept rows changed for one reason.
    pub fn changed_for(&self, reason: ChangeReason) -> usize {
        self.changed.get(&reason).copied().unwrap_or(0)
    }
    /// Whether kept + dropped = rows read.
    pub fn balances(&self) -> bool {
        self.kept + self.dropped_total() == self.rows_read
    }
    /// One line: "N rows read, K kept, D dropped (…)".
    pub fn summary(&self) -> String {
        let reasons: Vec<String> = self
            .dropped
            .iter()
            .map(|(r, n)| format!("{n} {}", r.describe()))
            .collect();
        let mut s = format!(
            "{} rows read, {} kept, {} dropped",
            self.rows_read,
            self.kept,
            self.dropped_total()
        );
        if !reasons.is_empty() {
            s.push_str(&format!(": {}", reasons.join(", ")));
        }
        if let Some(e) = self.examples.first() {
            s.push_str(&format!(
                "; e.g. {}: {} {:?}",
                e.location(),
                e.reason.describe(),
                e.value
            ));
        }
        s
    }

    pub(crate) fn drop_row(&mut self, reason: DropReason, line: u64, value: &str) {
        *self.dropped.entry(reason).or_insert(0) += 1;
        if self.wants_example(reason) {
            let value: String = value.chars().take(80).collect();
            self.examples.push(LedgerExample {
                file: None,
                line,
                reason,
                value,
            });
        }
    }

    fn wants_example(&self, reason: DropReason) -> bool {
        self.examples.iter().filter(|e| e.reason == reason).count() < EXAMPLES_PER_REASON
    }

    /// Adds the counts of `other` to this one.
    fn add_counts(&mut self, other: &Ledger) {
        self.rows_read += other.rows_read;
        self.kept += other.kept;
        self.empty_lines += other.empty_lines;
        for (&r, &n) in &other.dropped {
            *self.dropped.entry(r).or_insert(0) += n;
        }
        for (&r, &n) in &other.changed {
            *self.changed.entry(r).or_insert(0) += n;
        }
    }

    /// Adds the counts of `other` (the ledger of another file, named
    /// `file` in its examples) to this one; still balanced if both were.
    pub fn merge(&mut self, other: &Ledger, file: &str) {
        self.add_counts(other);
        for e in &other.examples {
            if self.wants_example(e.reason) {
                self.examples.push(LedgerExample {
                    file: Some(e.file.clone().unwrap_or_else(|| file.to_string())),
                    ..e.clone()
                });
            }
        }
    }

    /// Adds `other`, the ledger of the lines that follow this one's in the
    /// same file, numbered from `line_offset + 1`: the result is the ledger
    /// one pass over both parts would have made.
    pub(crate) fn absorb(&mut self, other: Ledger, line_offset: u64) {
        self.add_counts(&other);
        for mut e in other.examples {
            if self.wants_example(e.reason) {
                e.line += line_offset;
                self.examples.push(e);
            }
        }
    }

    pub(crate) fn change(&mut self, reason: ChangeReason) {
        *self.changed.entry(reason).or_insert(0) += 1;
    }
}

impl fmt::Display for Ledger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "cleaning ledger")?;
        writeln!(f, "  {:<44} {:>9}", "rows read", self.rows_read)?;
        for (r, n) in &self.dropped {
            writeln!(f, "  dropped: {:<35} {:>9}", r.describe(), n)?;
        }
        writeln!(f, "  {:<44} {:>9}", "kept", self.kept)?;
        for (r, n) in &self.changed {
            writeln!(f, "  of which {:<35} {:>9}", r.describe(), n)?;
        }
        if self.empty_lines > 0 {
            writeln!(
                f,
                "  {:<44} {:>9}",
                "empty lines skipped (not rows)", self.empty_lines
            )?;
        }
        for e in &self.examples {
            writeln!(
                f,
                "  e.g. {}: {}: {:?}",
                e.location(),
                e.reason.describe(),
                e.value
            )?;
        }
        Ok(())
    }
}
