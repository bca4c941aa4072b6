//! model.json: the k-means model in kmkit-io's `ModelFile` envelope, with
//! the fitted TF-IDF (and LSA) as its preprocessing, so `predict` repeats
//! the whole transform.

use std::path::Path;

use kmkit_io::ModelFile;
use kmkit_text::{FittedLsa, FittedTfIdf, TopicModel};
use serde::{Deserialize, Serialize};

/// The `kind` of doc-topics model files.
pub const MODEL_KIND: &str = "doc-topics";

/// The text transform stored as the model file's preprocessing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextTransform {
    /// Vocabulary, idf and analyzer settings.
    pub tfidf: FittedTfIdf,
    /// The LSA projection, if topics were fitted in an LSA space.
    pub lsa: Option<FittedLsa>,
}

/// model.json's bytes for `model`.
pub fn model_json(model: &TopicModel) -> Vec<u8> {
    let transform = TextTransform {
        tfidf: model.tfidf.clone(),
        lsa: model.lsa.clone(),
    };
    ModelFile::new(MODEL_KIND, transform, model.kmeans.clone()).to_json()
}

/// Reads a model.json written by `doc-topics --out`, checked for consistency.
pub fn load_model(path: &Path) -> anyhow::Result<TopicModel> {
    let file: ModelFile<TextTransform> = ModelFile::load(path, MODEL_KIND)?;
    let TextTransform { tfidf, lsa } = file.preprocess;
    TopicModel::new(tfidf, lsa, file.model).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}
