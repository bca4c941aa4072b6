//! # kmkit-genes
//!
//! Genes into modules and samples into subtypes. Read expression matrices
//! (CSV/TSV, plain or gzip, genes × samples or samples × genes; the Golub
//! Kaggle layout; Khan SRBCT as ISLP ships it; GEO series matrix files with
//! sample characteristics as labels; a labels file joined by sample id),
//! handle missing values and duplicate ids by an explicit policy, transform
//! them with recorded steps, and hand `kmkit_core::Features` to the core —
//! rows are samples, or genes z-scored for a correlation distance.
//! Consensus clustering (Monti et al. 2003) helps choose k.
//!
//! Principal types: [`ExpressionMatrix`] (always samples × genes),
//! [`TableOptions`] with [`SamplesIn`], [`MissingPolicy`] and
//! [`DuplicateIds`]; [`Recipe`] of [`Step`]s → [`FittedPipeline`];
//! [`Mode`]; [`Consensus`].
//!
//! **Key design decision:** every transform is a step of a [`Recipe`], and
//! fitting returns a serialisable [`FittedPipeline`] holding what each step
//! learned (genes kept, means and scales, PCA axes), so `predict` on new
//! samples repeats the transform exactly, with genes matched by id. The
//! default recipe depends only on the mode and on how the values look
//! ([`default_recipe`], [`detect_scale`]), and is documented there.
//!
//! ```
//! use kmkit_genes::{parse_table, default_recipe, to_features, Mode, TableOptions};
//! use kmkit_core::KMeans;
//!
//! let csv = "gene,a,b,c,d\ng1,1.0,1.1,5.0,5.2\ng2,2.0,2.1,0.1,0.0\ng3,0.5,0.4,0.5,0.6\n";
//! let (m, _missing) = parse_table(csv, "example", &TableOptions::default())?;
//! assert_eq!((m.n_samples(), m.n_genes()), (4, 3));
//! let recipe = default_recipe(&m, Mode::Samples);           // log-scale: top genes by variance
//! let (pipeline, x) = recipe.fit_transform(&m)?;
//! let features = to_features(&x, &m.sample_ids, &pipeline.output_names, Mode::Samples)?;
//! let model = KMeans::params(2).seed(0).n_init(4).fit(&features)?;
//! assert_eq!(model.labels()[0], model.labels()[1]);
//! assert_ne!(model.labels()[0], model.labels()[2]);
//! assert_eq!(pipeline.transform(&m)?, x);                    // predict repeats the transform
//! # Ok::<(), kmkit_genes::GenesError>(())
//! ```
#![deny(missing_docs)]

mod budget;
mod consensus;
mod datasets;
mod error;
mod features;
mod geo;
mod matrix;
mod pca;
mod read;
mod transform;

pub use consensus::{consensus, Consensus, ConsensusConfig, ConsensusK, MAX_CONSENSUS_ITEMS};
pub use datasets::{read_golub, read_khan};
pub use error::{GenesError, Result};
pub use features::{
    default_recipe, detect_scale, to_features, Mode, Scale, DEFAULT_TOP_GENES,
    DEFAULT_TOP_GENES_MODULES,
};
pub use geo::{parse_geo_series_matrix, read_geo_series_matrix, Characteristic, GeoSeries};
pub use kmkit_core::budget::{read_budget, set_read_budget};
pub use matrix::ExpressionMatrix;
pub use pca::Pca;
pub use read::{
    decode_text, parse_labels, parse_table, read_labels, read_table, read_text, DuplicateIds,
    MissingPolicy, MissingReport, SamplesIn, TableOptions,
};
pub use transform::{FittedPipeline, FittedStep, Recipe, Step, ZAxis};
