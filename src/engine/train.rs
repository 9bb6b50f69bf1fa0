//! Training: synthetic batches from a producer thread, AdamW with a time- or step-based
//! cosine schedule, validation on held-out backgrounds, temperature calibration.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use image::RgbImage;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use tch::{Device, Kind, Reduction, Tensor, nn, nn::OptimizerConfig};

use super::EngineError;
use super::checkpoint::{self, Checkpoint, Manifest};
use super::focus::{self, ClassFocus};
use super::model::{Arch, Precision};
use super::predict::{self, model_input_from_image, tensor_from_images, tensor_from_u8_nhwc};
use super::synth::{SampleSpec, Split, Style, SynthAssets, SynthOptions, render_many, sample_seed};
use crate::catalog::{Catalog, ItemKey};
use rayon::prelude::*;

pub const MEAN: [f32; 3] = [0.45, 0.42, 0.40];
pub const STD: [f32; 3] = [0.27, 0.26, 0.26];

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Recipe {
    pub arch: Arch,
    pub input_size: u32,
    /// Wall-clock budget for the training loop (validation and saving come on top).
    pub minutes: Option<f64>,
    /// Epochs of `samples_per_class` samples per class; with `minutes`, whichever ends first.
    pub epochs: Option<f64>,
    pub samples_per_class: u32,
    pub batch_size: usize,
    pub learning_rate: f64,
    pub weight_decay: f64,
    pub label_smoothing: f64,
    /// Share of items drawn by how hard the network still finds them (running training
    /// loss per item); the rest are drawn uniformly.
    pub focus: f64,
    /// Arithmetic of the convolutions while training.
    pub precision: Precision,
    /// Share of "no item here" samples (floors, pedestals, clutter).
    pub background_share: f32,
    /// Share of samples drawn from the player's own labelled captures, when there are any.
    pub capture_share: f32,
    pub seed: u64,
    /// Validation samples per class and style.
    pub validation_per_class: u32,
    pub synth: SynthOptions,
    /// Start from this checkpoint's weights (fine-tuning).
    pub init_from: Option<PathBuf>,
}

impl Default for Recipe {
    fn default() -> Self {
        Self {
            arch: Arch::Compact,
            input_size: Arch::Compact.default_input_size(),
            minutes: Some(9.0),
            epochs: None,
            samples_per_class: 64,
            batch_size: 128,
            learning_rate: 4e-3,
            weight_decay: 5e-4,
            label_smoothing: 0.05,
            focus: 0.5,
            precision: Precision::Auto,
            background_share: 0.03,
            capture_share: 0.1,
            seed: 1,
            validation_per_class: 4,
            synth: SynthOptions::default(),
            init_from: None,
        }
    }
}

impl Recipe {
    pub fn for_arch(arch: Arch) -> Self {
        let mut r = Self {
            arch,
            input_size: arch.default_input_size(),
            ..Self::default()
        };
        if arch == Arch::Vgg16 {
            // The notebook's settings: SGD-like small steps suit the deep plain network.
            r.learning_rate = 1e-3;
            r.batch_size = 64;
        }
        r
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StyleMetrics {
    pub style: String,
    pub samples: usize,
    pub top1: f64,
    pub top5: f64,
    pub top10: f64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub steps: u64,
    pub samples_seen: u64,
    pub epochs: f64,
    pub train_images_per_second: f64,
    pub final_loss: f64,
    /// What the convolutions computed in while training ("f32", "bf16").
    #[serde(default)]
    pub precision: String,
    pub validation: Vec<StyleMetrics>,
    /// Mean calibrated top item score on held-out item crops and on crops with no item.
    pub mean_top_score_items: f64,
    pub mean_top_score_no_item: f64,
    pub stopped_early: bool,
}

impl Metrics {
    pub fn top1(&self, style: &str) -> Option<f64> {
        self.validation
            .iter()
            .find(|m| m.style == style)
            .map(|m| m.top1)
    }
}

/// A real crop the player labelled.
#[derive(Clone, Debug)]
pub struct LabelledCapture {
    pub key: ItemKey,
    pub image: RgbImage,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Progress {
    pub epoch: f64,
    pub step: u64,
    pub loss: f64,
    pub accuracy: f64,
    pub images_per_second: f64,
    pub elapsed: Duration,
    pub eta: Option<Duration>,
    /// 0..1 of the run.
    pub fraction: f64,
    pub phase: Phase,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Preparing,
    Training,
    Validating,
    Saving,
}

/// Pause, stop (keep what was learned) and cancel (discard) a running job.
#[derive(Debug, Default)]
pub struct TrainControl {
    pub paused: AtomicBool,
    pub stop: AtomicBool,
    pub cancel: AtomicBool,
}

impl TrainControl {
    pub fn reset(&self) {
        self.paused.store(false, Ordering::SeqCst);
        self.stop.store(false, Ordering::SeqCst);
        self.cancel.store(false, Ordering::SeqCst);
    }
}

struct Batch {
    pixels: Vec<u8>,
    labels: Vec<i64>,
}

/// Everything the sampler needs, shared with the producer thread.
struct Sampler {
    assets: Arc<SynthAssets>,
    captures: Vec<(usize, RgbImage)>,
    recipe: Recipe,
    focus: Arc<ClassFocus>,
}

impl Sampler {
    fn classes(&self) -> usize {
        self.assets.classes()
    }

    /// Sample `index` of the training stream: its pixels (input-sized) and label; items are
    /// drawn from the cumulative distribution `cdf`.
    fn spec(&self, index: u64, cdf: &[f64]) -> (SampleSpec, Option<usize>) {
        let seed = sample_seed(self.recipe.seed, index);
        let mut rng = StdRng::seed_from_u64(seed ^ 0x5eed);
        let style = if rng.random_bool(self.recipe.synth.phone_share.clamp(0.0, 1.0) as f64) {
            Style::Phone
        } else {
            Style::Screenshot
        };
        let capture = (!self.captures.is_empty()
            && rng.random_bool(self.recipe.capture_share.clamp(0.0, 1.0) as f64))
        .then(|| rng.random_range(0..self.captures.len()));
        let class = if rng.random_bool(self.recipe.background_share.clamp(0.0, 1.0) as f64) {
            None
        } else {
            Some(focus::pick(cdf, rng.random::<f64>()))
        };
        (
            SampleSpec {
                class,
                style,
                split: Split::Train,
                seed,
            },
            capture,
        )
    }

    fn batch(&self, first: u64, size: usize) -> Batch {
        let s = self.recipe.input_size;
        let cdf = self.focus.distribution();
        let specs: Vec<(SampleSpec, Option<usize>)> = (0..size as u64)
            .map(|i| self.spec(first + i, &cdf))
            .collect();
        let synth_specs: Vec<SampleSpec> = specs.iter().map(|(s, _)| *s).collect();
        let mut images = render_many(&self.assets, &synth_specs, s, &self.recipe.synth);
        let mut labels = Vec::with_capacity(size);
        for ((spec, capture), image) in specs.iter().zip(images.iter_mut()) {
            if let Some(c) = capture {
                let (class, img) = &self.captures[*c];
                *image = jitter_capture(img, s, spec.seed);
                labels.push(*class as i64);
            } else {
                labels.push(spec.class.unwrap_or(self.classes()) as i64);
            }
        }
        let mut pixels = Vec::with_capacity(size * (s * s * 3) as usize);
        for img in &images {
            pixels.extend_from_slice(img.as_raw());
        }
        Batch { pixels, labels }
    }
}

/// A real capture, re-boxed a little differently each time.
fn jitter_capture(img: &RgbImage, size: u32, seed: u64) -> RgbImage {
    let mut rng = StdRng::seed_from_u64(seed);
    let (w, h) = img.dimensions();
    let scale = rng.random_range(0.8..1.0f32);
    let (cw, ch) = (
        ((w as f32 * scale) as u32).max(1),
        ((h as f32 * scale) as u32).max(1),
    );
    let x = rng.random_range(0..=w - cw);
    let y = rng.random_range(0..=h - ch);
    let crop =
        image::DynamicImage::ImageRgb8(image::imageops::crop_imm(img, x, y, cw, ch).to_image());
    model_input_from_image(&crop, size)
}

/// Where training batches are rendered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Synthesis {
    /// On this many threads of their own, the next batches while the optimiser runs: for a
    /// GPU or spare cores.
    Alongside(usize),
    /// On every core, between optimiser steps. Measured on 2 cores (compact net, bf16):
    /// rendering alongside libtorch's two threads stalls them (about 770 images/s), taking
    /// turns does not.
    Between,
}

impl std::fmt::Display for Synthesis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Synthesis::Alongside(1) => write!(f, "1 synthesis thread alongside"),
            Synthesis::Alongside(n) => write!(f, "{n} synthesis threads alongside"),
            Synthesis::Between => write!(f, "synthesis between steps"),
        }
    }
}

impl Synthesis {
    /// Alongside when the network trains on a GPU or leaves cores free, else between steps.
    pub fn for_machine(device: Device, cores: usize, torch_threads: usize) -> Self {
        if device != Device::Cpu || torch_threads < cores {
            Synthesis::Alongside(cores.saturating_sub(torch_threads).max(1))
        } else {
            Synthesis::Between
        }
    }
}

enum BatchSource {
    Alongside {
        rx: crossbeam_channel::Receiver<Batch>,
        producer: std::thread::JoinHandle<()>,
    },
    Between {
        sampler: Arc<Sampler>,
        pool: rayon::ThreadPool,
        batch_size: usize,
        step: u64,
    },
}

impl BatchSource {
    fn start(
        sampler: Arc<Sampler>,
        synthesis: Synthesis,
        batch_size: usize,
    ) -> Result<Self, EngineError> {
        let threads = match synthesis {
            Synthesis::Alongside(n) => n.max(1),
            Synthesis::Between => super::cores(),
        };
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("synth-{i}"))
            .build()
            .map_err(|e| EngineError::Other(format!("cannot start synthesis threads: {e}")))?;
        if synthesis == Synthesis::Between {
            return Ok(BatchSource::Between {
                sampler,
                pool,
                batch_size,
                step: 0,
            });
        }
        // The producer renders batches ahead of the optimiser.
        let (tx, rx) = crossbeam_channel::bounded::<Batch>(3);
        let producer = std::thread::Builder::new()
            .name("synth-producer".into())
            .spawn(move || {
                let mut step = 0u64;
                loop {
                    let batch =
                        pool.install(|| sampler.batch(step * batch_size as u64, batch_size));
                    if tx.send(batch).is_err() {
                        return;
                    }
                    step += 1;
                }
            })
            .map_err(|e| EngineError::Other(format!("cannot start the producer: {e}")))?;
        Ok(BatchSource::Alongside { rx, producer })
    }

    fn next(&mut self) -> Option<Batch> {
        match self {
            BatchSource::Alongside { rx, .. } => rx.recv().ok(),
            BatchSource::Between {
                sampler,
                pool,
                batch_size,
                step,
            } => {
                let first = *step * *batch_size as u64;
                *step += 1;
                Some(pool.install(|| sampler.batch(first, *batch_size)))
            }
        }
    }

    fn finish(self) {
        if let BatchSource::Alongside { rx, producer } = self {
            drop(rx);
            let _ = producer.join();
        }
    }
}

/// Held-out samples: each class in both styles on validation backgrounds, plus "no item" crops.
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

/// Logits of the network for model-ready images, in batches, on the CPU.
pub fn logits_for(ckpt: &Checkpoint, images: &[RgbImage], device: Device) -> Tensor {
    let m = &ckpt.manifest;
    let chunks: Vec<Tensor> = images
        .chunks(256)
        .map(|chunk| {
            let xs = tensor_from_images(chunk, m.input_size, m.mean, m.std).to_device(device);
            tch::no_grad(|| ckpt.net.forward_t(&xs, false)).to_device(Device::Cpu)
        })
        .collect();
    Tensor::cat(&chunks, 0)
}

/// For each row, the rank (0-based) of `labels[i]` among the item classes.
pub fn label_ranks(logits: &Tensor, labels: &[i64], item_classes: i64) -> Vec<i64> {
    let items = logits.narrow(1, 0, item_classes);
    let label = Tensor::from_slice(labels).view([-1, 1]);
    let own = items.gather(1, &label, false);
    let better = items.gt_tensor(&own).sum_dim_intlist(1, false, Kind::Int64);
    Vec::<i64>::try_from(better).unwrap_or_default()
}

/// Calibrated probabilities averaged over views: `view_logits` is [N, VIEWS, C].
pub fn mean_view_probabilities(view_logits: &Tensor, temperature: f64) -> Tensor {
    (view_logits / temperature)
        .softmax(-1, Kind::Float)
        .mean_dim(1, false, Kind::Float)
}

/// Fits the softmax temperature minimising the negative log-likelihood of the view-averaged
/// probabilities, exactly as prediction computes them.
fn fit_temperature(view_logits: &Tensor, labels: &[i64]) -> f64 {
    let target = Tensor::from_slice(labels);
    let mut best = (f64::INFINITY, 1.0);
    for i in 0..=76 {
        let t = 0.2 + i as f64 * 0.05;
        let log_probs = mean_view_probabilities(view_logits, t)
            .clamp_min(1e-12)
            .log();
        let nll = log_probs.nll_loss(&target).double_value(&[]);
        if nll < best.0 {
            best = (nll, t);
        }
    }
    best.1
}

/// Trains a model on the catalog. Returns None when cancelled; a stopped run still returns
/// (and validates) what it learned.
pub fn train(
    recipe: &Recipe,
    catalog: &Catalog,
    assets: Arc<SynthAssets>,
    captures: Vec<LabelledCapture>,
    device: Device,
    synthesis: Synthesis,
    control: &TrainControl,
    report: &mut dyn FnMut(Progress),
) -> Result<Option<Checkpoint>, EngineError> {
    let started = Instant::now();
    let classes = catalog.len();
    if classes == 0 || assets.classes() != classes {
        return Err(EngineError::Other(format!(
            "the catalog has {classes} items but {} sprites were loaded",
            assets.classes()
        )));
    }
    if recipe.minutes.is_none() && recipe.epochs.is_none() {
        return Err(EngineError::Other(
            "a recipe needs minutes or epochs".into(),
        ));
    }
    if recipe.batch_size == 0 || recipe.input_size < 16 {
        return Err(EngineError::Other(
            "batch size must be positive and input at least 16 px".into(),
        ));
    }
    let mut report_phase = |phase: Phase, fraction: f64| {
        report(Progress {
            epoch: 0.0,
            step: 0,
            loss: 0.0,
            accuracy: 0.0,
            images_per_second: 0.0,
            elapsed: started.elapsed(),
            eta: None,
            fraction,
            phase,
        })
    };
    report_phase(Phase::Preparing, 0.0);
    let keys: Vec<ItemKey> = catalog.items().iter().map(|i| i.key()).collect();
    let manifest = Manifest {
        format_version: checkpoint::FORMAT_VERSION,
        arch: recipe.arch,
        input_size: recipe.input_size,
        mean: MEAN,
        std: STD,
        classes: keys.clone(),
        catalog_fingerprint: catalog.fingerprint()?,
        temperature: 1.0,
        recipe: recipe.clone(),
        metrics: Metrics::default(),
        training_seconds: 0.0,
        created_unix: crate::fsutil::unix_now(),
    };
    let mut ckpt = checkpoint::fresh(manifest, device);
    if let Some(init) = &recipe.init_from {
        let base = checkpoint::load(init, catalog, Device::Cpu)?;
        if base.manifest.arch != recipe.arch || base.manifest.input_size != recipe.input_size {
            return Err(EngineError::file(
                init,
                "fine-tuning needs the same architecture and input size",
            ));
        }
        ckpt.vs
            .copy(&base.vs)
            .map_err(|e| EngineError::file(init, e))?;
    }

    let capture_pairs: Vec<(usize, RgbImage)> = captures
        .into_iter()
        .filter_map(|c| keys.iter().position(|k| *k == c.key).map(|i| (i, c.image)))
        .collect();
    // Every item starts at the loss of a uniform guess.
    let class_focus = Arc::new(ClassFocus::new(
        classes,
        (classes as f64 + 1.0).ln(),
        recipe.focus,
    ));
    let sampler = Arc::new(Sampler {
        assets: assets.clone(),
        captures: capture_pairs,
        recipe: recipe.clone(),
        focus: class_focus.clone(),
    });
    let mut batches = BatchSource::start(sampler, synthesis, recipe.batch_size)?;

    let batch_size = recipe.batch_size;
    let epoch_samples = (classes as u64 * u64::from(recipe.samples_per_class)).max(1);
    let total_steps = recipe.epochs.map(|e| {
        ((e * epoch_samples as f64) / batch_size as f64)
            .ceil()
            .max(1.0) as u64
    });
    let budget = recipe
        .minutes
        .map(|m| Duration::from_secs_f64((m * 60.0).max(1.0)));

    let mut opt = nn::AdamW {
        wd: recipe.weight_decay,
        ..Default::default()
    }
    .build(&ckpt.vs, recipe.learning_rate)
    .map_err(|e| EngineError::Other(format!("optimizer: {e}")))?;
    let mut step = 0u64;
    let mut loss_ema = 0.0;
    let mut acc_ema = 0.0;
    let mut paused_for = Duration::ZERO;
    let train_start = Instant::now();
    let mut last_report = Instant::now() - Duration::from_secs(10);
    let outputs = ckpt.manifest.outputs();
    let mut stopped_early = false;
    loop {
        if control.cancel.load(Ordering::SeqCst) {
            batches.finish();
            return Ok(None);
        }
        if control.stop.load(Ordering::SeqCst) {
            stopped_early = true;
            break;
        }
        if control.paused.load(Ordering::SeqCst) {
            let t = Instant::now();
            std::thread::sleep(Duration::from_millis(50));
            paused_for += t.elapsed();
            continue;
        }
        let elapsed = train_start.elapsed().saturating_sub(paused_for);
        let fraction = progress_fraction(elapsed, budget, step, total_steps);
        if fraction >= 1.0 {
            break;
        }
        let lr = learning_rate_at(recipe.learning_rate, fraction);
        opt.set_lr(lr);
        let Some(batch) = batches.next() else {
            return Err(EngineError::Other("the synthesis thread stopped".into()));
        };
        let n = batch.labels.len() as i64;
        let s = i64::from(recipe.input_size);
        let xs = tensor_from_u8_nhwc(&batch.pixels, n, s, MEAN, STD).to_device(device);
        let ys = Tensor::from_slice(&batch.labels).to_device(device);
        let logits = ckpt.net.forward_t(&xs, true);
        debug_assert_eq!(logits.size()[1], outputs);
        let losses = logits.cross_entropy_loss::<Tensor>(
            &ys,
            None,
            Reduction::None,
            -100,
            recipe.label_smoothing,
        );
        let loss = losses.mean(Kind::Float);
        opt.backward_step(&loss);
        step += 1;
        if let Ok(per_sample) = Vec::<f32>::try_from(losses.detach().to_device(Device::Cpu)) {
            class_focus.record(&batch.labels, &per_sample);
        }
        let loss_value = loss.double_value(&[]);
        let acc = logits
            .argmax(-1, false)
            .eq_tensor(&ys)
            .to_kind(Kind::Float)
            .mean(Kind::Float)
            .double_value(&[]);
        let k = if step == 1 { 1.0 } else { 0.05 };
        loss_ema += (loss_value - loss_ema) * k;
        acc_ema += (acc - acc_ema) * k;
        if last_report.elapsed() >= Duration::from_millis(250) {
            last_report = Instant::now();
            let elapsed = train_start.elapsed().saturating_sub(paused_for);
            let fraction = progress_fraction(elapsed, budget, step, total_steps);
            let ips = (step * batch_size as u64) as f64 / elapsed.as_secs_f64().max(1e-6);
            let eta =
                (fraction > 0.01).then(|| elapsed.mul_f64((1.0 - fraction).max(0.0) / fraction));
            report(Progress {
                epoch: (step * batch_size as u64) as f64 / epoch_samples as f64,
                step,
                loss: loss_ema,
                accuracy: acc_ema,
                images_per_second: ips,
                elapsed,
                eta,
                fraction,
                phase: Phase::Training,
            });
        }
    }
    let train_elapsed = train_start.elapsed().saturating_sub(paused_for);
    batches.finish();

    let mut report_phase = |phase: Phase| {
        report(Progress {
            epoch: (step * batch_size as u64) as f64 / epoch_samples as f64,
            step,
            loss: loss_ema,
            accuracy: acc_ema,
            images_per_second: (step * batch_size as u64) as f64
                / train_elapsed.as_secs_f64().max(1e-6),
            elapsed: started.elapsed(),
            eta: None,
            fraction: 1.0,
            phase,
        })
    };
    report_phase(Phase::Validating);
    // Validation goes through the prediction path: crops at capture size (3x the input),
    // resized and viewed as `predict` does, so the figures are what a player gets.
    let specs = validation_specs(classes, recipe.validation_per_class, recipe.seed);
    let cores = super::cores();
    let validation_pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cores)
        .build()
        .map_err(|e| EngineError::Other(format!("cannot start validation threads: {e}")))?;
    let view_images: Vec<RgbImage> = validation_pool.install(|| {
        render_many(&assets, &specs, recipe.input_size * 3, &recipe.synth)
            .into_par_iter()
            .flat_map_iter(|img| {
                predict::views(&image::DynamicImage::ImageRgb8(img), recipe.input_size)
            })
            .collect()
    });
    let view_logits =
        logits_for(&ckpt, &view_images, device).view([specs.len() as i64, predict::VIEWS, -1]);
    let labels: Vec<i64> = specs
        .iter()
        .map(|s| s.class.unwrap_or(classes) as i64)
        .collect();
    let temperature = fit_temperature(&view_logits, &labels);
    let probs_all = mean_view_probabilities(&view_logits, temperature);
    let mut metrics = Metrics {
        steps: step,
        samples_seen: step * batch_size as u64,
        epochs: (step * batch_size as u64) as f64 / epoch_samples as f64,
        train_images_per_second: (step * batch_size as u64) as f64
            / train_elapsed.as_secs_f64().max(1e-6),
        final_loss: loss_ema,
        precision: recipe.precision.resolve(device).as_str().into(),
        stopped_early,
        ..Metrics::default()
    };
    let items: Vec<usize> = (0..specs.len())
        .filter(|&i| specs[i].class.is_some())
        .collect();
    let item_logits = probs_all.index_select(
        0,
        &Tensor::from_slice(&items.iter().map(|&i| i as i64).collect::<Vec<_>>()),
    );
    let item_labels: Vec<i64> = items.iter().map(|&i| labels[i]).collect();
    let ranks = label_ranks(&item_logits, &item_labels, classes as i64);
    for style in [Style::Screenshot, Style::Phone] {
        let of_style: Vec<i64> = items
            .iter()
            .zip(&ranks)
            .filter(|(i, _)| specs[**i].style == style)
            .map(|(_, r)| *r)
            .collect();
        let n = of_style.len().max(1) as f64;
        metrics.validation.push(StyleMetrics {
            style: format!("{style:?}").to_lowercase(),
            samples: of_style.len(),
            top1: of_style.iter().filter(|r| **r < 1).count() as f64 / n,
            top5: of_style.iter().filter(|r| **r < 5).count() as f64 / n,
            top10: of_style.iter().filter(|r| **r < 10).count() as f64 / n,
        });
    }
    let probs = probs_all.narrow(1, 0, classes as i64);
    let top = Vec::<f32>::try_from(probs.max_dim(1, false).0).unwrap_or_default();
    let mean_of = |pick: &dyn Fn(&SampleSpec) -> bool| {
        let v: Vec<f64> = specs
            .iter()
            .zip(&top)
            .filter(|(s, _)| pick(s))
            .map(|(_, t)| f64::from(*t))
            .collect();
        v.iter().sum::<f64>() / v.len().max(1) as f64
    };
    metrics.mean_top_score_items = mean_of(&|s| s.class.is_some());
    metrics.mean_top_score_no_item = mean_of(&|s| s.class.is_none());
    ckpt.manifest.temperature = temperature;
    ckpt.manifest.metrics = metrics;
    ckpt.manifest.training_seconds = started.elapsed().as_secs_f64();
    report_phase(Phase::Saving);
    Ok(Some(ckpt))
}

fn progress_fraction(
    elapsed: Duration,
    budget: Option<Duration>,
    step: u64,
    total_steps: Option<u64>,
) -> f64 {
    let by_time = budget
        .map(|b| elapsed.as_secs_f64() / b.as_secs_f64())
        .unwrap_or(0.0);
    let by_steps = total_steps.map(|t| step as f64 / t as f64).unwrap_or(0.0);
    by_time.max(by_steps)
}

/// Short linear warm-up, then cosine decay to 2% of the peak.
fn learning_rate_at(peak: f64, fraction: f64) -> f64 {
    const WARMUP: f64 = 0.03;
    if fraction < WARMUP {
        return peak * (0.1 + 0.9 * fraction / WARMUP);
    }
    let t = ((fraction - WARMUP) / (1.0 - WARMUP)).clamp(0.0, 1.0);
    peak * (0.02 + 0.98 * 0.5 * (1.0 + (std::f64::consts::PI * t).cos()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_warms_up_then_decays() {
        assert!((learning_rate_at(1.0, 0.0) - 0.1).abs() < 1e-9);
        assert!((learning_rate_at(1.0, 0.03) - 1.0).abs() < 1e-9);
        assert!(learning_rate_at(1.0, 0.5) < 0.6 && learning_rate_at(1.0, 0.5) > 0.4);
        assert!((learning_rate_at(1.0, 1.0) - 0.02).abs() < 1e-9);
    }

    #[test]
    fn ranks_count_better_classes() {
        let logits = Tensor::from_slice(&[0.1f32, 0.9, 0.5, 0.0, 0.3, 0.2, 0.1, 5.0]).view([2, 4]);
        // Row 0: label 2 (0.5) is beaten by 0.9 only; row 1: label 0 (0.3) is best among items.
        assert_eq!(label_ranks(&logits, &[2, 0], 3), vec![1, 0]);
    }
}
