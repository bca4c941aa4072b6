//! The default command: read → recipe → features → k → outputs.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use gene_clusters::input::{self, ReadSettings};
use gene_clusters::model::{self, GeneState, MODEL_KIND};
use gene_clusters::outputs::{assignments_csv, modules, modules_csv, Contingency, Module};
use gene_clusters::pictures::{self, HEATMAP_GENES, HEATMAP_MODULE_ROWS};
use gene_clusters::recipes::{self, Tweaks, DEFAULT_RECIPE};
use gene_clusters::select::{choose, Rule};
use kmkit_cli::run::{self, cluster_sizes, dense_view, quality, Quality};
use kmkit_cli::{
    key_values, progress, usage_error, Format, KChoice, KMeansArgs, OutputArgs, ResultTable,
    Verbosity,
};
use kmkit_core::Input;
use kmkit_genes::{DuplicateIds, MissingPolicy, MissingReport, Mode, Recipe, SamplesIn};
use kmkit_io::{centroids_csv, ModelFile};
use kmkit_report::{Body, Section};
use serde::Serialize;
use serde_json::{json, Value};

/// Subsamples per k of consensus clustering unless `--consensus-resamples`.
pub const DEFAULT_RESAMPLES: usize = 50;
/// k-means runs per fit unless `--n-init` (expression matrices are small).
pub const DEFAULT_N_INIT: usize = 10;

#[derive(Debug, Args)]
pub struct FitArgs {
    /// Expression matrix (CSV/TSV[.gz], GEO series matrix) or bundled dataset: golub, khan [default: golub]
    pub input: Option<String>,
    /// Where the samples are: columns (genes × samples, microarray layout) or rows
    #[arg(long, value_enum, default_value_t = SamplesArg::Columns, help_heading = "Input")]
    pub samples_in: SamplesArg,
    /// Column of row ids: a header name or 1-based number [default: the first column]
    #[arg(long, value_name = "COL", help_heading = "Input")]
    pub id_column: Option<String>,
    /// Labels file (CSV/TSV with a header) joined by sample id; used for ARI/NMI and the contingency table
    #[arg(long, value_name = "FILE", help_heading = "Input")]
    pub labels: Option<PathBuf>,
    /// Sample id and label columns of --labels [default: its first two]
    #[arg(
        long,
        value_name = "ID,LABEL",
        value_delimiter = ',',
        num_args = 2,
        help_heading = "Input"
    )]
    pub labels_columns: Vec<String>,
    /// GEO series matrix: the sample characteristic used as labels [default: the first that varies]
    #[arg(long, value_name = "KEY", help_heading = "Input")]
    pub geo_label: Option<String>,
    /// Missing cells (empty, NA, NaN): error, drop-gene or impute-row-mean (mean of the gene)
    #[arg(long, value_enum, default_value_t = MissingArg::Error, help_heading = "Input")]
    pub missing: MissingArg,
    /// Repeated gene ids: error, or make-unique (append -1, -2, … as anndata)
    #[arg(long, value_enum, default_value_t = DuplicatesArg::Error, help_heading = "Input")]
    pub duplicates: DuplicatesArg,
    /// Cluster samples (subtypes) or genes (co-expression modules, correlation distance)
    #[arg(long, value_enum, default_value_t = ModeArg::Samples, help_heading = "Transforms")]
    pub mode: ModeArg,
    /// Named recipe: standard, dudoit, top-variance, correlation, raw (see below)
    #[arg(long, default_value = DEFAULT_RECIPE, help_heading = "Transforms")]
    pub recipe: String,
    /// A transform step (repeatable, in order); replaces --recipe (see below)
    #[arg(long = "transform", value_name = "STEP", value_parser = recipes::parse_step, help_heading = "Transforms")]
    pub transform: Vec<kmkit_genes::Step>,
    /// N of the recipe's top-N gene filter
    #[arg(long, value_name = "N", help_heading = "Transforms")]
    pub top_genes: Option<usize>,
    /// Append PCA to N components
    #[arg(long, value_name = "N", help_heading = "Transforms")]
    pub pca: Option<usize>,
    #[command(flatten)]
    pub kmeans: KMeansArgs,
    /// Rule that picks k when --k is auto or a range
    #[arg(long, value_enum, default_value_t = Rule::Consensus, help_heading = "Clustering")]
    pub rule: Rule,
    /// Consensus clustering subsamples per k (0: none; gene mode above 5,000 genes: none)
    #[arg(long, default_value_t = DEFAULT_RESAMPLES, value_name = "N", help_heading = "Clustering")]
    pub consensus_resamples: usize,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SamplesArg {
    Columns,
    Rows,
}
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MissingArg {
    Error,
    DropGene,
    ImputeRowMean,
}
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DuplicatesArg {
    Error,
    MakeUnique,
}
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ModeArg {
    Samples,
    Genes,
}

impl FitArgs {
    fn read_settings(&self) -> ReadSettings {
        ReadSettings {
            samples_in: match self.samples_in {
                SamplesArg::Columns => SamplesIn::Columns,
                SamplesArg::Rows => SamplesIn::Rows,
            },
            id_column: self.id_column.clone(),
            missing: match self.missing {
                MissingArg::Error => MissingPolicy::Error,
                MissingArg::DropGene => MissingPolicy::DropGene,
                MissingArg::ImputeRowMean => MissingPolicy::ImputeRowMean,
            },
            duplicates: match self.duplicates {
                DuplicatesArg::Error => DuplicateIds::Error,
                DuplicatesArg::MakeUnique => DuplicateIds::MakeUnique,
            },
            geo_label: self.geo_label.clone(),
        }
    }
    fn mode(&self) -> Mode {
        match self.mode {
            ModeArg::Samples => Mode::Samples,
            ModeArg::Genes => Mode::Genes,
        }
    }
}

/// Notes on stderr about what the missing-value and duplicate policies did.
pub fn note_missing(r: &MissingReport, v: &Verbosity) {
    if r.cells > 0 {
        v.note(format!(
            "note: {} missing cells; dropped {} genes, imputed {} cells",
            r.cells, r.genes_dropped, r.cells_imputed
        ));
    }
    if r.genes_renamed > 0 {
        v.note(format!(
            "note: renamed {} repeated gene ids",
            r.genes_renamed
        ));
    }
}

#[derive(Serialize)]
struct Summary<'a> {
    command: &'static str,
    input: &'a str,
    mode: Mode,
    n_samples: usize,
    n_genes_read: usize,
    n_items: usize,
    n_features: usize,
    recipe: &'a str,
    steps: Vec<String>,
    k: usize,
    k_selection: Option<Value>,
    params: &'a kmkit_core::KMeansParams,
    n_iter: usize,
    converged: bool,
    warnings: &'a [String],
    cluster_sizes: &'a [usize],
    quality: &'a Quality,
    contingency: Option<&'a Contingency>,
    modules: Option<Vec<Value>>,
    missing: &'a MissingReport,
    outputs: Vec<&'static str>,
}

use kmkit_cli::print;

pub fn fit(mut args: FitArgs, v: Verbosity) -> anyhow::Result<()> {
    if args.kmeans.n_init.is_none() {
        args.kmeans.n_init = Some(DEFAULT_N_INIT);
    }
    let settings = args.read_settings();
    let mode = args.mode();
    let pb = progress::spinner(&v, "reading the matrix");
    let mut loaded = input::load(args.input.as_deref(), &settings)?;
    pb.finish_and_clear();
    note_missing(&loaded.missing, &v);
    if let Some(path) = &args.labels {
        let cols = match args.labels_columns.as_slice() {
            [a, b] => Some((a.as_str(), b.as_str())),
            _ => None,
        };
        input::attach_labels(&mut loaded.matrix, path, cols)?;
    }
    let m = &loaded.matrix;
    v.detail(format!(
        "{}: {} samples × {} genes",
        loaded.display,
        m.n_samples(),
        m.n_genes()
    ));
    let (recipe_name, recipe) = if args.transform.is_empty() {
        let tweaks = Tweaks {
            top_genes: args.top_genes,
            pca: args.pca,
        };
        let r = recipes::named(&args.recipe, m, mode, tweaks).map_err(usage_error)?;
        (args.recipe.clone(), r)
    } else {
        let mut steps = args.transform.clone();
        if let Some(c) = args.pca {
            steps.push(kmkit_genes::Step::Pca { n_components: c });
        }
        ("custom".to_string(), Recipe::new(steps))
    };
    let (pipeline, _) = recipe.fit_transform(m).context("transforming the matrix")?;
    let state = GeneState {
        mode,
        recipe: recipe_name.clone(),
        pipeline,
        read: settings,
        samples: (mode == Mode::Genes).then(|| m.sample_ids.clone()),
    };
    // Features through the same function predict uses, so predict repeats fit.
    let features = model::features(&state, m)?;
    let default_k = loaded
        .bundled
        .map_or(KChoice::AUTO, |b| KChoice::Fixed(b.k));
    let choice = args.kmeans.k_or(default_k);
    let pb = progress::spinner(
        &v,
        format!(
            "fitting k = {choice} on {} {}",
            features.n_rows(),
            item(mode)
        ),
    );
    let chosen = choose(
        &features,
        choice,
        args.rule,
        &args.kmeans,
        args.consensus_resamples,
    )?;
    pb.finish_and_clear();
    let model = &chosen.model;
    let labels = model.labels();
    let k = model.n_clusters();
    model
        .warnings
        .iter()
        .for_each(|w| v.note(format!("warning: {w}")));
    let truth = if mode == Mode::Samples {
        m.label_codes()
    } else {
        None
    };
    let x = dense_view(&features);
    let q = quality(
        x.as_ref().map(|a| a.view()),
        labels,
        truth.as_ref().map(|(t, _)| t.as_slice()),
        model.inertia,
        args.kmeans.seed,
    );
    let sizes = cluster_sizes(labels, k);
    let contingency = truth
        .as_ref()
        .map(|(t, names)| Contingency::new(labels, k, t, names));
    let mods: Option<Vec<Module>> =
        (mode == Mode::Genes).then(|| modules(&features, model, labels));
    let k_selection = chosen.rule.map(|r| {
        json!({
            "rule": r,
            "chosen": k,
            "suggested": chosen.suggestions.iter().map(|(r, k)| (serde_json::to_value(r).unwrap_or_default().as_str().unwrap_or_default().to_string(), json!(k))).collect::<serde_json::Map<_, _>>(),
            "scores": chosen.sweep.as_ref().map(|s| &s.scores),
            "consensus": chosen.consensus.as_ref().map(|c| c.per_k.iter().map(|p| json!({"k": p.k, "area": p.area, "delta": p.delta, "pac": p.pac})).collect::<Vec<_>>()),
        })
    });
    let mut outputs = Vec::new();
    if args.output.out.is_some() {
        outputs = vec![
            "assignments.csv",
            "centroids.csv",
            "model.json",
            "summary.json",
            "report.html",
        ];
        if contingency.is_some() {
            outputs.push("contingency.csv");
        }
        if mods.is_some() {
            outputs.push("modules.csv");
        }
    }
    let summary = Summary {
        command: "fit",
        input: &loaded.display,
        mode,
        n_samples: m.n_samples(),
        n_genes_read: m.n_genes(),
        n_items: features.n_rows(),
        n_features: features.n_cols(),
        recipe: &recipe_name,
        steps: recipe.steps.iter().map(|s| s.name()).collect(),
        k,
        k_selection,
        params: &model.params,
        n_iter: model.n_iter,
        converged: model.converged,
        warnings: &model.warnings,
        cluster_sizes: &sizes,
        quality: &q,
        contingency: contingency.as_ref(),
        modules: mods.as_ref().map(|ms| {
            ms.iter()
                .map(|m| json!({"module": m.module, "genes": m.genes.len(), "top": m.genes.iter().take(10).map(|g| &g.0).collect::<Vec<_>>()}))
                .collect()
        }),
        missing: &loaded.missing,
        outputs,
    };
    if let Some(mut out) = run::output_dir(args.output.out.as_deref())? {
        let (_, sq) = model.assign(Input::from(&features))?;
        let dist: Vec<f64> = sq.iter().map(|&d| (d as f64).max(0.0).sqrt()).collect();
        let classes = if mode == Mode::Samples {
            m.labels.as_deref()
        } else {
            None
        };
        out.write(
            "assignments.csv",
            &assignments_csv(item_one(mode), &features.row_ids, labels, &dist, classes),
        )?;
        out.write(
            "centroids.csv",
            &centroids_csv(
                &features.feature_names,
                model.centroids.mapv(|c| c as f64).view(),
            ),
        )?;
        out.write(
            "model.json",
            &ModelFile::new(MODEL_KIND, state.clone(), model.clone()).to_json(),
        )?;
        if let Some(c) = &contingency {
            out.write("contingency.csv", &c.to_csv())?;
        }
        if let Some(ms) = &mods {
            out.write("modules.csv", &modules_csv(ms))?;
        }
        let mut settings_list = vec![
            ("input".to_string(), loaded.display.clone()),
            ("mode".into(), item(mode).to_string()),
            (
                "samples × genes read".into(),
                format!("{} × {}", m.n_samples(), m.n_genes()),
            ),
            ("recipe".into(), recipe_name.clone()),
            ("steps".into(), summary.steps.join(" → ")),
            (
                "features".into(),
                format!(
                    "{} {} × {}",
                    features.n_rows(),
                    item(mode),
                    features.n_cols()
                ),
            ),
            ("k".into(), k.to_string()),
            ("seed".into(), args.kmeans.seed.to_string()),
            (
                "n_init".into(),
                model.params.n_init.map_or("auto".into(), |n| n.to_string()),
            ),
        ];
        if let Some(r) = chosen.rule {
            settings_list.push(("k chosen by".into(), format!("{r:?}").to_lowercase()));
        }
        let mut report = run::standard_report(
            &format!("gene-clusters: {}", loaded.display),
            settings_list,
            &features,
            model,
            labels,
            &q,
            chosen.sweep.as_ref(),
        )?;
        report.intro = loaded.bundled.map(|b| b.about.to_string());
        if let Some(c) = &contingency {
            report.cluster_names = c.majority();
        }
        report.sections.extend(domain_sections(
            mode,
            m,
            &state,
            &features,
            labels,
            k,
            &chosen,
            contingency.as_ref(),
            mods.as_deref(),
            args.consensus_resamples,
        )?);
        run::write_report_and_summary(&mut out, &report, &summary)?;
        v.note(format!("wrote {}", out.dir().display()));
    }
    match args.output.format {
        Format::Json => print(&String::from_utf8(kmkit_io::json_bytes(&summary))?),
        Format::Csv => {
            print(&cluster_table(&sizes, contingency.as_ref(), mods.as_deref()).render(Format::Csv))
        }
        Format::Table => {
            let mut head = vec![
                ("input", json!(loaded.display)),
                (
                    "samples × genes",
                    json!(format!("{} × {}", m.n_samples(), m.n_genes())),
                ),
                (
                    "recipe",
                    json!(format!("{recipe_name}: {}", summary.steps.join(" → "))),
                ),
                (
                    "clustered",
                    json!(format!(
                        "{} {} × {} features",
                        features.n_rows(),
                        item(mode),
                        features.n_cols()
                    )),
                ),
                ("k", json!(k)),
            ];
            if let Some(r) = chosen.rule {
                head.push(("k chosen by", json!(format!("{r:?}").to_lowercase())));
            }
            let pairs: Vec<(&str, Value)> =
                q.pairs().into_iter().map(|(k, v)| (k, json!(v))).collect();
            print(
                &(key_values(&head).render(Format::Table)
                    + &key_values(&pairs).render(Format::Table)
                    + &cluster_table(&sizes, contingency.as_ref(), mods.as_deref())
                        .render(Format::Table)),
            )
        }
    }
}

fn item(mode: Mode) -> &'static str {
    match mode {
        Mode::Samples => "samples",
        Mode::Genes => "genes",
    }
}
fn item_one(mode: Mode) -> &'static str {
    match mode {
        Mode::Samples => "sample",
        Mode::Genes => "gene",
    }
}

/// One row per cluster: size, share, and the class counts or top genes.
pub fn cluster_table(
    sizes: &[usize],
    c: Option<&Contingency>,
    mods: Option<&[Module]>,
) -> ResultTable {
    let total: usize = sizes.iter().sum();
    let mut headers = vec!["cluster".to_string(), "size".into(), "share".into()];
    if let Some(c) = c {
        headers.extend(c.classes.iter().cloned());
    }
    if mods.is_some() {
        headers.push("central genes".into());
    }
    let mut t = ResultTable {
        headers,
        rows: Vec::new(),
    };
    for (i, &n) in sizes.iter().enumerate() {
        let mut row = vec![
            json!(i),
            json!(n),
            json!(format!("{:.1}%", 100.0 * n as f64 / total.max(1) as f64)),
        ];
        if let Some(c) = c {
            row.extend(c.counts[i].iter().map(|&x| json!(x)));
        }
        if let Some(ms) = mods {
            row.push(json!(ms[i]
                .genes
                .iter()
                .take(5)
                .map(|g| g.0.as_str())
                .collect::<Vec<_>>()
                .join(" ")));
        }
        t.push(row);
    }
    t
}

#[allow(clippy::too_many_arguments)]
fn domain_sections(
    mode: Mode,
    m: &kmkit_genes::ExpressionMatrix,
    state: &GeneState,
    features: &kmkit_core::Features,
    labels: &[u32],
    k: usize,
    chosen: &gene_clusters::select::Chosen,
    contingency: Option<&Contingency>,
    mods: Option<&[Module]>,
    resamples: usize,
) -> anyhow::Result<Vec<Section>> {
    let mut s = Vec::new();
    // The recipe's output, as clustered (PCs when the recipe ends in PCA).
    let x = state.pipeline.transform(m)?;
    match mode {
        Mode::Samples => {
            let genes = pictures::marker_genes(x.view(), labels, k, HEATMAP_GENES);
            let cols = pictures::order_by_cluster(labels);
            let xt = x.t();
            let truth = m.label_codes().map(|(t, _)| t);
            let png = pictures::heatmap_png(xt, &genes, &cols, None, Some(labels));
            s.push(Section {
                title: "Expression heatmap".into(),
                body: Body::Png(png),
                caption: Some(format!(
                    "{} genes (rows: those whose mean is most above average in one cluster, grouped by that cluster) × {} samples (columns, ordered by cluster; band = cluster{}). Values after the recipe, z-scored per gene, blue low, red high.",
                    genes.len(),
                    m.n_samples(),
                    if truth.is_some() { "; see the contingency table for classes" } else { "" }
                )),
            });
        }
        Mode::Genes => {
            let order = pictures::order_by_cluster(labels);
            let rows: Vec<usize> = kmkit_cli::run::stride_rows(order.len(), HEATMAP_MODULE_ROWS)
                .into_iter()
                .map(|i| order[i])
                .collect();
            let cols: Vec<usize> = match m.label_codes() {
                Some((t, _)) => pictures::order_by_cluster(&t),
                None => (0..m.n_samples()).collect(),
            };
            let truth = m.label_codes().map(|(t, _)| t);
            let xt = x.t();
            let png = pictures::heatmap_png(xt, &rows, &cols, Some(labels), truth.as_deref());
            s.push(Section {
                title: "Module heatmap".into(),
                body: Body::Png(png),
                caption: Some(format!(
                    "{} of {} genes (rows, grouped by module; left band = module) × {} samples (columns{}). z-scored per gene, blue low, red high.",
                    rows.len(),
                    features.n_rows(),
                    m.n_samples(),
                    if truth.is_some() { ", ordered by class; top band = class" } else { "" }
                )),
            });
        }
    }
    if let Some(cons) = &chosen.consensus {
        if let Some(p) = cons.per_k.iter().find(|p| p.k == k) {
            s.push(Section {
                title: format!("Consensus matrix, k = {k}"),
                body: Body::Png(pictures::consensus_png(&p.matrix, labels)),
                caption: Some(format!(
                    "How often two {} fall in the same cluster over {} subsamples of 80% (Monti et al. 2003); white 0, dark blue 1, ordered by the final clusters. PAC = {:.3} (lower is more stable).",
                    item(mode),
                    resamples,
                    p.pac
                )),
            });
        }
        if cons.per_k.len() > 1 {
            s.push(Section {
                title: "Consensus: area under the CDF and Δ(k)".into(),
                body: Body::Table {
                    headers: vec!["k".into(), "area".into(), "Δ(k)".into(), "PAC".into()],
                    rows: cons
                        .per_k
                        .iter()
                        .map(|p| {
                            vec![
                                p.k.to_string(),
                                format!("{:.4}", p.area),
                                format!("{:.4}", p.delta),
                                format!("{:.4}", p.pac),
                            ]
                        })
                        .collect(),
                },
                caption: Some(format!(
                    "Suggested by Δ-area: k = {}; lowest PAC: k = {}.",
                    cons.suggested_k, cons.lowest_pac_k
                )),
            });
        }
    }
    if !chosen.suggestions.is_empty() {
        s.push(Section {
            title: "k suggested by each rule".into(),
            body: Body::Table {
                headers: vec!["rule".into(), "k".into()],
                rows: chosen
                    .suggestions
                    .iter()
                    .map(|(r, k)| {
                        vec![
                            format!("{r:?}").to_lowercase(),
                            k.map_or("-".into(), |k| k.to_string()),
                        ]
                    })
                    .collect(),
            },
            caption: None,
        });
    }
    if let Some(c) = contingency {
        let mut headers = vec!["cluster".to_string()];
        headers.extend(c.classes.iter().cloned());
        s.push(Section {
            title: "Clusters × known classes".into(),
            body: Body::Table {
                headers,
                rows: c
                    .counts
                    .iter()
                    .enumerate()
                    .map(|(i, r)| {
                        std::iter::once(i.to_string())
                            .chain(r.iter().map(|n| n.to_string()))
                            .collect()
                    })
                    .collect(),
            },
            caption: None,
        });
    }
    if let Some(ms) = mods {
        s.push(Section {
            title: "Gene modules".into(),
            body: Body::Table {
                headers: vec![
                    "module".into(),
                    "genes".into(),
                    "most central genes (correlation with the module profile)".into(),
                ],
                rows: ms
                    .iter()
                    .map(|m| {
                        vec![
                            m.module.to_string(),
                            m.genes.len().to_string(),
                            m.genes
                                .iter()
                                .take(8)
                                .map(|(g, r)| format!("{g} ({r:.2})"))
                                .collect::<Vec<_>>()
                                .join(", "),
                        ]
                    })
                    .collect(),
            },
            caption: Some("All members are in modules.csv.".into()),
        });
    }
    Ok(s)
}
