//! From command-line options and files to cleaned [`Transactions`]: the
//! column mapping (`--customer`, `--date`, `--amount` or `--quantity` ×
//! `--price`, …), a preset or the layout recognised from the header, and
//! the bundled default input.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, ValueEnum};
use kmkit_cli::{usage_error, HeaderArg};
use kmkit_rfm::{
    read_transaction_files, sniff, AmountRule, AmountSpec, Column, DateFormat, Delimiter, Header,
    TransactionFormat, Transactions,
};

/// The bundled default input (UCI Online Retail line items, December 2010).
pub const DEFAULT_INPUT: &str = "customers/online_retail_2010-12_lines.csv.gz";

/// Known export layouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Preset {
    /// UCI Online Retail line items (InvoiceNo, StockCode, …, CustomerID, Country).
    OnlineRetailLines,
    /// One row per Online Retail invoice (InvoiceNo, InvoiceDate, CustomerID, …, Amount).
    OnlineRetailInvoices,
    /// CDNOW master log: customer_id date number_of_cds dollar_value.
    Cdnow,
    /// CDNOW 1/10 sample, no header: customer_id index date number_of_cds dollar_value.
    CdnowSample,
}

impl Preset {
    /// The preset's format.
    pub fn format(self) -> TransactionFormat {
        match self {
            Preset::OnlineRetailLines => TransactionFormat::online_retail_lines(),
            Preset::OnlineRetailInvoices => TransactionFormat::online_retail_invoices(),
            Preset::Cdnow => TransactionFormat::cdnow_master(),
            Preset::CdnowSample => TransactionFormat::cdnow_sample(),
        }
    }
    fn name(self) -> &'static str {
        match self {
            Preset::OnlineRetailLines => "online-retail-lines",
            Preset::OnlineRetailInvoices => "online-retail-invoices",
            Preset::Cdnow => "cdnow",
            Preset::CdnowSample => "cdnow-sample",
        }
    }
}

/// Field separator on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DelimiterArg {
    /// Tab, comma or semicolon if the first line has one, else whitespace.
    Auto,
    /// Comma.
    Comma,
    /// Tab.
    Tab,
    /// Semicolon.
    Semicolon,
    /// Runs of spaces or tabs.
    Whitespace,
}

/// How transaction files are laid out and cleaned. Unset options come from
/// `--preset`, else from the layout recognised in the header (or, for
/// `predict`, from the model).
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Transactions")]
pub struct FormatArgs {
    /// A known export layout (default: recognised from the header)
    #[arg(long, value_enum)]
    pub preset: Option<Preset>,
    /// Customer id column (header name or 1-based number)
    #[arg(long, value_name = "COL")]
    pub customer: Option<String>,
    /// Date or date-time column
    #[arg(long, value_name = "COL")]
    pub date: Option<String>,
    /// Amount column (money per row); or give --quantity and --price
    #[arg(long, value_name = "COL", conflicts_with_all = ["quantity", "price"])]
    pub amount: Option<String>,
    /// Quantity column (amount = quantity × price)
    #[arg(long, value_name = "COL", requires = "price")]
    pub quantity: Option<String>,
    /// Unit price column
    #[arg(long, value_name = "COL", requires = "quantity")]
    pub price: Option<String>,
    /// Invoice (order) id column; frequency counts distinct invoices. Without one, rows are purchases
    #[arg(long, value_name = "COL")]
    pub invoice: Option<String>,
    /// Product id column (basket mode)
    #[arg(long, value_name = "COL")]
    pub product: Option<String>,
    /// Product description column (names basket clusters)
    #[arg(long, value_name = "COL")]
    pub description: Option<String>,
    /// Dates: auto (YYYYMMDD, ISO or M/D/YYYY per value), iso, ymd, mdy, or a strftime format such as "%d/%m/%Y %H:%M"
    #[arg(long, value_name = "FMT")]
    pub date_format: Option<String>,
    /// Field separator
    #[arg(long, value_enum)]
    pub delimiter: Option<DelimiterArg>,
    /// Whether the first line is a header
    #[arg(long, value_enum)]
    pub header: Option<HeaderArg>,
    /// Invoice-id prefix of cancellations, dropped and counted ("" keeps them)
    #[arg(long, value_name = "PREFIX")]
    pub cancel_prefix: Option<String>,
    /// Keep rows whose amount is 0 (counted in the ledger); by default they are dropped
    #[arg(long)]
    pub keep_zero_amounts: bool,
}

/// A 1-based number is a position, anything else a header name.
pub fn column(s: &str) -> anyhow::Result<Column> {
    let t = s.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        return match t.parse::<usize>() {
            Ok(n) if n >= 1 => Ok(Column::Index(n - 1)),
            _ => Err(usage_error(format!(
                "column {s:?}: numbers start at 1 (or give the header name)"
            ))),
        };
    }
    Ok(Column::Name(t.to_string()))
}

/// `auto`, `iso`, `ymd`, `mdy` or an explicit strftime format.
pub fn date_format(s: &str) -> DateFormat {
    match s {
        "auto" => DateFormat::Auto,
        "iso" => DateFormat::Iso,
        "ymd" | "yyyymmdd" => DateFormat::Ymd,
        "mdy" => DateFormat::Mdy,
        other => DateFormat::Explicit(other.to_string()),
    }
}

impl FormatArgs {
    /// Whether any layout option was given (so a model's format is not used as is).
    pub fn any(&self) -> bool {
        self.preset.is_some()
            || self.customer.is_some()
            || self.date.is_some()
            || self.amount.is_some()
            || self.quantity.is_some()
            || self.invoice.is_some()
            || self.product.is_some()
            || self.description.is_some()
            || self.date_format.is_some()
            || self.delimiter.is_some()
            || self.header.is_some()
            || self.cancel_prefix.is_some()
            || self.keep_zero_amounts
    }

    /// The format: `--preset`, else `base` (a model's format), else the
    /// layout recognised from `head` (the first bytes of the first file),
    /// with every given option applied on top. Returns it and where its
    /// layout came from.
    pub fn resolve(
        &self,
        head: &[u8],
        base: Option<&TransactionFormat>,
    ) -> anyhow::Result<(TransactionFormat, String)> {
        let sniffed = sniff(head)?;
        let (mut base, mut origin) = match (self.preset, base) {
            (Some(p), _) => (Some(p.format()), format!("preset {}", p.name())),
            (None, Some(b)) => (Some(b.clone()), "the model's format".to_string()),
            (None, None) => match (&sniffed.format, sniffed.layout) {
                (Some(f), Some(l)) => (Some(f.clone()), format!("recognised header ({l})")),
                _ => (None, "column options".to_string()),
            },
        };
        let given = |o: &Option<String>| o.as_deref().map(column).transpose();
        let amount = match (
            given(&self.amount)?,
            given(&self.quantity)?,
            given(&self.price)?,
        ) {
            (Some(a), _, _) => Some(AmountSpec::Amount(a)),
            (None, Some(quantity), Some(price)) => {
                Some(AmountSpec::QuantityTimesPrice { quantity, price })
            }
            _ => None,
        };
        let (customer, date) = (given(&self.customer)?, given(&self.date)?);
        if base.is_none() {
            let (Some(c), Some(d), Some(a)) = (customer.clone(), date.clone(), amount.clone())
            else {
                return Err(usage_error(format!(
                    "cannot tell which columns hold the customer, date and amount (first line: {}): \
                     give --customer, --date and --amount (or --quantity and --price), or --preset",
                    sniffed.fields.join(" | ")
                )));
            };
            base = Some(TransactionFormat::new(c, d, a));
        }
        let mut f = base.expect("set above");
        if self.customer.is_some() || self.date.is_some() || amount.is_some() {
            origin.push_str(" + column options");
        }
        if let Some(c) = customer {
            f.customer = c;
        }
        if let Some(d) = date {
            f.date = d;
        }
        if let Some(a) = amount {
            f.amount = a;
        }
        for (opt, slot) in [
            (&self.invoice, &mut f.invoice),
            (&self.product, &mut f.product),
            (&self.description, &mut f.description),
        ] {
            if let Some(c) = given(opt)? {
                *slot = Some(c);
            }
        }
        if let Some(d) = &self.date_format {
            f.date_format = date_format(d);
        }
        if let Some(d) = self.delimiter {
            f.delimiter = match d {
                DelimiterArg::Auto => Delimiter::Auto,
                DelimiterArg::Comma => Delimiter::Comma,
                DelimiterArg::Tab => Delimiter::Tab,
                DelimiterArg::Semicolon => Delimiter::Semicolon,
                DelimiterArg::Whitespace => Delimiter::Whitespace,
            };
        }
        if let Some(h) = self.header {
            f.header = match h {
                HeaderArg::Auto => Header::Auto,
                HeaderArg::Yes => Header::Yes,
                HeaderArg::No => Header::No,
            };
        }
        if let Some(p) = &self.cancel_prefix {
            f.cleaning.cancel_prefix = (!p.is_empty()).then(|| p.clone());
        }
        if self.keep_zero_amounts {
            f.cleaning.amount = AmountRule::DropNegative;
        }
        Ok((f, origin))
    }
}

/// Input files resolved, read and cleaned.
#[derive(Debug)]
pub struct Loaded {
    /// The files read.
    pub files: Vec<PathBuf>,
    /// How to refer to them in output.
    pub display: String,
    /// The format used.
    pub format: TransactionFormat,
    /// Where the format came from (preset, header, options, model).
    pub layout: String,
    /// Kept rows and the ledger.
    pub tx: Transactions,
}

/// The files to read: the arguments, or the bundled default.
pub fn input_files(args: &[PathBuf]) -> Vec<PathBuf> {
    if args.is_empty() {
        vec![kmkit_cli::bundled_file(DEFAULT_INPUT)]
    } else {
        args.to_vec()
    }
}

/// The first 64 KiB of a file, to recognise its layout.
fn head(path: &Path) -> anyhow::Result<Vec<u8>> {
    let file = std::fs::File::open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            usage_error(format!("{}: no such file", path.display()))
        } else {
            anyhow::Error::new(e).context(format!("opening {}", path.display()))
        }
    })?;
    let mut out = Vec::new();
    file.take(64 * 1024)
        .read_to_end(&mut out)
        .with_context(|| format!("reading {}", path.display()))?;
    Ok(out)
}

/// Resolves the format on the first file and reads all of them.
pub fn load(
    args: &[PathBuf],
    format: &FormatArgs,
    base: Option<&TransactionFormat>,
) -> anyhow::Result<Loaded> {
    let files = input_files(args);
    // A missing file is a usage mistake, whichever of the files it is.
    for f in &files {
        if !f.exists() {
            return Err(usage_error(format!("{}: no such file", f.display())));
        }
    }
    let (format, layout) = format
        .resolve(&head(&files[0])?, base)
        .with_context(|| files[0].display().to_string())?;
    let tx = read_transaction_files(&files, &format).map_err(|e| match e {
        kmkit_rfm::RfmError::MissingColumn { .. }
        | kmkit_rfm::RfmError::NoHeader(_)
        | kmkit_rfm::RfmError::ColumnOutOfRange { .. }
        | kmkit_rfm::RfmError::BadDateFormat(_) => usage_error(e.to_string()),
        other => anyhow::Error::new(other),
    })?;
    let display = if args.is_empty() {
        format!("datasets/{DEFAULT_INPUT} (bundled)")
    } else {
        files
            .iter()
            .map(|f| f.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    Ok(Loaded {
        files,
        display,
        format,
        layout,
        tx,
    })
}

/// `YYYY-MM-DD`.
pub fn parse_snapshot(s: &str) -> anyhow::Result<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        usage_error(format!(
            "--snapshot {s:?} is not a date: write YYYY-MM-DD, e.g. 2011-12-10"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_one_based_numbers_or_names() {
        assert_eq!(column("3").unwrap(), Column::Index(2));
        assert_eq!(
            column(" Customer ID ").unwrap(),
            Column::Name("Customer ID".into())
        );
        assert!(column("0").is_err());
    }

    #[test]
    fn options_override_the_recognised_layout() {
        let head =
            b"InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n";
        let (f, origin) = FormatArgs::default().resolve(head, None).unwrap();
        assert_eq!(f, TransactionFormat::online_retail_lines());
        assert!(origin.contains("online-retail-lines"));
        let args = FormatArgs {
            date_format: Some("%d/%m/%Y %H:%M".into()),
            cancel_prefix: Some(String::new()),
            ..FormatArgs::default()
        };
        let (f, _) = args.resolve(head, None).unwrap();
        assert_eq!(f.date_format, DateFormat::Explicit("%d/%m/%Y %H:%M".into()));
        assert_eq!(f.cleaning.cancel_prefix, None);
        // Nothing recognisable and no mapping: a usage error naming the columns.
        let err = FormatArgs::default().resolve(b"a;b;c\n", None).unwrap_err();
        assert!(err.to_string().contains("a | b | c"), "{err}");
        let args = FormatArgs {
            customer: Some("1".into()),
            date: Some("2".into()),
            amount: Some("3".into()),
            ..FormatArgs::default()
        };
        let (f, _) = args.resolve(b"x;20110101;3\n", None).unwrap();
        assert_eq!(
            (f.customer, f.amount),
            (Column::Index(0), AmountSpec::Amount(Column::Index(2)))
        );
    }
}
