//! kmkit-text's tokenizer and analyzers (plain, English stop words +
//! stemming + bigrams) on the bytes as text, and the document readers (one
//! per line, CSV, JSON lines) on the bytes as a file.
#![no_main]

use std::io::Write;

use kmkit_text::{parse_language, read_csv, read_jsonl, read_lines, AnalyzerConfig, StopWords};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let plain = AnalyzerConfig::default();
    let full = AnalyzerConfig {
        lowercase: true,
        stop_words: StopWords::english(),
        stemmer: Some(parse_language("english").expect("english is a language")),
        ngram_range: (1, 2),
    };
    for config in [plain, full] {
        let mut analyzer = config.build().expect("valid config");
        let _ = analyzer.terms(&text);
    }
    // The readers take a path; one temporary file per run.
    let mut file = tempfile::Builder::new()
        .suffix(".csv")
        .tempfile()
        .expect("tempfile");
    file.write_all(data).expect("write");
    let _ = read_lines(file.path());
    let _ = read_csv(file.path(), "text", Some("label"));
    let _ = read_jsonl(file.path(), "text", Some("label"));
});
