//! Held-out validation, two ways, through the prediction path (`predict::view_logits`):
//! crops drawn one by one by the training renderer at capture size, and boxes cut from whole
//! game frames (`frames`). Both use backgrounds training never sees. The softmax temperature
//! is fitted on the first set (which has "no item" crops) and used for both.

use image::DynamicImage;
use rayon::prelude::*;
use tch::{Device, Kind, Tensor};

use super::EngineError;
use super::checkpoint::Checkpoint;
use super::frames;
use super::predict::{mean_view_probabilities, view_logits};
use super::recipe::{Recipe, StyleMetrics, ValidationSet};
use super::synth::{SampleSpec, Split, Style, SynthAssets, render, sample_seed};

/// What validation measured.
#[derive(Clone, Debug, PartialEq)]
pub struct Validation {
    pub temperature: f64,
    pub styles: Vec<StyleMetrics>,
    /// Mean calibrated top item score on held-out item crops and on crops with no item.
    pub mean_top_score_items: f64,
    pub mean_top_score_no_item: f64,
}

/// Held-out crop specs: each class in both styles on validation backgrounds, plus "no item".
pub fn validation_specs(classes: usize, per_class: u32, seed: u64) -> Vec<SampleSpec> {
    let mut specs = Vec::new();
    let mut index = 0u64;
    let mut next = || {
        index += 1;
        sample_seed(seed ^ 0x0A11_D8ED, index)
    };
    for style in [Style::Screenshot, Style::Phone] {
        for class in 0..classes {
            for _ in 0..per_class {
                specs.push(SampleSpec {
                    class: Some(class),
                    style,
                    split: Split::Validation,
                    seed: next(),
                });
            }
        }
    }
    let no_item = (classes as u32 * per_class / 8).clamp(32, 400);
    for i in 0..no_item {
        let style = if i % 2 == 0 {
            Style::Screenshot
        } else {
            Style::Phone
        };
        specs.push(SampleSpec {
            class: None,
            style,
            split: Split::Validation,
            seed: next(),
        });
    }
    specs
}

/// Frame crops per class and style for `per_class` renderer crops: a quarter, at least one.
pub fn frame_crops_per_class(per_class: u32) -> u32 {
    (per_class / 4).max(1)
}

/// Validates `ckpt` on both sets; None when `cancelled` turns true (checked between chunks).
pub fn validate(
    ckpt: &Checkpoint,
    assets: &SynthAssets,
    recipe: &Recipe,
    device: Device,
    cancelled: &dyn Fn() -> bool,
) -> Result<Option<Validation>, EngineError> {
    let classes = assets.classes();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(super::cores())
        .build()
        .map_err(|e| EngineError::Other(format!("cannot start validation threads: {e}")))?;

    // Crops at capture size (3x the input), rendered a chunk at a time to bound memory.
    let specs = validation_specs(classes, recipe.validation_per_class, recipe.seed);
    let capture_size = recipe.input_size * 3;
    let mut chunks: Vec<Tensor> = Vec::new();
    for chunk in specs.chunks(512) {
        if cancelled() {
            return Ok(None);
        }
        let crops: Vec<DynamicImage> = pool.install(|| {
            chunk
                .par_iter()
                .map(|s| DynamicImage::ImageRgb8(render(assets, *s, capture_size, &recipe.synth)))
                .collect()
        });
        chunks.push(view_logits(ckpt, &crops, device)?);
    }
    if cancelled() {
        return Ok(None);
    }
    let logits = Tensor::f_cat(&chunks, 0)?;
    let labels: Vec<i64> = specs
        .iter()
        .map(|s| s.class.unwrap_or(classes) as i64)
        .collect();
    let temperature = fit_temperature(&logits, &labels)?;
    let probs = mean_view_probabilities(&logits, temperature)?;
    let ranks = label_ranks(&probs, &labels, classes as i64)?;
    let mut styles = Vec::new();
    for style in [Style::Screenshot, Style::Phone] {
        let of_style = specs
            .iter()
            .zip(&ranks)
            .filter(|(s, _)| s.class.is_some() && s.style == style)
            .map(|(_, r)| *r);
        styles.push(style_metrics(ValidationSet::Crops, style, of_style));
    }
    let top = Vec::<f32>::try_from(probs.f_narrow(1, 0, classes as i64)?.f_max_dim(1, false)?.0)?;
    let mean_of = |item: bool| {
        let v: Vec<f64> = specs
            .iter()
            .zip(&top)
            .filter(|(s, _)| s.class.is_some() == item)
            .map(|(_, t)| f64::from(*t))
            .collect();
        v.iter().sum::<f64>() / v.len().max(1) as f64
    };

    styles.extend(validate_frames(
        ckpt,
        assets,
        recipe,
        temperature,
        &pool,
        device,
    )?);
    Ok(Some(Validation {
        temperature,
        styles,
        mean_top_score_items: mean_of(true),
        mean_top_score_no_item: mean_of(false),
    }))
}

/// Top-k on boxes cut from whole frames, per style.
fn validate_frames(
    ckpt: &Checkpoint,
    assets: &SynthAssets,
    recipe: &Recipe,
    temperature: f64,
    pool: &rayon::ThreadPool,
    device: Device,
) -> Result<Vec<StyleMetrics>, EngineError> {
    let crops = pool.install(|| {
        frames::validation_crops(
            assets,
            frame_crops_per_class(recipe.validation_per_class),
            recipe.seed ^ 0xF4A3,
            &recipe.synth,
        )
    });
    // The images move into the forward pass; labels and styles stay for the figures.
    let mut images: Vec<DynamicImage> = Vec::with_capacity(crops.len());
    let mut labels: Vec<i64> = Vec::with_capacity(crops.len());
    let mut styles: Vec<Style> = Vec::with_capacity(crops.len());
    for c in crops {
        images.push(c.image);
        labels.push(c.class as i64);
        styles.push(c.style);
    }
    let probs = mean_view_probabilities(&view_logits(ckpt, &images, device)?, temperature)?;
    let ranks = label_ranks(&probs, &labels, assets.classes() as i64)?;
    Ok([Style::Screenshot, Style::Phone]
        .into_iter()
        .map(|style| {
            let of_style = styles
                .iter()
                .zip(&ranks)
                .filter(|(s, _)| **s == style)
                .map(|(_, r)| *r);
            style_metrics(ValidationSet::Frames, style, of_style)
        })
        .collect())
}

fn style_metrics(
    set: ValidationSet,
    style: Style,
    ranks: impl Iterator<Item = i64>,
) -> StyleMetrics {
    let ranks: Vec<i64> = ranks.collect();
    let n = ranks.len().max(1) as f64;
    let share = |k: i64| ranks.iter().filter(|r| **r < k).count() as f64 / n;
    StyleMetrics {
        set,
        style,
        samples: ranks.len(),
        top1: share(1),
        top5: share(5),
        top10: share(10),
    }
}

/// For each row, the rank (0-based) of `labels[i]` among the item classes (rows whose label
/// is "no item" rank 0).
pub fn label_ranks(
    scores: &Tensor,
    labels: &[i64],
    item_classes: i64,
) -> Result<Vec<i64>, EngineError> {
    let items = scores.f_narrow(1, 0, item_classes)?;
    let label = Tensor::f_from_slice(labels)?
        .f_clamp_max(item_classes - 1)?
        .f_view([-1, 1])?;
    let own = items.f_gather(1, &label, false)?;
    let better = items
        .f_gt_tensor(&own)?
        .f_sum_dim_intlist(1, false, Kind::Int64)?;
    Ok(Vec::<i64>::try_from(better)?)
}

/// The softmax temperature minimising the negative log-likelihood of the view-averaged
/// probabilities, exactly as prediction computes them.
pub fn fit_temperature(view_logits: &Tensor, labels: &[i64]) -> Result<f64, EngineError> {
    let target = Tensor::f_from_slice(labels)?;
    let mut best = (f64::INFINITY, 1.0);
    for i in 0..=76 {
        let t = 0.2 + i as f64 * 0.05;
        let log_probs = mean_view_probabilities(view_logits, t)?
            .f_clamp_min(1e-12)?
            .f_log()?;
        let nll = f64::try_from(log_probs.f_nll_loss(
            &target,
            None::<Tensor>,
            tch::Reduction::Mean,
            -100,
        )?)?;
        if nll < best.0 {
            best = (nll, t);
        }
    }
    Ok(best.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_count_better_classes() {
        let logits = Tensor::from_slice(&[0.1f32, 0.9, 0.5, 0.0, 0.3, 0.2, 0.1, 5.0]).view([2, 4]);
        // Row 0: label 2 (0.5) is beaten by 0.9 only; row 1: label 0 (0.3) is best among items.
        assert_eq!(label_ranks(&logits, &[2, 0], 3).unwrap(), vec![1, 0]);
    }

    #[test]
    fn temperature_fit_prefers_sharper_scores_for_confident_right_answers() {
        // Two views, right every time with a margin: a low temperature fits best.
        let logits =
            Tensor::from_slice(&[3.0f32, 0.0, 3.0, 0.0, 0.0, 3.0, 0.0, 3.0]).view([2, 2, 2]);
        assert!(fit_temperature(&logits, &[0, 1]).unwrap() <= 0.25);
        // Wrong half the time: a flatter fit.
        let mixed =
            Tensor::from_slice(&[3.0f32, 0.0, 3.0, 0.0, 3.0, 0.0, 3.0, 0.0]).view([2, 2, 2]);
        assert!(fit_temperature(&mixed, &[0, 1]).unwrap() > 1.0);
    }
}
