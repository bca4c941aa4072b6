//! `basket`: market-basket clusters — customers (or invoices) × products,
//! spherical k-means, and the top products of each cluster.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};
use kmkit_cli::run::{self, dense_view, quality};
use kmkit_cli::{
    fit_k, progress, usage_error, Format, KChoice, KMeansArgs, KRule, OutputArgs, Verbosity,
};
use kmkit_core::Metric;
use kmkit_io::{labels_csv, ModelFile};
use kmkit_report::{Body, Section};
use kmkit_rfm::{BasketConfig, BasketRows, BasketVocabulary, BasketWeight};
use rfm_segments::input::{self, FormatArgs};
use rfm_segments::{tables, BasketState, BASKET_MODEL_KIND};
use serde_json::json;

use crate::print;

/// k when none is given.
pub const DEFAULT_K: usize = 6;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RowsArg {
    /// One row per customer: everything they bought
    Customer,
    /// One row per invoice: one shopping basket
    Invoice,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum WeightArg {
    /// 1 if bought
    Binary,
    /// Total quantity bought
    Quantity,
}

#[derive(Debug, Args)]
pub struct BasketArgs {
    /// Line-item files with a product column [default: the bundled Online Retail sample]
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub format: FormatArgs,
    /// What a row of the basket matrix is
    #[arg(long, value_enum, default_value_t = RowsArg::Customer, help_heading = "Baskets")]
    pub rows: RowsArg,
    /// What a cell holds
    #[arg(long, value_enum, default_value_t = WeightArg::Binary, help_heading = "Baskets")]
    pub weight: WeightArg,
    /// Keep products bought in at least N rows
    #[arg(long, default_value_t = 2, value_name = "N", help_heading = "Baskets")]
    pub min_support: usize,
    /// Products listed per cluster
    #[arg(long, default_value_t = 8, value_name = "N", help_heading = "Baskets")]
    pub top: usize,
    #[command(flatten)]
    pub kmeans: KMeansArgs,
    /// Rule that picks k when --k is auto or a range
    #[arg(long, value_enum, default_value_t = KRule::Silhouette, help_heading = "Clustering")]
    pub rule: KRule,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn basket(mut args: BasketArgs, v: Verbosity) -> anyhow::Result<()> {
    let pb = progress::spinner(&v, "reading transactions");
    let loaded = input::load(&args.files, &args.format, None)?;
    pb.finish_and_clear();
    let tx = &loaded.tx;
    v.note(format!("ledger: {}", tx.ledger.summary()));
    let config = BasketConfig {
        rows: match args.rows {
            RowsArg::Customer => BasketRows::Customer,
            RowsArg::Invoice => BasketRows::Invoice,
        },
        weight: match args.weight {
            WeightArg::Binary => BasketWeight::Binary,
            WeightArg::Quantity => BasketWeight::Quantity,
        },
        min_rows_per_product: args.min_support,
    };
    let (vocab, b) = BasketVocabulary::fit(tx, &config).map_err(|e| match e {
        kmkit_rfm::RfmError::NoProducts | kmkit_rfm::RfmError::InvalidParam { .. } => {
            usage_error(e.to_string())
        }
        other => anyhow::Error::new(other),
    })?;
    if !b.empty_rows.is_empty() {
        v.note(format!(
            "note: {} baskets have only products bought fewer than {} times and are left out",
            b.empty_rows.len(),
            args.min_support
        ));
    }
    let n = b.features.n_rows();
    let choice = match args.kmeans.k {
        Some(KChoice::Fixed(k)) if k > n => {
            return Err(usage_error(format!(
                "-k {k} asks for more clusters than the {n} baskets: lower -k"
            )))
        }
        Some(c) => c,
        None => KChoice::Fixed(DEFAULT_K.min(n)),
    };
    // Spherical k-means: baskets are compared by what they hold, not how much.
    args.kmeans.metric = Metric::Cosine;
    let pb = progress::spinner(&v, format!("fitting k = {choice} on {n} baskets"));
    let fitted = fit_k(&b.features, choice, args.rule, &args.kmeans)?;
    pb.finish_and_clear();
    let model = &fitted.model;
    let labels = model.labels();
    let k = model.n_clusters();
    let top = vocab.top_products(model.centroids.view(), args.top)?;
    let sizes = run::cluster_sizes(labels, k);
    let words: Vec<String> = top
        .iter()
        .map(|ps| {
            ps.iter()
                .take(3)
                .map(|(p, _)| {
                    if p.description.is_empty() {
                        p.id.clone()
                    } else {
                        p.description.clone()
                    }
                })
                .collect::<Vec<_>>()
                .join("; ")
        })
        .collect();
    let x = dense_view(&b.features);
    let q = quality(
        x.as_ref().map(|a| a.view()),
        labels,
        None,
        model.inertia,
        args.kmeans.seed,
    );
    let table = tables::basket_table(&sizes, &top);
    let mut summary = json!({
        "command": "basket",
        "input": loaded.display,
        "layout": loaded.layout,
        "ledger": tx.ledger,
        "rows": format!("{:?}", args.rows).to_lowercase(),
        "n_baskets": n,
        "n_products": vocab.products.len(),
        "empty_baskets": b.empty_rows.len(),
        "k": k,
        "params": model.params,
        "n_iter": model.n_iter,
        "converged": model.converged,
        "cluster_sizes": sizes,
        "clusters": table.to_json(),
        "quality": q,
        "outputs": [],
    });
    if let Some(mut out) = run::output_dir(args.output.out.as_deref())? {
        summary["outputs"] = json!([
            "baskets.csv",
            "top_products.csv",
            "model.json",
            "summary.json",
            "report.html"
        ]);
        out.write("baskets.csv", &labels_csv(&b.features.row_ids, labels, &[]))?;
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(["cluster", "rank", "product", "description", "weight"])?;
        for (c, ps) in top.iter().enumerate() {
            for (r, (p, wt)) in ps.iter().enumerate() {
                w.write_record([
                    c.to_string(),
                    (r + 1).to_string(),
                    p.id.clone(),
                    p.description.clone(),
                    wt.to_string(),
                ])?;
            }
        }
        out.write(
            "top_products.csv",
            &w.into_inner().context("writing top_products.csv")?,
        )?;
        let file = ModelFile::new(
            BASKET_MODEL_KIND,
            BasketState {
                format: loaded.format.clone(),
                vocabulary: vocab.clone(),
            },
            model.clone(),
        );
        out.write("model.json", &file.to_json())?;
        let settings = vec![
            ("input".to_string(), loaded.display.clone()),
            ("rows".into(), format!("{:?}", args.rows).to_lowercase()),
            ("products".into(), vocab.products.len().to_string()),
            ("metric".into(), "cosine (spherical k-means)".into()),
            ("k".into(), k.to_string()),
            ("seed".into(), model.params.seed.to_string()),
        ];
        let mut report = run::standard_report(
            &format!("rfm-segments basket: {}", loaded.display),
            settings,
            &b.features,
            model,
            labels,
            &q,
            fitted.sweep.as_ref(),
        )?;
        report.intro = Some(format!(
            "{} — {n} baskets over {} products in {k} clusters.",
            tx.ledger.summary(),
            vocab.products.len()
        ));
        report.cluster_names = words.clone();
        report.sections.push(Section {
            title: "Top products per cluster".into(),
            body: Body::Table {
                headers: table.headers.clone(),
                rows: table
                    .rows
                    .iter()
                    .map(|r| r.iter().map(kmkit_cli::readable).collect())
                    .collect(),
            },
            caption: Some(
                "Products with the largest weight in each (unit-length) centroid.".into(),
            ),
        });
        run::write_report_and_summary(&mut out, &report, &summary)?;
        v.note(format!("wrote {}", out.dir().display()));
    }
    match args.output.format {
        Format::Json => print(&String::from_utf8(kmkit_io::json_bytes(&summary))?),
        f => print(&table.render(f)),
    }
}
