//! kmkit-io's table readers: CSV/TSV (sniffed and forced tab), `.npy`,
//! `.fvecs`, `.fbin`, each on the same bytes; a parsed table then goes
//! through the default preprocessing. Errors are fine; panics, hangs and
//! huge allocations are not.
#![no_main]

use std::path::Path;

use kmkit_io::{
    read_csv_bytes, read_fbin_bytes, read_fvecs_bytes, read_npy_bytes, Preprocess, PreprocessSpec,
    ReadOptions,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz-input");
    let sniffed = ReadOptions::default();
    let tab = ReadOptions {
        delimiter: Some(b'\t'),
        ..ReadOptions::default()
    };
    for opts in [&sniffed, &tab] {
        if let Ok(table) = read_csv_bytes(path, data, opts) {
            let _ = Preprocess::fit(&PreprocessSpec::default(), &table);
        }
    }
    let _ = read_npy_bytes(path, data);
    let _ = read_fvecs_bytes(path, data);
    let _ = read_fbin_bytes(path, data);
});
