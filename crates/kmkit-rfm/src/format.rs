//! How a transaction file is laid out: delimiter, header, column mapping,
//! date format and cleaning rules, with presets for the common exports.

use serde::{Deserialize, Serialize};

/// A column, by header name or by 0-based position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Column {
    /// 0-based position.
    Index(usize),
    /// Header name (exact, after trimming spaces).
    Name(String),
}

impl From<&str> for Column {
    fn from(s: &str) -> Self {
        Column::Name(s.to_string())
    }
}
impl From<usize> for Column {
    fn from(i: usize) -> Self {
        Column::Index(i)
    }
}

/// Field separator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Delimiter {
    /// Tab if the first line has one, else comma, else semicolon, else whitespace.
    #[default]
    Auto,
    /// Comma (quotes as RFC 4180).
    Comma,
    /// Tab.
    Tab,
    /// Semicolon (spreadsheet exports in locales with a decimal comma).
    Semicolon,
    /// Runs of spaces or tabs (fixed-width logs such as CDNOW).
    Whitespace,
}

/// Whether the first row is a header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Header {
    /// A header if any column is mapped by name, or if the first row's date
    /// field does not parse as a date.
    #[default]
    Auto,
    /// The first row is a header.
    Yes,
    /// Every row is data.
    No,
}

/// How dates are written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum DateFormat {
    /// Each value by its shape: `YYYYMMDD`, ISO `YYYY-MM-DD[ T]HH:MM[:SS]`,
    /// or US `M/D/YYYY[ H:MM[:SS]]`. Mixed shapes in one file are fine.
    #[default]
    Auto,
    /// ISO 8601 date or date-time only.
    Iso,
    /// `YYYYMMDD` only.
    Ymd,
    /// `M/D/YYYY[ H:MM[:SS]]` only (month first, as the UCI Excel export).
    Mdy,
    /// An explicit strftime format (chrono syntax), e.g. `%d/%m/%Y %H:%M`.
    Explicit(String),
}

/// Where the money of a row comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AmountSpec {
    /// One column holds the row's amount.
    Amount(Column),
    /// Amount = quantity × unit price (line-item exports).
    QuantityTimesPrice {
        /// Quantity column.
        quantity: Column,
        /// Unit price column.
        price: Column,
    },
}

/// What to do with rows whose amount is zero or negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum AmountRule {
    /// Drop amounts ≤ 0 (the pandas RFM recipe for invoice tables).
    #[default]
    DropNonPositive,
    /// Drop amounts < 0 only; zero-amount rows are kept and counted in the
    /// ledger (CDNOW has 80 such purchases and its recipe keeps them).
    DropNegative,
}

/// Which rows cleaning drops. Every dropped row is counted in the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CleaningRules {
    /// Drop invoices whose id starts with this prefix (cancellations; `C` in
    /// UCI Online Retail). `None` keeps them.
    pub cancel_prefix: Option<String>,
    /// Drop rows with a negative quantity (returns), when there is a quantity.
    pub drop_negative_quantity: bool,
    /// Drop rows with unit price ≤ 0, when there is a price column.
    pub drop_non_positive_price: bool,
    /// Rule for the row amount.
    pub amount: AmountRule,
}

impl Default for CleaningRules {
    fn default() -> Self {
        CleaningRules {
            cancel_prefix: Some("C".into()),
            drop_negative_quantity: true,
            drop_non_positive_price: true,
            amount: AmountRule::DropNonPositive,
        }
    }
}

/// The layout of a transaction file and how to clean it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionFormat {
    /// Field separator.
    pub delimiter: Delimiter,
    /// Header row.
    pub header: Header,
    /// Customer id column.
    pub customer: Column,
    /// Date (or date-time) column.
    pub date: Column,
    /// Amount, or quantity × unit price.
    pub amount: AmountSpec,
    /// Invoice (order) id column; without one, every row is one purchase.
    pub invoice: Option<Column>,
    /// Product id column (needed for basket mode).
    pub product: Option<Column>,
    /// Product description column (for naming basket clusters).
    pub description: Option<Column>,
    /// How dates are written.
    pub date_format: DateFormat,
    /// Which rows to drop.
    pub cleaning: CleaningRules,
}

impl TransactionFormat {
    /// A format with the given customer, date and amount columns and defaults
    /// elsewhere (auto delimiter and header, auto dates, default cleaning).
    pub fn new(customer: impl Into<Column>, date: impl Into<Column>, amount: AmountSpec) -> Self {
        TransactionFormat {
            delimiter: Delimiter::Auto,
            header: Header::Auto,
            customer: customer.into(),
            date: date.into(),
            amount,
            invoice: None,
            product: None,
            description: None,
            date_format: DateFormat::Auto,
            cleaning: CleaningRules::default(),
        }
    }

    /// UCI Online Retail line items: `InvoiceNo, StockCode, Description,
    /// Quantity, InvoiceDate, UnitPrice, CustomerID, Country`.
    pub fn online_retail_lines() -> Self {
        TransactionFormat {
            delimiter: Delimiter::Comma,
            header: Header::Yes,
            invoice: Some("InvoiceNo".into()),
            product: Some("StockCode".into()),
            description: Some("Description".into()),
            ..TransactionFormat::new(
                "CustomerID",
                "InvoiceDate",
                AmountSpec::QuantityTimesPrice {
                    quantity: "Quantity".into(),
                    price: "UnitPrice".into(),
                },
            )
        }
    }

    /// The per-invoice Online Retail table: `InvoiceNo, InvoiceDate,
    /// CustomerID, Country, NumLines, TotalQuantity, Amount`.
    pub fn online_retail_invoices() -> Self {
        TransactionFormat {
            delimiter: Delimiter::Comma,
            header: Header::Yes,
            invoice: Some("InvoiceNo".into()),
            ..TransactionFormat::new(
                "CustomerID",
                "InvoiceDate",
                AmountSpec::Amount("Amount".into()),
            )
        }
    }

    /// CDNOW master log: whitespace-separated `customer_id date
    /// number_of_cds dollar_value`, dates `YYYYMMDD`, one row per purchase.
    /// Zero-dollar purchases are kept (and counted), as the recipe does.
    pub fn cdnow_master() -> Self {
        TransactionFormat {
            delimiter: Delimiter::Whitespace,
            header: Header::Yes,
            date_format: DateFormat::Ymd,
            cleaning: CleaningRules {
                amount: AmountRule::DropNegative,
                ..CleaningRules::default()
            },
            ..TransactionFormat::new(
                "customer_id",
                "date",
                AmountSpec::Amount("dollar_value".into()),
            )
        }
    }

    /// CDNOW 1/10 sample: no header; `customer_id sample_index date
    /// number_of_cds dollar_value`.
    pub fn cdnow_sample() -> Self {
        TransactionFormat {
            header: Header::No,
            ..TransactionFormat::cdnow_by_index()
        }
    }

    fn cdnow_by_index() -> Self {
        TransactionFormat {
            delimiter: Delimiter::Whitespace,
            date_format: DateFormat::Ymd,
            cleaning: CleaningRules {
                amount: AmountRule::DropNegative,
                ..CleaningRules::default()
            },
            ..TransactionFormat::new(0, 2, AmountSpec::Amount(4.into()))
        }
    }
}
