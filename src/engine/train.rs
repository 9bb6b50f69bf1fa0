//! Training: synthetic batches from a producer thread, AdamW with a time- or step-based
//! cosine schedule, validation on held-out backgrounds, temperature calibration.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use image::RgbImage;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tch::{Device, Kind, Reduction, Tensor, nn, nn::OptimizerConfig};

use super::EngineError;
use super::checkpoint::{self, Checkpoint, Manifest};
use super::focus::{self, ClassFocus};
use super::frames;
use super::predict::{model_input_from_image, tensor_from_u8_nhwc};
use super::recipe::{LabelledCapture, MEAN, Metrics, Recipe, STD};
use super::synth::{SampleSpec, Split, Style, SynthAssets, render, sample_seed};
use crate::catalog::Catalog;

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
    /// A guarded run measures the model it starts from on the held-out sets.
    CheckingStart,
    Preparing,
    Training,
    Validating,
    Saving,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::CheckingStart => "checking the starting model",
            Phase::Preparing => "preparing",
            Phase::Training => "training",
            Phase::Validating => "validating",
            Phase::Saving => "saving",
        }
    }
}

/// Pause, stop (keep what was learned) and cancel (discard) a running job; `closing` cancels
/// it and every queued one (the engine is shutting down).
#[derive(Debug, Default)]
pub struct TrainControl {
    pub paused: AtomicBool,
    pub stop: AtomicBool,
    pub cancel: AtomicBool,
    pub closing: AtomicBool,
}

impl TrainControl {
    /// Clears pause, stop and cancel for the next job (never `closing`).
    pub fn reset(&self) {
        self.paused.store(false, Ordering::SeqCst);
        self.stop.store(false, Ordering::SeqCst);
        self.cancel.store(false, Ordering::SeqCst);
    }

    /// Whether the running job is to end and be discarded.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::SeqCst) || self.closing.load(Ordering::SeqCst)
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

    /// Sample `index` of the training stream: what to render, and the player's capture that
    /// replaces it (if any); items are drawn from the cumulative distribution `cdf`.
    fn draw(&self, index: u64, cdf: &[f64]) -> Draw {
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
        let in_frame = rng.random_bool(self.recipe.synth.frame_share.clamp(0.0, 1.0) as f64);
        Draw {
            spec: SampleSpec {
                class,
                style,
                split: Split::Train,
                seed,
            },
            capture,
            in_frame,
        }
    }

    fn batch(&self, first: u64, size: usize) -> Batch {
        use rayon::prelude::*;
        let s = self.recipe.input_size;
        let cdf = self.focus.distribution();
        let draws: Vec<Draw> = (0..size as u64)
            .map(|i| self.draw(first + i, &cdf))
            .collect();
        let options = &self.recipe.synth;
        let images: Vec<RgbImage> = draws
            .par_iter()
            .map(|d| match d.capture {
                Some(c) => jitter_capture(&self.captures[c].1, s, d.spec.seed),
                None if d.in_frame => frames::render_window(&self.assets, d.spec, s, options),
                None => render(&self.assets, d.spec, s, options),
            })
            .collect();
        let labels = draws
            .iter()
            .map(|d| match d.capture {
                Some(c) => self.captures[c].0 as i64,
                None => d.spec.class.unwrap_or(self.classes()) as i64,
            })
            .collect();
        let mut pixels = Vec::with_capacity(size * (s * s * 3) as usize);
        for img in &images {
            pixels.extend_from_slice(img.as_raw());
        }
        Batch { pixels, labels }
    }
}

/// One sample of the training stream.
struct Draw {
    spec: SampleSpec,
    /// The player's capture shown instead of a rendered sample.
    capture: Option<usize>,
    /// Cut from a whole frame (`frames::render_window`) rather than drawn as a crop.
    in_frame: bool,
}

/// Per output, the log of how much likelier the player's captures make that output in the
/// training stream than the rendered samples alone do; `None` without captures.
///
/// Captures are a share of every batch but show a handful of items, so those items are
/// hundreds of times more frequent than any other. Trained on plainly, the network learns
/// that prior and names unrelated crops (a real photo of a known item) as the captured
/// item. Adding the shift to the logits in the loss only (logit adjustment) leaves the
/// network's own logits free of it, as if every item were as frequent as the rest.
fn capture_prior_shift(
    capture_classes: &[usize],
    classes: usize,
    recipe: &Recipe,
) -> Option<Vec<f32>> {
    let share = f64::from(recipe.capture_share.clamp(0.0, 1.0));
    if capture_classes.is_empty() || share <= 0.0 || classes == 0 {
        return None;
    }
    // A rendered sample is an item, evenly over the items, or the "no item" output.
    let item_share = 1.0 - f64::from(recipe.background_share.clamp(0.0, 1.0));
    let rendered = (item_share / classes as f64).max(f64::MIN_POSITIVE);
    let mut counts = vec![0usize; classes + 1];
    for &class in capture_classes {
        if let Some(count) = counts.get_mut(class) {
            *count += 1;
        }
    }
    let total = capture_classes.len() as f64;
    let shift = counts
        .iter()
        .map(|&count| {
            // The stream's share of this output over what the rendered samples give it;
            // the (1 - share) common to every output cancels in the softmax.
            let from_captures = share * count as f64 / total;
            (1.0 + from_captures / ((1.0 - share).max(1e-6) * rendered)).ln() as f32
        })
        .collect();
    Some(shift)
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
    /// On every core, between optimiser steps: on a small CPU, rendering alongside
    /// libtorch's threads stalls them, and taking turns does not (BENCHMARKS.md history).
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
    Finished,
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
            BatchSource::Finished => None,
        }
    }

    /// Stops the producer (if any) and waits for it; later batches are None.
    fn finish(&mut self) {
        if let BatchSource::Alongside { rx, producer } =
            std::mem::replace(self, BatchSource::Finished)
        {
            drop(rx);
            let _ = producer.join();
        }
    }
}

/// A fresh network for `catalog`'s items, or one starting from `recipe.init_from`'s weights.
fn starting_checkpoint(
    recipe: &Recipe,
    catalog: &Catalog,
    device: Device,
) -> Result<Checkpoint, EngineError> {
    let manifest = Manifest {
        format_version: checkpoint::FORMAT_VERSION,
        arch: recipe.arch,
        input_size: recipe.input_size,
        mean: MEAN,
        std: STD,
        classes: catalog.items().iter().map(|i| i.key()).collect(),
        started_from: None,
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
        checkpoint::copy_weights(&base, &mut ckpt).map_err(|e| EngineError::file(init, e))?;
        ckpt.manifest.started_from = Some(checkpoint::lineage_of(init, &base.manifest));
    }
    Ok(ckpt)
}

/// The optimisation loop's state: one [`Trainer::step`] per batch.
struct Trainer {
    ckpt: Checkpoint,
    opt: nn::Optimizer,
    batches: BatchSource,
    focus: Arc<ClassFocus>,
    /// Added to the logits in the loss: how much likelier the captures make their items
    /// than the rendered stream does (see [`capture_prior_shift`]).
    prior_shift: Option<Tensor>,
    recipe: Recipe,
    device: Device,
    epoch_samples: u64,
    total_steps: Option<u64>,
    budget: Option<Duration>,
    step: u64,
    loss_ema: f64,
    acc_ema: f64,
}

impl Trainer {
    fn new(
        ckpt: Checkpoint,
        recipe: &Recipe,
        assets: Arc<SynthAssets>,
        captures: Vec<LabelledCapture>,
        synthesis: Synthesis,
        device: Device,
    ) -> Result<Self, EngineError> {
        let classes = ckpt.manifest.classes.len();
        let keys = &ckpt.manifest.classes;
        let captures: Vec<(usize, RgbImage)> = captures
            .into_iter()
            .filter_map(|c| keys.iter().position(|k| *k == c.key).map(|i| (i, c.image)))
            .collect();
        // Every item starts at the loss of a uniform guess.
        let focus = Arc::new(ClassFocus::new(
            classes,
            (classes as f64 + 1.0).ln(),
            recipe.focus,
        ));
        let prior_shift = capture_prior_shift(
            &captures.iter().map(|(class, _)| *class).collect::<Vec<_>>(),
            classes,
            recipe,
        )
        .map(|shift| Tensor::from_slice(&shift).to_device(device));
        let sampler = Arc::new(Sampler {
            assets,
            captures,
            recipe: recipe.clone(),
            focus: focus.clone(),
        });
        let batches = BatchSource::start(sampler, synthesis, recipe.batch_size)?;
        let epoch_samples = (classes as u64 * u64::from(recipe.samples_per_class)).max(1);
        let opt = nn::AdamW {
            wd: recipe.weight_decay,
            ..Default::default()
        }
        .build(&ckpt.vs, recipe.learning_rate)
        .map_err(|e| EngineError::Other(format!("optimizer: {e}")))?;
        Ok(Self {
            ckpt,
            opt,
            batches,
            focus,
            prior_shift,
            recipe: recipe.clone(),
            device,
            epoch_samples,
            total_steps: recipe.epochs.map(|e| {
                ((e * epoch_samples as f64) / recipe.batch_size as f64)
                    .ceil()
                    .max(1.0) as u64
            }),
            budget: recipe
                .minutes
                .map(|m| Duration::from_secs_f64((m * 60.0).max(1.0))),
            step: 0,
            loss_ema: 0.0,
            acc_ema: 0.0,
        })
    }

    /// Share of the run done after `elapsed` of training.
    fn fraction(&self, elapsed: Duration) -> f64 {
        progress_fraction(elapsed, self.budget, self.step, self.total_steps)
    }

    /// One optimiser step on the next batch at the schedule's learning rate for `fraction`.
    fn step(&mut self, fraction: f64) -> Result<(), EngineError> {
        self.opt
            .set_lr(learning_rate_at(self.recipe.learning_rate, fraction));
        let batch = self
            .batches
            .next()
            .ok_or_else(|| EngineError::Other("the synthesis thread stopped".into()))?;
        let n = batch.labels.len() as i64;
        let s = i64::from(self.recipe.input_size);
        let xs =
            tensor_from_u8_nhwc(&batch.pixels, n, s, s, MEAN, STD)?.f_to_device(self.device)?;
        let ys = Tensor::from_slice(&batch.labels).to_device(self.device);
        let logits = self.ckpt.net.forward_t(&xs, true);
        let adjusted = match &self.prior_shift {
            Some(shift) => &logits + shift,
            None => logits.shallow_clone(),
        };
        let losses = adjusted.cross_entropy_loss::<Tensor>(
            &ys,
            None,
            Reduction::None,
            -100,
            self.recipe.label_smoothing,
        );
        let loss = losses.mean(Kind::Float);
        self.opt.backward_step(&loss);
        self.step += 1;
        if let Ok(per_sample) = Vec::<f32>::try_from(losses.detach().to_device(Device::Cpu)) {
            self.focus.record(&batch.labels, &per_sample);
        }
        let acc = logits
            .argmax(-1, false)
            .eq_tensor(&ys)
            .to_kind(Kind::Float)
            .mean(Kind::Float)
            .double_value(&[]);
        let k = if self.step == 1 { 1.0 } else { 0.05 };
        self.loss_ema += (loss.double_value(&[]) - self.loss_ema) * k;
        self.acc_ema += (acc - self.acc_ema) * k;
        Ok(())
    }

    fn samples(&self) -> u64 {
        self.step * self.recipe.batch_size as u64
    }

    /// Where the run stands after `trained` of training (`elapsed` since the job began).
    fn progress(&self, phase: Phase, trained: Duration, elapsed: Duration) -> Progress {
        let fraction = match phase {
            Phase::Training => self.fraction(trained),
            Phase::Preparing | Phase::CheckingStart => 0.0,
            _ => 1.0,
        };
        Progress {
            epoch: self.samples() as f64 / self.epoch_samples as f64,
            step: self.step,
            loss: self.loss_ema,
            accuracy: self.acc_ema,
            images_per_second: self.samples() as f64 / trained.as_secs_f64().max(1e-6),
            elapsed,
            eta: (phase == Phase::Training && fraction > 0.01)
                .then(|| trained.mul_f64((1.0 - fraction).max(0.0) / fraction)),
            fraction,
            phase,
        }
    }
}

/// How the loop ended.
enum Ended {
    Done { stopped_early: bool },
    Cancelled,
}

/// Steps until the budget is spent or the player stops, pauses between; returns how it ended
/// and the training time (pauses excluded).
fn run_loop(
    trainer: &mut Trainer,
    control: &TrainControl,
    report: &mut dyn FnMut(Progress),
) -> Result<(Ended, Duration), EngineError> {
    let mut paused_for = Duration::ZERO;
    let train_start = Instant::now();
    let mut last_report = Instant::now() - Duration::from_secs(10);
    loop {
        let trained = train_start.elapsed().saturating_sub(paused_for);
        if control.is_cancelled() {
            return Ok((Ended::Cancelled, trained));
        }
        if control.stop.load(Ordering::SeqCst) {
            return Ok((
                Ended::Done {
                    stopped_early: true,
                },
                trained,
            ));
        }
        if control.paused.load(Ordering::SeqCst) {
            let t = Instant::now();
            std::thread::sleep(Duration::from_millis(50));
            paused_for += t.elapsed();
            continue;
        }
        let fraction = trainer.fraction(trained);
        if fraction >= 1.0 {
            return Ok((
                Ended::Done {
                    stopped_early: false,
                },
                trained,
            ));
        }
        trainer.step(fraction)?;
        if last_report.elapsed() >= Duration::from_millis(250) {
            last_report = Instant::now();
            let trained = train_start.elapsed().saturating_sub(paused_for);
            report(trainer.progress(Phase::Training, trained, trained));
        }
    }
}

/// What a run that was not cancelled leaves.
pub enum Trained {
    /// A new model, to be saved.
    New(Box<Checkpoint>),
    /// The starting model stays (`recipe.keep_starting_if_worse`): the new one fell on a
    /// held-out set, as `reason` says.
    KeptStarting { reason: String },
}

/// Trains a model on the catalog. Returns None when cancelled; a stopped run still returns
/// (and validates) what it learned.
#[allow(clippy::too_many_arguments)]
pub fn train(
    recipe: &Recipe,
    catalog: &Catalog,
    assets: Arc<SynthAssets>,
    captures: Vec<LabelledCapture>,
    device: Device,
    synthesis: Synthesis,
    control: &TrainControl,
    report: &mut dyn FnMut(Progress),
) -> Result<Option<Trained>, EngineError> {
    let started = Instant::now();
    let classes = catalog.len();
    if classes == 0 || assets.classes() != classes {
        return Err(EngineError::Other(format!(
            "the catalog has {classes} items but {} sprites were loaded",
            assets.classes()
        )));
    }
    recipe.check().map_err(EngineError::Other)?;
    let ckpt = starting_checkpoint(recipe, catalog, device)?;
    let cancelled = || control.is_cancelled();
    // The starting weights on the very sets the new ones will face.
    let before = if recipe.keep_starting_if_worse && recipe.init_from.is_some() {
        report(Progress {
            epoch: 0.0,
            step: 0,
            loss: 0.0,
            accuracy: 0.0,
            images_per_second: 0.0,
            elapsed: started.elapsed(),
            eta: None,
            fraction: 0.0,
            phase: Phase::CheckingStart,
        });
        match super::validate::validate(&ckpt, &assets, recipe, device, &cancelled)? {
            Some(v) => Some(v.styles),
            None => return Ok(None),
        }
    } else {
        None
    };
    let mut trainer = Trainer::new(ckpt, recipe, assets.clone(), captures, synthesis, device)?;
    report(trainer.progress(Phase::Preparing, Duration::ZERO, started.elapsed()));
    let outcome = run_loop(&mut trainer, control, report);
    trainer.batches.finish();
    let (ended, trained) = outcome?;
    let stopped_early = match ended {
        Ended::Cancelled => return Ok(None),
        Ended::Done { stopped_early } => stopped_early,
    };
    report(trainer.progress(Phase::Validating, trained, started.elapsed()));
    let Some(validation) =
        super::validate::validate(&trainer.ckpt, &assets, recipe, device, &cancelled)?
    else {
        return Ok(None);
    };
    if let Some(reason) = before
        .as_deref()
        .and_then(|before| super::recipe::first_drop(before, &validation.styles))
    {
        return Ok(Some(Trained::KeptStarting { reason }));
    }
    let metrics = Metrics {
        steps: trainer.step,
        samples_seen: trainer.samples(),
        epochs: trainer.samples() as f64 / trainer.epoch_samples as f64,
        train_images_per_second: trainer.samples() as f64 / trained.as_secs_f64().max(1e-6),
        final_loss: trainer.loss_ema,
        precision: recipe.precision.resolve(device).as_str().into(),
        stopped_early,
        validation: validation.styles,
        starting_validation: before.unwrap_or_default(),
        mean_top_score_items: validation.mean_top_score_items,
        mean_top_score_no_item: validation.mean_top_score_no_item,
    };
    report(trainer.progress(Phase::Saving, trained, started.elapsed()));
    let mut ckpt = trainer.ckpt;
    ckpt.manifest.temperature = validation.temperature;
    ckpt.manifest.metrics = metrics;
    ckpt.manifest.training_seconds = started.elapsed().as_secs_f64();
    Ok(Some(Trained::New(Box::new(ckpt))))
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
    fn captures_shift_only_their_items_by_how_much_likelier_they_make_them() {
        let recipe = Recipe {
            capture_share: 0.2,
            background_share: 0.2,
            ..Recipe::default()
        };
        assert!(capture_prior_shift(&[], 100, &recipe).is_none());
        let none = Recipe {
            capture_share: 0.0,
            ..recipe.clone()
        };
        assert!(capture_prior_shift(&[3], 100, &none).is_none());
        // Three captures of item 3, one of item 7, among 100 items and "no item".
        let shift = capture_prior_shift(&[3, 3, 7, 3], 100, &recipe).unwrap();
        assert_eq!(shift.len(), 101);
        // Rendered: 0.8 / 100 per item; captures: 0.2 * 3/4 and 0.2 * 1/4, over 0.8 of
        // rendered samples.
        let expect = |part: f64| (1.0 + 0.2 * part / (0.8 * 0.008)).ln() as f32;
        assert!((shift[3] - expect(0.75)).abs() < 1e-5, "{}", shift[3]);
        assert!((shift[7] - expect(0.25)).abs() < 1e-5, "{}", shift[7]);
        assert!(shift[3] > shift[7]);
        for (i, s) in shift.iter().enumerate() {
            if i != 3 && i != 7 {
                assert_eq!(*s, 0.0, "output {i}");
            }
        }
    }
}
