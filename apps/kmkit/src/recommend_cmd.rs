//! `recommend`: user × item interactions → user clusters → for each user the
//! cluster's most common items they have not seen; leave-one-out hit rate
//! against the most-popular baseline.

use std::collections::HashSet;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use kmkit::datasets::datasets_dir;
use kmkit::recommend::{self, hit_rates, leave_one_out, Interactions};
use kmkit_cli::run::{self, dense_view, quality};
use kmkit_cli::{key_values, progress, usage_error, Format, KChoice, KMeansArgs, OutputArgs, ReadArgs, ResultTable, Verbosity};
use kmkit_core::{Features, Metric};
use kmkit_io::{json_bytes, read_table};
use kmkit_report::{Body, Section};
use serde::Serialize;
use serde_json::json;

/// The bundled interactions: December 2010 purchases of the UCI Online Retail data.
const BUNDLED_FILE: &str = "tabular/online_retail/interactions_2010-12.csv.gz";

#[derive(Debug, Args)]
pub struct RecommendArgs {
    /// Interactions table (one row per user–item pair) or `online_retail` [default: online_retail]
    pub interactions: Option<String>,
    /// User column [default: the first column]
    #[arg(long, help_heading = "Recommendations")]
    pub user: Option<String>,
    /// Item column [default: the second column]
    #[arg(long, help_heading = "Recommendations")]
    pub item: Option<String>,
    /// Items recommended per user (and the N of the hit rate)
    #[arg(long, default_value_t = 10, help_heading = "Recommendations")]
    pub top: usize,
    /// Show the recommendations of this user
    #[arg(long = "for", value_name = "USER", help_heading = "Recommendations")]
    pub for_user: Option<String>,
    #[command(flatten)]
    pub read: ReadArgs,
    #[command(flatten)]
    pub kmeans: KMeansArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Serialize)]
struct Summary<'a> {
    command: &'static str,
    input: &'a str,
    n_users: usize,
    n_items: usize,
    n_interactions: usize,
    k: usize,
    top: usize,
    n_held_out: usize,
    hit_rate: f64,
    hit_rate_most_popular: f64,
    cluster_sizes: &'a [usize],
}

pub fn recommend(args: RecommendArgs, v: Verbosity) -> anyhow::Result<()> {
    let (path, display) = match args.interactions.as_deref() {
        None | Some("online_retail") => (datasets_dir().join(BUNDLED_FILE), "online_retail".to_string()),
        Some(p) => (PathBuf::from(p), p.to_string()),
    };
    let k = match args.kmeans.k_or(KChoice::Fixed(8)) {
        KChoice::Fixed(k) => k,
        KChoice::Range { .. } => return Err(usage_error("recommend takes a fixed number of user clusters: -k N")),
    };
    if args.top == 0 {
        return Err(usage_error("--top must be at least 1"));
    }
    let pb = progress::spinner(&v, format!("reading {display}"));
    let table = read_table(&path, &args.read.read_options())?;
    if table.columns.len() < 2 {
        return Err(usage_error(format!("{display} has {} column(s): give a user column and an item column", table.columns.len())));
    }
    let user_col = args.user.clone().unwrap_or_else(|| table.columns[0].name.clone());
    let item_col = args.item.clone().unwrap_or_else(|| table.columns[1].name.clone());
    let inter = Interactions::from_table(&table, &user_col, &item_col)?;
    let by_user = inter.by_user();
    let params = args.kmeans.params(k).metric(Metric::Cosine);
    pb.set_message("clustering users (held-out split)");
    let (train, test) = leave_one_out(&by_user, args.kmeans.seed);
    let eval = recommend::fit(&train, inter.items.len(), &params).context("clustering the users of the training split")?;
    let (hit, base) = hit_rates(&eval, &train, &test, args.top);
    pb.set_message("clustering all users");
    let rec = recommend::fit(&by_user, inter.items.len(), &params).context("clustering the users")?;
    pb.finish_and_clear();
    let sizes = run::cluster_sizes(&rec.labels, rec.model.n_clusters());
    let summary = Summary {
        command: "recommend",
        input: &display,
        n_users: inter.users.len(),
        n_items: inter.items.len(),
        n_interactions: inter.pairs.len(),
        k: rec.model.n_clusters(),
        top: args.top,
        n_held_out: test.len(),
        hit_rate: hit,
        hit_rate_most_popular: base,
        cluster_sizes: &sizes,
    };
    let mut clusters = ResultTable::new(&["cluster", "users", "most common items"]);
    for (c, items) in rec.cluster_items.iter().enumerate() {
        let names: Vec<String> = items.iter().take(3).map(|(i, s)| format!("{} ({:.0}%)", inter.items[*i as usize], 100.0 * s)).collect();
        clusters.push(vec![json!(c), json!(sizes[c]), json!(names.join(", "))]);
    }
    let for_user = match &args.for_user {
        Some(name) => {
            let u = inter.users.iter().position(|x| x == name).ok_or_else(|| usage_error(format!("no user {name:?} in {display}")))?;
            let seen: HashSet<u32> = by_user[u].iter().copied().collect();
            let mut t = ResultTable::new(&["rank", "item", "share of cluster"]);
            for (r, (i, s)) in rec.recommend(u, &seen, args.top).into_iter().enumerate() {
                t.push(vec![json!(r + 1), json!(inter.items[i as usize]), json!(s)]);
            }
            Some(t)
        }
        None => None,
    };
    if let Some(mut out) = run::output_dir(args.output.out.as_deref())? {
        out.write_with("recommendations.csv", |w| {
            let mut csv = csv_writer(w);
            csv.write_record(["user", "cluster", "rank", "item", "share_of_cluster"])?;
            for (u, items) in by_user.iter().enumerate() {
                let seen: HashSet<u32> = items.iter().copied().collect();
                for (r, (i, s)) in rec.recommend(u, &seen, args.top).into_iter().enumerate() {
                    csv.write_record([&inter.users[u], &rec.labels[u].to_string(), &(r + 1).to_string(), &inter.items[i as usize], &s.to_string()])?;
                }
            }
            csv.flush()
        })?;
        let x = recommend::user_matrix(&by_user, inter.items.len())?.l2_normalized();
        let features = Features::sparse(x);
        let dense = dense_view(&features);
        let q = quality(dense.as_ref().map(|a| a.view()), &rec.labels, None, rec.model.inertia, args.kmeans.seed);
        let settings = vec![
            ("input".to_string(), display.clone()),
            ("users × items".into(), format!("{} × {}", inter.users.len(), inter.items.len())),
            ("interactions".into(), inter.pairs.len().to_string()),
            ("k (user clusters)".into(), k.to_string()),
            ("metric".into(), "cosine (spherical k-means)".into()),
            ("seed".into(), args.kmeans.seed.to_string()),
        ];
        let mut report = run::standard_report(&format!("kmkit recommend: {display}"), settings, &features, &rec.model, &rec.labels, &q, None)?;
        report.metrics.insert(0, (format!("hit rate@{} (clusters)", args.top), format!("{hit:.4}")));
        report.metrics.insert(1, (format!("hit rate@{} (most popular)", args.top), format!("{base:.4}")));
        report.cluster_names = clusters.rows.iter().map(|r| r[2].as_str().unwrap_or_default().to_string()).collect();
        report.sections.push(Section {
            title: "Evaluation".into(),
            body: Body::Text(format!(
                "One purchase per customer with at least two was held out ({} customers); users were clustered on the rest. \
                 A hit is a held-out item among the {} recommended.",
                test.len(),
                args.top
            )),
            caption: None,
        });
        run::write_report_and_summary(&mut out, &report, &summary)?;
        v.note(format!("wrote {}", out.dir().display()));
    }
    let text = match args.output.format {
        Format::Json => String::from_utf8(json_bytes(&summary))?,
        Format::Csv => for_user.as_ref().unwrap_or(&clusters).render(Format::Csv),
        Format::Table => {
            let head = key_values(&[
                ("users × items", json!(format!("{} × {}", summary.n_users, summary.n_items))),
                ("k (user clusters)", json!(summary.k)),
                ("held-out customers", json!(summary.n_held_out)),
                (&format!("hit rate@{} (clusters)", args.top), json!(hit)),
                (&format!("hit rate@{} (most popular)", args.top), json!(base)),
            ]);
            let mut s = head.render(Format::Table) + &clusters.render(Format::Table);
            if let Some(t) = &for_user {
                s += &t.render(Format::Table);
            }
            s
        }
    };
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(())
}

fn csv_writer(w: &mut dyn std::io::Write) -> CsvOut<'_> {
    CsvOut { w }
}

/// A minimal CSV row writer over `dyn Write` (quotes fields when needed).
struct CsvOut<'a> {
    w: &'a mut dyn std::io::Write,
}

impl CsvOut<'_> {
    fn write_record<S: AsRef<str>>(&mut self, fields: impl IntoIterator<Item = S>) -> std::io::Result<()> {
        let mut first = true;
        for f in fields {
            if !first {
                self.w.write_all(b",")?;
            }
            first = false;
            let f = f.as_ref();
            if f.contains([',', '"', '\n', '\r']) {
                write!(self.w, "\"{}\"", f.replace('"', "\"\""))?;
            } else {
                self.w.write_all(f.as_bytes())?;
            }
        }
        self.w.write_all(b"\n")
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.w.flush()
    }
}
