//! kmkit-rfm's transaction reader: the header sniffer, then the file parsed
//! with the recognised layout (or each preset when none is recognised), then
//! the RFM table of what was kept.
#![no_main]

use kmkit_rfm::{parse_transactions, rfm_table, sniff, TransactionFormat};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let formats = match sniff(data) {
        Ok(s) if s.format.is_some() => vec![s.format.unwrap()],
        _ => vec![
            TransactionFormat::online_retail_lines(),
            TransactionFormat::online_retail_invoices(),
            TransactionFormat::cdnow_master(),
            TransactionFormat::cdnow_sample(),
        ],
    };
    for format in &formats {
        if let Ok(tx) = parse_transactions(data, format) {
            let _ = rfm_table(&tx, None);
        }
    }
});
