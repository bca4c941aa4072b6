//! Model-file loaders: the kmkit-io envelope (`model.json`), the core model,
//! and each domain's saved state. A core model that loads is used once, to
//! predict one all-zero row.
#![no_main]

use std::path::Path;

use kmkit_core::Model;
use kmkit_io::ModelFile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Every app's kind, so the envelope check passes for each seed.
    for kind in [
        "table",
        "rfm-segments",
        "genes",
        "rfm-basket",
        "speech-clusters",
        "speech-codebook",
        "image-palette",
        "doc-topics",
    ] {
        let _ =
            ModelFile::<serde_json::Value>::from_json_bytes(Path::new("model.json"), data, kind);
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(model) = Model::from_json(text) {
        let d = model.centroids.ncols();
        if d <= 4096 {
            let x = ndarray::Array2::<f32>::zeros((1, d));
            let _ = model.predict(&x);
        }
    }
    let _ = kmkit_genes::FittedPipeline::from_json(text);
    let _ = kmkit_image::Palette::from_json(text);
    let _ = kmkit_rfm::RfmModel::from_json(text);
    let _ = kmkit_speech::Codebooks::from_json(text);
    let _ = kmkit_speech::FittedEmbedding::from_json(text);
    let _ = kmkit_text::TopicModel::from_json(text);
});
