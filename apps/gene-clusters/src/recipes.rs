//! Named recipes (`--recipe`) and custom step lists (`--transform`).
//!
//! | name | steps |
//! |---|---|
//! | `standard` (default) | [`kmkit_genes::default_recipe`]: by scale — intensities: floor 100, ceiling 16000, Dudoit filter, log10; counts: normalize_total, log2(x+1), top 200 by variance; log-scale: top 200 by variance. Gene mode: then top 1000 genes by variance. |
//! | `dudoit` | floor 100, ceiling 16000, Dudoit (max/min > 5, max−min > 500), log10, z-score per sample |
//! | `top-variance` | the scale's log (none / log10 after floor 100 / log2(x+1)), top N genes by variance (`--top-genes`, 200), z-score per gene |
//! | `correlation` | the scale's log, top N by variance, centre each gene, z-score per sample: Euclidean distance between samples is then `2·d·(1 − r)`, r the centred Pearson correlation |
//! | `raw` | nothing |
//!
//! `--pca N` appends PCA to N components to any recipe.

use kmkit_genes::{
    default_recipe, detect_scale, ExpressionMatrix, Mode, Recipe, Scale, Step, ZAxis,
    DEFAULT_TOP_GENES,
};

/// The named recipes, in the order of the help text.
pub const RECIPES: &[&str] = &["standard", "dudoit", "top-variance", "correlation", "raw"];

/// The default of `--recipe`.
pub const DEFAULT_RECIPE: &str = "standard";

/// Knobs that adjust a named recipe.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tweaks {
    /// Replaces N of every top-N gene filter.
    pub top_genes: Option<usize>,
    /// Appends PCA to this many components.
    pub pca: Option<usize>,
}

fn scale_log(m: &ExpressionMatrix) -> Vec<Step> {
    match detect_scale(m) {
        Scale::Intensities => vec![
            Step::Floor { value: 100.0 },
            Step::Ceiling { value: 16000.0 },
            Step::Log10,
        ],
        Scale::Counts => vec![Step::NormalizeTotal { target_sum: None }, Step::Log2p1],
        Scale::Log => vec![],
    }
}

/// The recipe called `name` for this matrix and mode, with `tweaks` applied.
pub fn named(
    name: &str,
    m: &ExpressionMatrix,
    mode: Mode,
    tweaks: Tweaks,
) -> Result<Recipe, String> {
    let top = tweaks.top_genes.unwrap_or(DEFAULT_TOP_GENES);
    let mut steps = match name {
        "standard" => default_recipe(m, mode).steps,
        "dudoit" => vec![
            Step::Floor { value: 100.0 },
            Step::Ceiling { value: 16000.0 },
            Step::Dudoit {
                min_ratio: 5.0,
                min_diff: 500.0,
            },
            Step::Log10,
            Step::ZScore {
                axis: ZAxis::Samples,
                ddof: 0,
            },
        ],
        "top-variance" => {
            let mut s = scale_log(m);
            s.push(Step::TopVariance { n: top });
            s.push(Step::ZScore {
                axis: ZAxis::Genes,
                ddof: 0,
            });
            s
        }
        "correlation" => {
            let mut s = scale_log(m);
            s.push(Step::TopVariance { n: top });
            s.push(Step::CenterGenes);
            s.push(Step::ZScore {
                axis: ZAxis::Samples,
                ddof: 0,
            });
            s
        }
        "raw" => vec![],
        other => {
            return Err(format!(
                "unknown recipe {other:?}: use one of {}",
                RECIPES.join(", ")
            ))
        }
    };
    if let Some(n) = tweaks.top_genes {
        for s in &mut steps {
            if let Step::TopVariance { n: t } | Step::TopMad { n: t } = s {
                *t = n;
            }
        }
    }
    if let Some(c) = tweaks.pca {
        steps.push(Step::Pca { n_components: c });
    }
    Ok(Recipe::new(steps))
}

/// Parses one `--transform` step: `floor:V`, `ceiling:V`, `log2p1`, `log10`,
/// `normalize-total[:TARGET]`, `top-var:N`, `top-mad:N`,
/// `dudoit[:RATIO:DIFF]`, `center-genes`, `zscore-gene[:DDOF]`,
/// `zscore-sample[:DDOF]`, `pca:N`.
pub fn parse_step(s: &str) -> Result<Step, String> {
    let mut parts = s.trim().split(':');
    let name = parts.next().unwrap_or_default();
    let args: Vec<&str> = parts.collect();
    let num = |i: usize, what: &str| -> Result<f64, String> {
        args.get(i)
            .ok_or_else(|| format!("{name} needs {what} (e.g. {name}:100)"))?
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| format!("{s:?}: {what} must be a number"))
    };
    let count = |i: usize, what: &str| -> Result<usize, String> {
        args.get(i)
            .ok_or_else(|| format!("{name} needs {what} (e.g. {name}:200)"))?
            .parse::<usize>()
            .map_err(|_| format!("{s:?}: {what} must be a whole number"))
    };
    let ddof = || -> Result<u8, String> {
        match args.first() {
            None | Some(&"0") => Ok(0),
            Some(&"1") => Ok(1),
            Some(other) => Err(format!("{s:?}: ddof {other} must be 0 or 1")),
        }
    };
    let arity = |max: usize| -> Result<(), String> {
        if args.len() > max {
            Err(format!("{s:?}: too many ':' parts"))
        } else {
            Ok(())
        }
    };
    let step = match name {
        "floor" => Step::Floor {
            value: num(0, "a value")?,
        },
        "ceiling" => Step::Ceiling {
            value: num(0, "a value")?,
        },
        "log2p1" | "log2" | "log1p" => Step::Log2p1,
        "log10" => Step::Log10,
        "normalize-total" => Step::NormalizeTotal {
            target_sum: if args.is_empty() {
                None
            } else {
                Some(num(0, "a target total")?)
            },
        },
        "top-var" => Step::TopVariance {
            n: count(0, "a gene count")?,
        },
        "top-mad" => Step::TopMad {
            n: count(0, "a gene count")?,
        },
        "dudoit" => {
            if args.is_empty() {
                Step::Dudoit {
                    min_ratio: 5.0,
                    min_diff: 500.0,
                }
            } else {
                Step::Dudoit {
                    min_ratio: num(0, "a max/min ratio")?,
                    min_diff: num(1, "a max−min difference")?,
                }
            }
        }
        "center-genes" => Step::CenterGenes,
        "zscore-gene" => Step::ZScore {
            axis: ZAxis::Genes,
            ddof: ddof()?,
        },
        "zscore-sample" => Step::ZScore {
            axis: ZAxis::Samples,
            ddof: ddof()?,
        },
        "pca" => Step::Pca {
            n_components: count(0, "a number of components")?,
        },
        other => {
            return Err(format!(
            "unknown step {other:?}: use floor:V, ceiling:V, log2p1, log10, normalize-total[:T], \
                 top-var:N, top-mad:N, dudoit[:RATIO:DIFF], center-genes, zscore-gene[:DDOF], \
                 zscore-sample[:DDOF] or pca:N"
        ))
        }
    };
    arity(match name {
        "dudoit" => 2,
        "log2p1" | "log2" | "log1p" | "log10" | "center-genes" => 0,
        _ => 1,
    })?;
    Ok(step)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_parse_and_bad_ones_say_why() {
        assert_eq!(parse_step("floor:100"), Ok(Step::Floor { value: 100.0 }));
        assert_eq!(
            parse_step("zscore-gene:1"),
            Ok(Step::ZScore {
                axis: ZAxis::Genes,
                ddof: 1
            })
        );
        assert_eq!(
            parse_step("dudoit"),
            Ok(Step::Dudoit {
                min_ratio: 5.0,
                min_diff: 500.0
            })
        );
        assert_eq!(parse_step("top-var:50"), Ok(Step::TopVariance { n: 50 }));
        assert!(parse_step("zscore-sample:2")
            .unwrap_err()
            .contains("0 or 1"));
        assert!(parse_step("floor").unwrap_err().contains("needs"));
        assert!(parse_step("log10:3").unwrap_err().contains("too many"));
        assert!(parse_step("magic").unwrap_err().contains("unknown step"));
    }
}
