//! Reading and cleaning transaction files into [`Transactions`].

use std::path::Path;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::budget;
use crate::dates::DateParser;
use crate::error::{Result, RfmError};
use crate::format::{AmountRule, AmountSpec, Column, Delimiter, Header, TransactionFormat};
use crate::intern::Interner;
use crate::ledger::{ChangeReason, DropReason, Ledger};
use crate::split::{self, trim};

/// One kept transaction row. Ids are indices into the tables of
/// [`Transactions`], so grouping never re-hashes strings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Transaction {
    /// Index into [`Transactions::customer_ids`].
    pub customer: u32,
    /// When (midnight for date-only files).
    pub time: NaiveDateTime,
    /// Money of the row (amount, or quantity × unit price).
    pub amount: f64,
    /// Quantity (1 when the format has no quantity column).
    pub quantity: f64,
    /// Index into [`Transactions::invoice_ids`], when the format has invoices.
    pub invoice: Option<u32>,
    /// Index into [`Transactions::products`], when the format has products.
    pub product: Option<u32>,
}

/// A product seen in the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    /// Product id (e.g. StockCode).
    pub id: String,
    /// First non-empty description seen, or empty.
    pub description: String,
}

/// Cleaned transactions plus the ledger of what cleaning did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transactions {
    /// Kept rows, in file order.
    pub rows: Vec<Transaction>,
    /// Customer ids, in order of first appearance among kept rows.
    pub customer_ids: Vec<String>,
    /// Invoice ids (empty when the format has none).
    pub invoice_ids: Vec<String>,
    /// Products (empty when the format has none).
    pub products: Vec<Product>,
    /// Whether the format had an invoice column.
    pub has_invoices: bool,
    /// Every row read, kept or dropped by reason.
    pub ledger: Ledger,
}

/// Reads a transaction file (plain or gzip-compressed, detected by content).
pub fn read_transactions(path: &Path, format: &TransactionFormat) -> Result<Transactions> {
    let io = |source| RfmError::Io {
        path: path.display().to_string(),
        source,
    };
    // Refused from its size before it is read (the budget: [`crate::set_read_budget`]).
    let len = std::fs::metadata(path).map_err(io)?.len();
    if let Some(message) = budget::file_too_large(len, budget::read_budget()) {
        return Err(RfmError::TooLarge {
            path: path.display().to_string(),
            message,
        });
    }
    let bytes = std::fs::read(path).map_err(io)?;
    decode_owned(bytes, budget::read_budget())
        .and_then(|text| parse_text(&text, format))
        .map_err(|e| match e {
            RfmError::Encoding(m) => RfmError::Encoding(format!("{}: {m}", path.display())),
            RfmError::TooLarge { message, .. } => RfmError::TooLarge {
                path: path.display().to_string(),
                message,
            },
            other => other,
        })
}

/// Reads several files of one layout as one log (e.g. monthly exports):
/// customer, invoice and product ids are shared across files, and the
/// ledger counts every row of every file (examples name their file).
pub fn read_transaction_files<P: AsRef<Path>>(
    paths: &[P],
    format: &TransactionFormat,
) -> Result<Transactions> {
    let mut all: Option<Transactions> = None;
    for path in paths {
        let path = path.as_ref();
        let tx = read_transactions(path, format)?;
        let name = path.display().to_string();
        match all.as_mut() {
            None => {
                let mut first = tx;
                if paths.len() > 1 {
                    // Re-added so its examples name their file.
                    let own = std::mem::take(&mut first.ledger);
                    first.ledger.merge(&own, &name);
                }
                all = Some(first);
            }
            Some(acc) => acc.append(tx, &name),
        }
    }
    all.ok_or(RfmError::Empty)
}

impl Transactions {
    /// Appends the rows of `other` (read from `file`), re-indexing its ids
    /// into this log's tables; the ledgers are added.
    pub fn append(&mut self, other: Transactions, file: &str) {
        fn remap(ids: &mut Vec<String>, other: &[String]) -> Vec<u32> {
            let mut index = Interner::from_ids(std::mem::take(ids));
            let map = other.iter().map(|s| index.intern(s)).collect();
            *ids = index.into_ids();
            map
        }
        let customers = remap(&mut self.customer_ids, &other.customer_ids);
        let invoices = remap(&mut self.invoice_ids, &other.invoice_ids);
        let mut product_ids: Vec<String> = self.products.iter().map(|p| p.id.clone()).collect();
        let other_ids: Vec<String> = other.products.iter().map(|p| p.id.clone()).collect();
        let products = remap(&mut product_ids, &other_ids);
        for (p, &j) in other.products.iter().zip(&products) {
            match self.products.get_mut(j as usize) {
                Some(mine) if mine.description.is_empty() => {
                    mine.description = p.description.clone()
                }
                Some(_) => {}
                None => self.products.push(p.clone()),
            }
        }
        self.rows.extend(other.rows.iter().map(|t| Transaction {
            customer: customers[t.customer as usize],
            invoice: t.invoice.map(|i| invoices[i as usize]),
            product: t.product.map(|p| products[p as usize]),
            ..*t
        }));
        self.has_invoices |= other.has_invoices;
        self.ledger.merge(&other.ledger, file);
    }
}

/// Parses transactions from bytes (plain UTF-8 or gzip).
pub fn parse_transactions(bytes: &[u8], format: &TransactionFormat) -> Result<Transactions> {
    let text = decode(bytes)?;
    parse_text(&text, format)
}

/// Gunzips when the gzip magic is present; checks UTF-8; strips a BOM.
pub(crate) fn decode(bytes: &[u8]) -> Result<String> {
    decode_within(bytes, budget::read_budget())
}

/// [`decode`] inflating gzip only up to `limit` bytes.
pub(crate) fn decode_within(bytes: &[u8], limit: u64) -> Result<String> {
    if is_gzip(bytes) {
        Ok(strip_bom(inflate(bytes, limit)?))
    } else {
        decode_owned(bytes.to_vec(), limit)
    }
}

/// [`decode_within`] taking the bytes, so plain text is checked in place
/// rather than copied.
fn decode_owned(bytes: Vec<u8>, limit: u64) -> Result<String> {
    let text = if is_gzip(&bytes) {
        inflate(&bytes, limit)?
    } else {
        String::from_utf8(bytes).map_err(|e| RfmError::Encoding(format!("not UTF-8 text ({e})")))?
    };
    Ok(strip_bom(text))
}

fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x1f, 0x8b])
}

fn strip_bom(mut text: String) -> String {
    if text.starts_with('\u{feff}') {
        text.drain(..3);
    }
    text
}

/// Gunzips up to `limit` bytes and checks the result is UTF-8.
fn inflate(bytes: &[u8], limit: u64) -> Result<String> {
    let bad = |e: String| RfmError::Encoding(format!("not valid gzip-compressed UTF-8 text ({e})"));
    let raw = budget::gunzip(bytes, limit)
        .map_err(|e| bad(e.to_string()))?
        .ok_or_else(|| RfmError::TooLarge {
            path: "the input".into(),
            message: budget::inflates_too_far(limit),
        })?;
    String::from_utf8(raw).map_err(|e| bad(e.to_string()))
}

/// Where each mapped field sits in a row.
#[derive(Debug, Clone)]
struct Positions {
    customer: usize,
    date: usize,
    amount: Option<usize>,
    quantity: Option<usize>,
    price: Option<usize>,
    invoice: Option<usize>,
    product: Option<usize>,
    description: Option<usize>,
    /// Fields a row must have.
    width: usize,
}

fn parse_text(text: &str, format: &TransactionFormat) -> Result<Transactions> {
    parse_text_in(text, format, None)
}

/// [`parse_text`] with whitespace logs cut into `pieces` (default: by size
/// and threads).
fn parse_text_in(
    text: &str,
    format: &TransactionFormat,
    pieces: Option<usize>,
) -> Result<Transactions> {
    let parser = DateParser::new(&format.date_format)?;
    let first_line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .ok_or(RfmError::Empty)?;
    let delimiter = match format.delimiter {
        Delimiter::Auto if first_line.contains('\t') => Delimiter::Tab,
        Delimiter::Auto if first_line.contains(',') => Delimiter::Comma,
        Delimiter::Auto if first_line.contains(';') => Delimiter::Semicolon,
        Delimiter::Auto => Delimiter::Whitespace,
        d => d,
    };
    let (builder, empty_lines) = match delimiter {
        Delimiter::Whitespace => {
            let first = split::first_record(text).ok_or(RfmError::Empty)?;
            let b = Builder::start(format, &parser, first.line, &first.fields)?;
            let n = pieces
                .unwrap_or_else(|| rayon::current_num_threads().min(first.rest.len() / MIN_PIECE));
            let (b, empty) = parse_lines(b, first.rest, first.line + 1, n);
            (b, first.empty_before + empty)
        }
        Delimiter::Comma | Delimiter::Tab | Delimiter::Semicolon | Delimiter::Auto => {
            let sep = match delimiter {
                Delimiter::Tab => b'\t',
                Delimiter::Semicolon => b';',
                _ => b',',
            };
            let mut rdr = csv::ReaderBuilder::new()
                .delimiter(sep)
                .has_headers(false)
                .flexible(true)
                .from_reader(text.as_bytes());
            let mut record = csv::StringRecord::new();
            let mut state: Option<Builder> = None;
            loop {
                match rdr.read_record(&mut record) {
                    Ok(false) => break,
                    Ok(true) => {
                        let line = record.position().map_or(0, |p| p.line());
                        let fields: Vec<&str> = record.iter().collect();
                        match state.as_mut() {
                            Some(b) => b.row(line, &fields),
                            None => state = Some(Builder::start(format, &parser, line, &fields)?),
                        }
                    }
                    Err(e) => return Err(RfmError::Encoding(format!("CSV error: {e}"))),
                }
            }
            // The csv reader skips empty lines; count them so none vanish unseen.
            let mut empty_lines = text
                .split('\n')
                .filter(|l| l.trim_end_matches('\r').is_empty())
                .count();
            if text.ends_with('\n') {
                empty_lines -= 1;
            }
            (state.ok_or(RfmError::Empty)?, empty_lines)
        }
    };
    let mut out = builder.finish();
    out.ledger.empty_lines = empty_lines;
    if out.ledger.rows_read == 0 {
        return Err(RfmError::Empty);
    }
    debug_assert!(out.ledger.balances());
    Ok(out)
}

/// Below this many bytes per thread a log is parsed on one thread: the
/// merge would cost more than it saves.
const MIN_PIECE: usize = 256 * 1024;

/// Feeds the whitespace-separated lines of `text` (line numbers from
/// `first_line`) to `b`, in (at most) `n` pieces parsed side by side;
/// returns it and the count of lines without fields. The first piece
/// continues `b`; each other piece is parsed by a fresh builder with line
/// numbers counted from its start, then merged in file order, so ids, rows,
/// counts and ledger examples come out as one pass would make them.
fn parse_lines<'f>(
    mut b: Builder<'f>,
    text: &str,
    first_line: u64,
    n: usize,
) -> (Builder<'f>, usize) {
    if n <= 1 {
        let counts = split::for_each_line(text, first_line, |line, f| b.row(line, f));
        return (b, counts.empty);
    }
    let pieces = split::pieces(text, n);
    let Some((head, tail)) = pieces.split_first() else {
        return (b, 0);
    };
    use rayon::prelude::*;
    let fresh: Vec<Builder> = tail.iter().map(|_| b.fresh()).collect();
    let (head_counts, others) = rayon::join(
        || split::for_each_line(head, first_line, |line, f| b.row(line, f)),
        || {
            tail.par_iter()
                .zip(fresh)
                .map(|(piece, mut c)| {
                    let counts = split::for_each_line(piece, 1, |line, f| c.row(line, f));
                    (c, counts)
                })
                .collect::<Vec<_>>()
        },
    );
    let mut empty = head_counts.empty;
    // Line number just before the next piece's first line.
    let mut offset = first_line - 1 + head_counts.lines;
    for (c, counts) in others {
        b.absorb(c, offset);
        empty += counts.empty;
        offset += counts.lines;
    }
    (b, empty)
}

fn has_named_column(format: &TransactionFormat) -> bool {
    let mut cols = vec![&format.customer, &format.date];
    match &format.amount {
        AmountSpec::Amount(c) => cols.push(c),
        AmountSpec::QuantityTimesPrice { quantity, price } => cols.extend([quantity, price]),
    }
    cols.extend(
        format
            .invoice
            .iter()
            .chain(&format.product)
            .chain(&format.description),
    );
    cols.iter().any(|c| matches!(c, Column::Name(_)))
}

fn date_field_is_not_a_date(
    format: &TransactionFormat,
    fields: &[&str],
    parser: &DateParser,
) -> bool {
    match &format.date {
        Column::Index(i) => fields.get(*i).is_none_or(|f| parser.parse(f).is_none()),
        Column::Name(_) => true,
    }
}

fn resolve(
    format: &TransactionFormat,
    names: Option<&[String]>,
    width: usize,
) -> Result<Positions> {
    let find = |c: &Column| -> Result<usize> {
        match (c, names) {
            (Column::Index(i), _) => {
                if *i >= width {
                    Err(RfmError::ColumnOutOfRange { index: *i, width })
                } else {
                    Ok(*i)
                }
            }
            (Column::Name(n), Some(names)) => {
                names
                    .iter()
                    .position(|h| h == n)
                    .ok_or_else(|| RfmError::MissingColumn {
                        name: n.clone(),
                        available: names.join(", "),
                    })
            }
            (Column::Name(n), None) => Err(RfmError::NoHeader(n.clone())),
        }
    };
    let opt = |c: &Option<Column>| c.as_ref().map(find).transpose();
    let (amount, quantity, price) = match &format.amount {
        AmountSpec::Amount(c) => (Some(find(c)?), None, None),
        AmountSpec::QuantityTimesPrice { quantity, price } => {
            (None, Some(find(quantity)?), Some(find(price)?))
        }
    };
    let mut p = Positions {
        customer: find(&format.customer)?,
        date: find(&format.date)?,
        amount,
        quantity,
        price,
        invoice: opt(&format.invoice)?,
        product: opt(&format.product)?,
        // A description is optional even in a layout that names it.
        description: opt(&format.description).ok().flatten(),
        width: 0,
    };
    p.width = [
        Some(p.customer),
        Some(p.date),
        p.amount,
        p.quantity,
        p.price,
        p.invoice,
        p.product,
    ]
    .into_iter()
    .flatten()
    .max()
    .unwrap_or(0)
        + 1;
    Ok(p)
}

/// Accumulates kept rows and the ledger.
struct Builder<'f> {
    format: &'f TransactionFormat,
    pos: Positions,
    parser: DateParser,
    rows: Vec<Transaction>,
    ledger: Ledger,
    customers: Interner,
    invoices: Interner,
    products: Interner,
    /// Per product: the first non-empty description seen.
    descriptions: Vec<String>,
}

impl<'f> Builder<'f> {
    /// A builder for the file whose first record (header or data, at
    /// `line`) is `fields`: decides on the header, resolves the columns and
    /// keeps the record when it is data.
    fn start(
        format: &'f TransactionFormat,
        parser: &DateParser,
        line: u64,
        fields: &[&str],
    ) -> Result<Self> {
        let is_header = match format.header {
            Header::Yes => true,
            Header::No => false,
            Header::Auto => {
                has_named_column(format) || date_field_is_not_a_date(format, fields, parser)
            }
        };
        let names: Option<Vec<String>> =
            is_header.then(|| fields.iter().map(|f| f.trim().to_string()).collect());
        let positions = resolve(format, names.as_deref(), fields.len())?;
        let mut b = Builder::new(format, positions, parser.clone());
        if !is_header {
            b.row(line, fields);
        }
        Ok(b)
    }

    fn new(format: &'f TransactionFormat, pos: Positions, parser: DateParser) -> Self {
        Builder {
            format,
            parser,
            pos,
            rows: Vec::new(),
            ledger: Ledger::default(),
            customers: Interner::default(),
            invoices: Interner::default(),
            products: Interner::default(),
            descriptions: Vec::new(),
        }
    }

    /// An empty builder for another piece of the same file.
    fn fresh(&self) -> Self {
        Builder::new(self.format, self.pos.clone(), self.parser.clone())
    }

    /// Appends what `other` built from the lines after this builder's,
    /// whose line numbers start `line_offset` lines further into the file.
    fn absorb(&mut self, other: Builder<'f>, line_offset: u64) {
        let remap = |mine: &mut Interner, theirs: Interner| -> Vec<u32> {
            theirs
                .into_ids()
                .into_iter()
                .map(|s| mine.intern_owned(s))
                .collect()
        };
        let customers = remap(&mut self.customers, other.customers);
        let invoices = remap(&mut self.invoices, other.invoices);
        let products = remap(&mut self.products, other.products);
        for (desc, &j) in other.descriptions.into_iter().zip(&products) {
            match self.descriptions.get_mut(j as usize) {
                Some(mine) if mine.is_empty() => *mine = desc,
                Some(_) => {}
                None => self.descriptions.push(desc),
            }
        }
        self.rows.extend(other.rows.iter().map(|t| Transaction {
            customer: customers[t.customer as usize],
            invoice: t.invoice.map(|i| invoices[i as usize]),
            product: t.product.map(|p| products[p as usize]),
            ..*t
        }));
        self.ledger.absorb(other.ledger, line_offset);
    }

    fn row(&mut self, line: u64, f: &[&str]) {
        self.ledger.rows_read += 1;
        match self.clean(f) {
            Ok(()) => self.ledger.kept += 1,
            Err((reason, value)) => self.ledger.drop_row(reason, line, &value),
        }
    }

    /// Keeps the row or says why not (the first reason that applies).
    fn clean(&mut self, f: &[&str]) -> std::result::Result<(), (DropReason, String)> {
        let p = &self.pos;
        if f.len() < p.width {
            return Err((DropReason::Malformed, f.join(",")));
        }
        let raw_customer = trim(f[p.customer]);
        if is_missing(raw_customer) {
            return Err((DropReason::MissingCustomer, f.join(",")));
        }
        let invoice = p.invoice.map(|i| trim(f[i]));
        if let (Some(prefix), Some(inv)) = (&self.format.cleaning.cancel_prefix, invoice) {
            if !prefix.is_empty() && inv.starts_with(prefix.as_str()) {
                return Err((DropReason::CancelledInvoice, inv.to_string()));
            }
        }
        let time = self
            .parser
            .parse(f[p.date])
            .ok_or_else(|| (DropReason::BadDate, f[p.date].to_string()))?;
        let number = |i: usize| -> std::result::Result<f64, (DropReason, String)> {
            let s = trim(f[i]);
            parse_f64(s)
                .filter(|v| v.is_finite())
                .ok_or_else(|| (DropReason::BadAmount, s.to_string()))
        };
        let (amount, quantity) = match (p.amount, p.quantity, p.price) {
            (Some(a), _, _) => (number(a)?, 1.0),
            (None, Some(q), Some(pr)) => {
                let (quantity, price) = (number(q)?, number(pr)?);
                let rules = &self.format.cleaning;
                if rules.drop_negative_quantity && quantity < 0.0 {
                    return Err((DropReason::NegativeQuantity, trim(f[q]).to_string()));
                }
                if rules.drop_non_positive_price && price <= 0.0 {
                    return Err((DropReason::NonPositivePrice, trim(f[pr]).to_string()));
                }
                (quantity * price, quantity)
            }
            _ => unreachable!("resolve() sets either amount or quantity and price"),
        };
        let zero = amount == 0.0;
        let drop = match self.format.cleaning.amount {
            AmountRule::DropNonPositive => amount <= 0.0,
            AmountRule::DropNegative => amount < 0.0,
        };
        if drop {
            return Err((DropReason::NonPositiveAmount, amount.to_string()));
        }
        if zero {
            self.ledger.change(ChangeReason::ZeroAmountKept);
        }
        let (customer_id, normalized) = normalize_customer(raw_customer);
        if normalized {
            self.ledger.change(ChangeReason::CustomerIdNormalized);
        }
        let customer = self.customers.intern(customer_id);
        let invoice = invoice.map(|inv| self.invoices.intern(inv));
        let product = p.product.map(|i| {
            let idx = self.products.intern(trim(f[i]));
            if idx as usize == self.descriptions.len() {
                self.descriptions.push(String::new());
            }
            // `get`: the description column is not counted in the width a
            // row must have, so a short row may lack it.
            if let Some(d) = p.description.and_then(|d| f.get(d)) {
                let desc = &mut self.descriptions[idx as usize];
                if desc.is_empty() {
                    *desc = trim(d).to_string();
                }
            }
            idx
        });
        self.rows.push(Transaction {
            customer,
            time,
            amount,
            quantity,
            invoice,
            product,
        });
        Ok(())
    }

    fn finish(self) -> Transactions {
        let products = self
            .products
            .into_ids()
            .into_iter()
            .zip(self.descriptions)
            .map(|(id, description)| Product { id, description })
            .collect();
        Transactions {
            rows: self.rows,
            customer_ids: self.customers.into_ids(),
            invoice_ids: self.invoices.into_ids(),
            products,
            has_invoices: self.pos.invoice.is_some(),
            ledger: self.ledger,
        }
    }
}

/// `s.parse::<f64>()`. Plain decimals (`29.33`) of at most 15 digits and 22
/// decimals take a shorter path to the same value: their digits and power
/// of ten are exact in f64, so the one division rounds exactly as the
/// standard parser's own fast path for them (Clinger's) does.
fn parse_f64(s: &str) -> Option<f64> {
    const POW10: [f64; 23] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];
    let b = s.as_bytes();
    let (int, frac) = match b.iter().position(|&c| c == b'.') {
        Some(i) => (&b[..i], &b[i + 1..]),
        None => (b, &b[..0]),
    };
    let plain = |d: &[u8]| d.iter().all(u8::is_ascii_digit);
    if int.is_empty()
        || int.len() + frac.len() > 15
        || (frac.is_empty() && int.len() < b.len())
        || !plain(int)
        || !plain(frac)
    {
        return s.parse().ok();
    }
    let m = int
        .iter()
        .chain(frac)
        .fold(0u64, |m, &c| m * 10 + u64::from(c - b'0'));
    Some(m as f64 / POW10[frac.len()])
}

fn is_missing(s: &str) -> bool {
    s.is_empty()
        || (s.len() <= 4
            && ["nan", "na", "null", "none"]
                .iter()
                .any(|m| s.eq_ignore_ascii_case(m)))
}

/// `17850.0` → `17850` (ids exported through a float column); others as is.
fn normalize_customer(s: &str) -> (&str, bool) {
    match s.strip_suffix(".0") {
        Some(head) if !head.is_empty() && head.bytes().all(|b| b.is_ascii_digit()) => (head, true),
        _ => (s, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::DateFormat;

    fn lines_format() -> TransactionFormat {
        TransactionFormat::online_retail_lines()
    }

    const HEADER: &str =
        "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n";

    #[test]
    fn every_reason_is_counted_once() {
        let body = "\
536365,85123A,\"HEART, WHITE\",6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom
536366,71053,LANTERN,6,2010-12-01 08:28:00,3.39,,United Kingdom
C536379,D,Discount,-1,2010-12-01 09:41:00,27.5,14527.0,United Kingdom
536380,22,X,2,not a date,1.0,14527.0,United Kingdom
536381,22,X,two,2010-12-01 09:41:00,1.0,14527.0,United Kingdom
536382,22,X,-2,2010-12-01 09:41:00,1.0,14527.0,United Kingdom
536383,22,X,2,2010-12-01 09:41:00,0.0,14527.0,United Kingdom
536384,22,X
536385,22,X,2,12/1/2010 9:45,1.5,14527,United Kingdom
";
        let t = parse_transactions(format!("{HEADER}{body}").as_bytes(), &lines_format()).unwrap();
        let l = &t.ledger;
        assert_eq!(l.rows_read, 9);
        assert_eq!(l.kept, 2);
        for r in [
            DropReason::MissingCustomer,
            DropReason::CancelledInvoice,
            DropReason::BadDate,
            DropReason::BadAmount,
            DropReason::NegativeQuantity,
            DropReason::NonPositivePrice,
            DropReason::Malformed,
        ] {
            assert_eq!(l.dropped_for(r), 1, "{r:?}");
        }
        assert!(l.balances());
        assert_eq!(l.changed_for(ChangeReason::CustomerIdNormalized), 1);
        assert_eq!(t.customer_ids, vec!["17850", "14527"]);
        assert!((t.rows[0].amount - 6.0 * 2.55).abs() < 1e-12);
        assert_eq!(t.products[0].description, "HEART, WHITE");
        assert_eq!(
            l.examples
                .iter()
                .find(|e| e.reason == DropReason::BadDate)
                .unwrap()
                .line,
            5
        );
    }

    #[test]
    fn parse_f64_is_the_standard_parse() {
        let mut cases: Vec<String> = [
            "",
            ".",
            "1.",
            ".5",
            "-1.5",
            "+2",
            "1e5",
            "inf",
            "NaN",
            "0",
            "00029.330",
            "29.33",
            "0.1",
            "0.30000000000000004",
            "123456789012345",
            "1234567890123456",
            "9007199254740993",
            "1.0000000000000000000001",
            "12,5",
            "1 2",
            "\u{661}",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // A deterministic spread of plain decimals of every length.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let digits = (x % 1_000_000_000_000_000).to_string();
            let cut = (x >> 40) as usize % (digits.len() + 1);
            cases.push(format!("{}.{}", &digits[..cut], &digits[cut..]));
            cases.push(digits[..cut].to_string());
        }
        for s in &cases {
            let want = s.parse::<f64>().ok();
            assert_eq!(
                parse_f64(s).map(f64::to_bits),
                want.map(f64::to_bits),
                "{s:?}"
            );
        }
    }

    #[test]
    fn pieces_parsed_side_by_side_match_one_pass() {
        // Customers recur across piece ends; every drop reason of a
        // whitespace log, empty lines, and more than three examples each.
        let mut text = String::from("\n customer_id date number_of_cds dollar_value\n");
        for i in 0..200 {
            let c = ["00007", "00001", "00003", "00002"][i % 4];
            let line = match i % 11 {
                0 => format!("{c} 1997x101 1 3.5"),
                1 => format!("{c} 19970101"),
                2 => " nan 19970102 1 4".to_string(),
                3 => format!("{c} 19970103 1 -2"),
                4 => String::new(),
                5 => format!("\u{a0}{c} 19970104 1 0\u{3000}"),
                6 => format!("{c} 19970105 1 1,5\r"),
                _ => format!("{c}{} 199701{:02} 2 {}.25", i % 3, 1 + i % 28, i),
            };
            text.push_str(&line);
            text.push('\n');
        }
        let f = TransactionFormat::cdnow_master();
        let one = parse_text_in(&text, &f, Some(1)).unwrap();
        assert_eq!(one.ledger.rows_read, 182);
        assert!(one.ledger.examples.len() > 9);
        for n in [2, 3, 7, 50] {
            assert_eq!(
                parse_text_in(&text, &f, Some(n)).unwrap(),
                one,
                "{n} pieces"
            );
        }
    }

    #[test]
    fn whitespace_without_header_by_index() {
        let text = " 00004 0001 19970101  2   29.33\n\n 00004 0001 19970118  2   29.73\n";
        let t = parse_transactions(text.as_bytes(), &TransactionFormat::cdnow_sample()).unwrap();
        assert_eq!(t.ledger.rows_read, 2);
        assert_eq!(t.ledger.empty_lines, 1);
        assert_eq!(t.customer_ids, vec!["00004"]);
    }

    #[test]
    fn header_auto_detected_for_index_mapping() {
        let mut f = TransactionFormat::new(0, 1, AmountSpec::Amount(2.into()));
        f.date_format = DateFormat::Auto;
        let with = parse_transactions(b"cust\tday\tamt\na\t2011-01-02\t3.5\n", &f).unwrap();
        assert_eq!(with.ledger.rows_read, 1);
        let without = parse_transactions(b"a\t2011-01-02\t3.5\nb\t20110103\t1\n", &f).unwrap();
        assert_eq!(without.ledger.rows_read, 2);
        assert_eq!(without.ledger.kept, 2, "mixed date shapes in one file");
    }

    #[test]
    fn clear_errors_for_bad_mapping_and_empty_input() {
        let f = TransactionFormat::online_retail_invoices();
        match parse_transactions(b"InvoiceNo,Date,CustomerID,Amount\n1,2011-01-01,5,3\n", &f) {
            Err(RfmError::MissingColumn { name, available }) => {
                assert_eq!(name, "InvoiceDate");
                assert!(available.contains("Date"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse_transactions(b"\n\n", &f),
            Err(RfmError::Empty)
        ));
        assert!(matches!(
            parse_transactions(&[0xff, 0xfe, 0x00], &f),
            Err(RfmError::Encoding(_))
        ));
        let g = TransactionFormat::new(0, 7, AmountSpec::Amount(2.into()));
        assert!(matches!(
            parse_transactions(b"a,20110101,3\n", &g),
            Err(RfmError::ColumnOutOfRange { index: 7, width: 3 })
        ));
    }

    #[test]
    fn gzip_input_is_detected() {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(b"c,d,a\nx,2011-01-01,2\n").unwrap();
        let bytes = enc.finish().unwrap();
        let f = TransactionFormat::new("c", "d", AmountSpec::Amount("a".into()));
        assert_eq!(parse_transactions(&bytes, &f).unwrap().ledger.kept, 1);
    }

    #[test]
    fn gzip_is_inflated_only_up_to_the_budget() {
        use std::io::Write;
        // 1 MiB of zeros compresses to about 1 KB: a small bomb.
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(&vec![b'0'; 1 << 20]).unwrap();
        let bytes = enc.finish().unwrap();
        let err = decode_within(&bytes, 64 * 1024).unwrap_err();
        assert!(matches!(err, RfmError::TooLarge { .. }), "{err}");
        assert!(
            err.to_string()
                .contains("decompresses to more than the 65536 B"),
            "{err}"
        );
        assert_eq!(decode_within(&bytes, 1 << 20).unwrap().len(), 1 << 20);
    }
}
