//! kmkit-genes' readers: bytes to text (gzip, UTF-8, BOM), then the same
//! text as an expression table (samples in columns and in rows), a GEO
//! series matrix and a labels file.
#![no_main]

use kmkit_genes::{
    decode_text, parse_geo_series_matrix, parse_labels, parse_table, SamplesIn, TableOptions,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = decode_text("fuzz-input", data) else {
        return;
    };
    let columns = TableOptions::default();
    let rows = TableOptions {
        samples_in: SamplesIn::Rows,
        ..TableOptions::default()
    };
    let _ = parse_table(&text, "fuzz-input", &columns);
    let _ = parse_table(&text, "fuzz-input", &rows);
    let _ = parse_geo_series_matrix(&text, "fuzz-input", &columns, None);
    let _ = parse_labels(&text, "fuzz-input", "id", "label");
});
