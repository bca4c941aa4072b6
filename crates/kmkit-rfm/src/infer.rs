//! Recognising a transaction file's layout from its header, so common
//! exports (UCI Online Retail I and II, CDNOW, most shop exports with
//! `customer`/`date`/`amount`-like columns) need no column mapping.

use std::io::Read;

use crate::error::{Result, RfmError};
use crate::format::{AmountSpec, Column, Delimiter, Header, TransactionFormat};

/// What [`sniff`] learnt from the first line of a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Sniffed {
    /// The delimiter the first line suggests.
    pub delimiter: Delimiter,
    /// The first line's fields (the header, if it is one).
    pub fields: Vec<String>,
    /// The layout recognised from the header, if any.
    pub format: Option<TransactionFormat>,
    /// Which layout: a preset's name, or "columns by name".
    pub layout: Option<&'static str>,
}

/// Header names that mean each role, compared lowercased without spaces,
/// underscores or dashes. The first name present wins.
const CUSTOMER: &[&str] = &[
    "customerid",
    "customer",
    "custid",
    "clientid",
    "client",
    "userid",
    "memberid",
];
const DATE: &[&str] = &[
    "invoicedate",
    "orderdate",
    "transactiondate",
    "purchasedate",
    "date",
    "datetime",
    "timestamp",
    "time",
];
const AMOUNT: &[&str] = &[
    "amount",
    "dollarvalue",
    "revenue",
    "sales",
    "total",
    "totalamount",
    "ordervalue",
    "value",
    "spend",
];
const QUANTITY: &[&str] = &["quantity", "qty", "units"];
const PRICE: &[&str] = &["unitprice", "price"];
const INVOICE: &[&str] = &[
    "invoiceno",
    "invoice",
    "invoiceid",
    "orderid",
    "order",
    "transactionid",
    "basketid",
];
const PRODUCT: &[&str] = &["stockcode", "productid", "product", "sku", "itemid", "item"];
const DESCRIPTION: &[&str] = &["description", "productname", "itemname"];

fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Reads the first non-empty line of `bytes` (plain or gzip; BOM stripped),
/// splits it and recognises the layout when the header allows.
pub fn sniff(bytes: &[u8]) -> Result<Sniffed> {
    let head = head_text(bytes)?;
    let line = head
        .lines()
        .find(|l| !l.trim().is_empty())
        .ok_or(RfmError::Empty)?;
    let delimiter = if line.contains('\t') {
        Delimiter::Tab
    } else if line.contains(',') {
        Delimiter::Comma
    } else if line.contains(';') {
        Delimiter::Semicolon
    } else {
        Delimiter::Whitespace
    };
    let fields: Vec<String> = match delimiter {
        Delimiter::Whitespace => line.split_ascii_whitespace().map(str::to_string).collect(),
        d => {
            let sep = match d {
                Delimiter::Tab => b'\t',
                Delimiter::Semicolon => b';',
                _ => b',',
            };
            let mut rdr = csv::ReaderBuilder::new()
                .delimiter(sep)
                .has_headers(false)
                .flexible(true)
                .from_reader(line.as_bytes());
            let mut rec = csv::StringRecord::new();
            match rdr.read_record(&mut rec) {
                Ok(true) => rec.iter().map(|f| f.trim().to_string()).collect(),
                _ => line
                    .split(sep as char)
                    .map(|f| f.trim().to_string())
                    .collect(),
            }
        }
    };
    let (format, layout) = match recognise(&fields, delimiter) {
        Some((f, l)) => (Some(f), Some(l)),
        None => (None, None),
    };
    Ok(Sniffed {
        delimiter,
        fields,
        format,
        layout,
    })
}

/// The layout of a header: a preset when its columns match one exactly,
/// else roles found by column name.
pub fn recognise(
    fields: &[String],
    delimiter: Delimiter,
) -> Option<(TransactionFormat, &'static str)> {
    let names: Vec<String> = fields.iter().map(|f| norm(f)).collect();
    let is =
        |want: &[&str]| names.len() == want.len() && names.iter().zip(want).all(|(a, b)| a == b);
    if is(&[
        "invoiceno",
        "stockcode",
        "description",
        "quantity",
        "invoicedate",
        "unitprice",
        "customerid",
        "country",
    ]) {
        return Some((
            TransactionFormat::online_retail_lines(),
            "online-retail-lines",
        ));
    }
    if is(&[
        "invoiceno",
        "invoicedate",
        "customerid",
        "country",
        "numlines",
        "totalquantity",
        "amount",
    ]) {
        return Some((
            TransactionFormat::online_retail_invoices(),
            "online-retail-invoices",
        ));
    }
    if is(&["customerid", "date", "numberofcds", "dollarvalue"]) {
        return Some((TransactionFormat::cdnow_master(), "cdnow"));
    }
    let find = |cands: &[&str]| -> Option<Column> {
        cands
            .iter()
            .find_map(|c| names.iter().position(|n| n == c))
            .map(|i| Column::Name(fields[i].clone()))
    };
    let customer = find(CUSTOMER)?;
    let date = find(DATE)?;
    let amount = match (find(AMOUNT), find(QUANTITY), find(PRICE)) {
        (_, Some(quantity), Some(price)) => AmountSpec::QuantityTimesPrice { quantity, price },
        (Some(a), _, _) => AmountSpec::Amount(a),
        _ => return None,
    };
    Some((
        TransactionFormat {
            delimiter,
            header: Header::Yes,
            invoice: find(INVOICE),
            product: find(PRODUCT),
            description: find(DESCRIPTION),
            ..TransactionFormat::new(customer, date, amount)
        },
        "columns by name",
    ))
}

/// The first 64 KiB of text (decompressed when gzip), BOM stripped.
fn head_text(bytes: &[u8]) -> Result<String> {
    const HEAD: usize = 64 * 1024;
    let raw: Vec<u8> = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::with_capacity(HEAD);
        flate2::read::MultiGzDecoder::new(bytes)
            .take(HEAD as u64)
            .read_to_end(&mut out)
            .map_err(|e| RfmError::Encoding(format!("not valid gzip ({e})")))?;
        out
    } else {
        bytes[..bytes.len().min(HEAD)].to_vec()
    };
    let text = text_head(&raw)?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(text).to_string())
}

/// `raw` as UTF-8, allowing only a character cut off at the end (the head
/// stops mid-file). Binary data and UTF-16 (whose NUL bytes are valid
/// UTF-8) are refused here, before their bytes reach any message.
fn text_head(raw: &[u8]) -> Result<&str> {
    if raw.starts_with(&[0xff, 0xfe]) || raw.starts_with(&[0xfe, 0xff]) || raw.contains(&0) {
        return Err(RfmError::Encoding(
            "not UTF-8 text (UTF-16 or binary data)".into(),
        ));
    }
    match std::str::from_utf8(raw) {
        Ok(s) => Ok(s),
        Err(e) if e.error_len().is_none() => {
            Ok(std::str::from_utf8(&raw[..e.valid_up_to()]).expect("valid up to here"))
        }
        Err(e) => Err(RfmError::Encoding(format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.valid_up_to()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(header: &str) -> Option<&'static str> {
        sniff(header.as_bytes()).unwrap().layout
    }

    #[test]
    fn presets_and_names() {
        assert_eq!(
            layout("InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"),
            Some("online-retail-lines")
        );
        assert_eq!(
            layout(" customer_id  date number_of_cds  dollar_value\n"),
            Some("cdnow")
        );
        // Online Retail II.
        let s = sniff(
            b"Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n",
        )
        .unwrap();
        let f = s.format.unwrap();
        assert_eq!(f.customer, Column::Name("Customer ID".into()));
        assert_eq!(f.invoice, Some(Column::Name("Invoice".into())));
        assert!(matches!(f.amount, AmountSpec::QuantityTimesPrice { .. }));
        let s = sniff(b"order_id;customer;order_date;total\n").unwrap();
        assert_eq!(s.delimiter, Delimiter::Semicolon);
        assert_eq!(
            s.format.unwrap().amount,
            AmountSpec::Amount(Column::Name("total".into()))
        );
        assert_eq!(layout("a,b,c\n1,2,3\n"), None);
        assert!(matches!(sniff(b"\n\n"), Err(RfmError::Empty)));
    }
}
