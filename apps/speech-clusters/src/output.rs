//! Output shared by the modes: stdout, notes about dropped files, the
//! segments CSV and the per-cluster table.

use kmkit_cli::{ResultTable, Verbosity};
use kmkit_speech::Clip;
use serde_json::json;
use speech_clusters::labels::Composition;
use speech_clusters::pipeline::Prepared;

pub use kmkit_cli::print;

/// Notes on stderr: every dropped file or segment (the first 10, then a
/// count) and clipped files.
pub fn note_prepared(p: &Prepared, v: &Verbosity) {
    if !p.dropped.is_empty() {
        v.note(format!(
            "note: left out {} of {} clips (listed under \"dropped\" in summary.json):",
            p.dropped.len(),
            p.clips.len() + p.dropped.len()
        ));
        for d in p.dropped.iter().take(10) {
            v.note(format!("  {}: {}", d.source.display(), d.reason));
        }
        if p.dropped.len() > 10 {
            v.note(format!("  … and {} more", p.dropped.len() - 10));
        }
    }
    for (id, share) in &p.clipped {
        v.note(format!(
            "note: {id}: {:.1}% of samples at full scale (clipped); kept",
            100.0 * share
        ));
    }
}

/// `file,segment,start,end,cluster,distance[,label]`: one row per clip.
pub fn segments_csv(
    clips: &[Clip],
    clusters: &[u32],
    distances: &[f64],
    labels: Option<&[Option<String>]>,
) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["file", "segment", "start", "end", "cluster", "distance"];
    if labels.is_some() {
        header.push("label");
    }
    w.write_record(&header)?;
    for (i, clip) in clips.iter().enumerate() {
        let mut row = vec![
            clip.source.display().to_string(),
            clip.id.clone(),
            format!("{:.4}", clip.start_seconds()),
            format!("{:.4}", clip.end_seconds()),
            clusters[i].to_string(),
            format!("{:.6}", distances[i]),
        ];
        if let Some(l) = labels {
            row.push(l[i].clone().unwrap_or_default());
        }
        w.write_record(&row)?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

/// One row per cluster: size, share, files, mean duration and, with labels,
/// the majority label and its share.
pub fn cluster_table(
    clips: &[Clip],
    clusters: &[u32],
    k: usize,
    compositions: Option<&[Composition]>,
) -> ResultTable {
    let mut t = ResultTable::new(if compositions.is_some() {
        &[
            "cluster",
            "clips",
            "share",
            "files",
            "mean seconds",
            "majority label",
            "purity",
        ]
    } else {
        &["cluster", "clips", "share", "files", "mean seconds"]
    });
    let total = clips.len().max(1) as f64;
    for c in 0..k {
        let members: Vec<&Clip> = clips
            .iter()
            .zip(clusters)
            .filter(|(_, &l)| l as usize == c)
            .map(|(clip, _)| clip)
            .collect();
        let mut files: Vec<&std::path::Path> = members.iter().map(|m| m.source.as_path()).collect();
        files.sort();
        files.dedup();
        let seconds =
            members.iter().map(|m| m.audio.duration()).sum::<f64>() / members.len().max(1) as f64;
        let mut row = vec![
            json!(c),
            json!(members.len()),
            json!(format!("{:.1}%", 100.0 * members.len() as f64 / total)),
            json!(files.len()),
            json!(seconds),
        ];
        if let Some(comp) = compositions {
            match comp[c].majority() {
                Some((label, share)) => {
                    row.push(json!(label));
                    row.push(json!(format!("{:.1}%", 100.0 * share)));
                }
                None => {
                    row.push(json!(null));
                    row.push(json!(null));
                }
            }
        }
        t.push(row);
    }
    t
}
