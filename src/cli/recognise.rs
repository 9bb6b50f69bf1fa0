//! `isaac-lens train|predict|eval|synth`: the engine from the command line.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use image::DynamicImage;
use serde::Serialize;

use crate::catalog::Catalog;
use crate::engine::model::{Arch, Precision};
use crate::engine::synth::{self, SampleSpec, Split, Style, SynthAssets, SynthOptions};
use crate::engine::{
    self, CropBox, DeviceChoice, Engine, EngineConfig, Event, Prediction, Recipe, Request,
};

#[derive(Debug, Args)]
pub struct EngineArgs {
    /// cpu, cuda, or auto (CUDA when available).
    #[arg(long, value_enum, default_value_t = DeviceChoice::Auto)]
    pub device: DeviceChoice,
    /// libtorch threads, 1-256 (default: all cores).
    #[arg(long, value_parser = parse_threads)]
    pub threads: Option<usize>,
}

impl EngineArgs {
    pub fn config(&self) -> EngineConfig {
        let mut config = EngineConfig {
            device: self.device,
            ..EngineConfig::default()
        };
        if let Some(t) = self.threads {
            config.torch_threads = t;
        }
        config
    }
}

/// Overrides `slot` with a flag's value when the flag was given.
fn set_if<T>(slot: &mut T, flag: Option<T>) {
    if let Some(v) = flag {
        *slot = v;
    }
}

/// A thread count from the command line: 1 to 256.
pub fn parse_threads(s: &str) -> Result<usize, String> {
    let n: usize = s
        .parse()
        .map_err(|_| format!("{s:?} is not a whole number"))?;
    crate::engine::recipe::check_range("threads", n, 1..=256)?;
    Ok(n)
}

/// Items listed per crop or find: 1 to 50.
pub const TOP_RANGE: std::ops::RangeInclusive<usize> = 1..=50;

/// `--top` of `predict` and `scan`.
pub fn parse_top(s: &str) -> Result<usize, String> {
    let n: usize = s
        .parse()
        .map_err(|_| format!("{s:?} is not a whole number"))?;
    crate::engine::recipe::check_range("top", n, TOP_RANGE)?;
    Ok(n)
}

// ---------------------------------------------------------------------------- train

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Where to write the checkpoint folder (default: the data folder's model).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Wall-clock minutes for the training loop.
    #[arg(long)]
    pub minutes: Option<f64>,
    /// Epochs (of --samples-per-class samples per class); with --minutes, whichever ends first.
    #[arg(long)]
    pub epochs: Option<f64>,
    #[arg(long, value_enum, default_value_t = Arch::Compact)]
    pub arch: Arch,
    /// Model input side in pixels (default: 32 compact, 64 vgg16).
    #[arg(long)]
    pub input_size: Option<u32>,
    #[arg(long)]
    pub batch_size: Option<usize>,
    #[arg(long)]
    pub samples_per_class: Option<u32>,
    #[arg(long)]
    pub learning_rate: Option<f64>,
    #[arg(long)]
    pub seed: Option<u64>,
    /// Share of samples that hold no item (floors, altars, enemies, pickups), 0 to 1.
    #[arg(long, value_name = "SHARE")]
    pub no_item_share: Option<f32>,
    /// Held-out crops per item and style for the validation after training.
    #[arg(long, value_name = "N")]
    pub validation_per_class: Option<u32>,
    /// Arithmetic of the convolutions while training (auto: bf16 where the CPU has it).
    #[arg(long, value_enum)]
    pub precision: Option<Precision>,
    /// Background images (default: ../shared/isaac/backgrounds when present); the real art of
    /// what is not an item comes from the `entities` folder beside it, when there is one.
    #[arg(long)]
    pub backgrounds: Option<PathBuf>,
    /// The player's labelled captures to mix in (default: the data folder's).
    #[arg(long)]
    pub captures: Option<PathBuf>,
    /// Start from this checkpoint's weights (with the recipe the other flags give).
    #[arg(long, conflicts_with = "fine_tune")]
    pub init_from: Option<PathBuf>,
    /// Fine-tune this checkpoint as the app's button does (its own recipe, half a minute, a
    /// gentler learning rate, half the samples from your captures); other flags override.
    /// Also extends it to catalog items it does not know.
    #[arg(long, value_name = "MODEL_DIR")]
    pub fine_tune: Option<PathBuf>,
    /// Render training samples on N threads of their own while the network trains
    /// (default: on every core between steps when the network uses every core on the CPU).
    #[arg(long, value_name = "N", value_parser = parse_threads)]
    pub synth_threads: Option<usize>,
    #[command(flatten)]
    pub engine: EngineArgs,
}

/// The recipe the flags ask for, every number checked.
fn recipe_from_args(args: &TrainArgs) -> anyhow::Result<Recipe> {
    let mut recipe = match &args.fine_tune {
        Some(dir) => crate::engine::read_manifest(dir)?.fine_tune_recipe(dir),
        None => Recipe::for_arch(args.arch),
    };
    if args.minutes.is_some() || args.epochs.is_some() {
        recipe.minutes = args.minutes;
        recipe.epochs = args.epochs;
    }
    set_if(&mut recipe.input_size, args.input_size);
    set_if(&mut recipe.batch_size, args.batch_size);
    set_if(&mut recipe.samples_per_class, args.samples_per_class);
    set_if(&mut recipe.learning_rate, args.learning_rate);
    set_if(&mut recipe.seed, args.seed);
    set_if(&mut recipe.background_share, args.no_item_share);
    set_if(&mut recipe.precision, args.precision);
    set_if(&mut recipe.validation_per_class, args.validation_per_class);
    if args.init_from.is_some() {
        recipe.init_from = args.init_from.clone();
    }
    recipe.check().map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(recipe)
}

pub fn train(args: TrainArgs, catalog_dir: Option<&PathBuf>) -> anyhow::Result<()> {
    let catalog = Arc::new(super::load_catalog(catalog_dir)?);
    let recipe = recipe_from_args(&args)?;
    let out = args.out.unwrap_or_else(crate::paths::default_model_dir);
    if let Some(warning) = args
        .engine
        .device
        .resolve()
        .ok()
        .and_then(|device| recipe.precision.slow_on(device))
    {
        eprintln!("warning: {warning}");
    }
    // Refused now, not after the training run.
    crate::engine::checkpoint::check_writable(&out, recipe.init_from.as_deref())?;
    let mut config = args.engine.config();
    config.backgrounds = args.backgrounds.or_else(crate::paths::default_backgrounds);
    if let Some(t) = args.synth_threads {
        config.synthesis = Some(crate::engine::Synthesis::Alongside(t));
    }
    let captures_dir = args.captures.unwrap_or_else(crate::paths::captures_dir);
    let (captures, skipped) = crate::corrections::load_labelled(&captures_dir);
    for note in &skipped {
        eprintln!("skipped capture: {note}");
    }
    let engine = Engine::start(catalog.clone(), config, None)?;
    let control = engine.control();
    // The first Ctrl-C stops early and keeps what was learned; a second cancels at once.
    ctrlc::set_handler(move || {
        use std::sync::atomic::Ordering::SeqCst;
        if control.stop.swap(true, SeqCst) {
            control.cancel.store(true, SeqCst);
        }
    })
    .context("cannot install the Ctrl-C handler")?;
    engine.send(Request::Train {
        recipe: Box::new(recipe.clone()),
        out,
        captures,
    })?;
    let started = format!(
        "training {} on {} items",
        recipe.arch.as_str(),
        catalog.len()
    );
    follow_training(&engine, &started)
}

/// Shows the job's progress (a bar on a terminal, a line every 10 s otherwise) until it ends,
/// then its figures.
fn follow_training(engine: &Engine, what: &str) -> anyhow::Result<()> {
    let bar = indicatif::ProgressBar::new(1000);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} {prefix} [{bar:30}] {percent:>3}% {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    let plain = !std::io::IsTerminal::is_terminal(&std::io::stderr());
    let mut last_line = std::time::Instant::now();
    for event in engine.events() {
        match event {
            Event::TrainingStarted {
                device,
                torch_threads,
                synthesis,
            } => {
                let line = format!(
                    "{what} ({device}, {torch_threads} torch threads, {synthesis}); Ctrl-C stops early and keeps the model, a second Ctrl-C cancels"
                );
                // A hidden bar (no terminal) prints nothing.
                if plain {
                    eprintln!("{line}");
                } else {
                    bar.println(line);
                }
            }
            Event::TrainingProgress(p) => {
                bar.set_position((p.fraction * 1000.0) as u64);
                bar.set_prefix(p.phase.as_str());
                let eta = p
                    .eta
                    .map(|e| format!(" eta {}s", e.as_secs()))
                    .unwrap_or_default();
                let message = format!(
                    "epoch {:.2} step {} loss {:.3} acc {:.1}% {:.0} img/s{eta}",
                    p.epoch,
                    p.step,
                    p.loss,
                    p.accuracy * 100.0,
                    p.images_per_second
                );
                if plain && last_line.elapsed() >= Duration::from_secs(10) {
                    last_line = std::time::Instant::now();
                    eprintln!("[{:>3.0}%] {:?}: {message}", p.fraction * 100.0, p.phase);
                }
                bar.set_message(message);
            }
            Event::TrainingFinished { dir, manifest } => {
                bar.finish_and_clear();
                println!("saved {}", dir.display());
                print_figures(&manifest);
                return Ok(());
            }
            Event::TrainingKept { dir, reason } => {
                bar.finish_and_clear();
                println!(
                    "kept {}: the new model did worse ({reason}); nothing was saved",
                    dir.display()
                );
                return Ok(());
            }
            Event::TrainingCancelled => {
                bar.finish_and_clear();
                anyhow::bail!("training was cancelled; nothing was saved");
            }
            Event::Error { during, error } => {
                bar.finish_and_clear();
                anyhow::bail!("{during}: {error}");
            }
            _ => {}
        }
    }
    anyhow::bail!("the engine stopped unexpectedly")
}

fn print_figures(manifest: &crate::engine::Manifest) {
    let m = &manifest.metrics;
    println!(
        "{} steps, {} samples ({:.2} epochs) at {:.0} images/s ({}) in {:.0} s",
        m.steps,
        m.samples_seen,
        m.epochs,
        m.train_images_per_second,
        m.precision,
        manifest.training_seconds
    );
    for v in &m.validation {
        let before = m
            .starting_validation
            .iter()
            .find(|b| b.set == v.set && b.style == v.style)
            .map(|b| format!("  (starting model {:.2}%)", b.top1 * 100.0))
            .unwrap_or_default();
        println!(
            "validation {:<6} {:<10} top-1 {:.2}%  top-5 {:.2}%  top-10 {:.2}%  ({} crops){before}",
            v.set.as_str(),
            v.style.as_str(),
            v.top1 * 100.0,
            v.top5 * 100.0,
            v.top10 * 100.0,
            v.samples
        );
    }
    println!(
        "calibration: temperature {:.2}; mean top score {:.2} on items, {:.2} on crops with no item",
        manifest.temperature, m.mean_top_score_items, m.mean_top_score_no_item
    );
}

// -------------------------------------------------------------------------- predict

#[derive(Debug, Args)]
pub struct PredictArgs {
    /// Checkpoint folder (default: the data folder's model).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// One JSON object per line.
    #[arg(long)]
    pub json: bool,
    /// How many items per crop, 1-50.
    #[arg(long, default_value_t = 10, value_parser = parse_top)]
    pub top: usize,
    /// Cut this box (x,y,w,h in pixels) out of each image; otherwise each image is a crop.
    #[arg(long = "box")]
    pub crop_box: Option<CropBox>,
    #[command(flatten)]
    pub engine: EngineArgs,
    #[arg(required = true)]
    pub images: Vec<PathBuf>,
}

#[derive(Serialize)]
pub(super) struct PredictionJson<'a> {
    kind: &'a str,
    id: u32,
    name_en: &'a str,
    name_zh: &'a str,
    score: f32,
}

/// Predictions as JSON rows: the item's kind, game id, both names and the score.
pub(super) fn prediction_rows<'a>(
    catalog: &'a Catalog,
    predictions: &[Prediction],
) -> Vec<PredictionJson<'a>> {
    predictions
        .iter()
        .filter_map(|p| {
            let item = catalog.get(p.key)?;
            Some(PredictionJson {
                kind: item.kind.as_str(),
                id: item.id,
                name_en: &item.name_en,
                name_zh: &item.name_zh,
                score: (p.score * 10_000.0).round() / 10_000.0,
            })
        })
        .collect()
}

/// Predictions as ranked lines for people.
pub(super) fn print_ranked(catalog: &Catalog, predictions: &[Prediction], indent: &str) {
    for (rank, p) in predictions.iter().enumerate() {
        if let Some(item) = catalog.get(p.key) {
            println!(
                "{indent}{:>2}. {:>5.1}%  {:<16} {} / {}",
                rank + 1,
                p.score * 100.0,
                p.key.to_string(),
                item.name_en,
                item.name_zh
            );
        }
    }
}

/// Starts an engine with the model loaded, or says why not.
pub fn engine_with_model(
    catalog: Arc<Catalog>,
    config: EngineConfig,
    model: &Path,
) -> anyhow::Result<Engine> {
    let engine = Engine::start(catalog, config, None)?;
    engine.send(Request::LoadModel(model.to_path_buf()))?;
    match engine.next_event(LOAD_LIMIT)? {
        Event::ModelLoaded { .. } => Ok(engine),
        Event::Error { error, .. } => Err(error.into()),
        other => Err(anyhow::anyhow!("unexpected engine event {other:?}")),
    }
}

/// The longest a command waits for a model to load.
const LOAD_LIMIT: Duration = Duration::from_secs(120);

/// The longest a command waits for a prediction of `crops` crops: generous for a slow CPU.
pub fn predict_limit(crops: usize) -> Duration {
    Duration::from_secs(60) + Duration::from_millis(200) * crops as u32
}

/// Predicts all crops in one request; returns one result per crop.
pub fn predict_crops(
    engine: &Engine,
    crops: Vec<DynamicImage>,
    top: usize,
) -> anyhow::Result<Vec<Vec<Prediction>>> {
    if crops.is_empty() {
        return Ok(Vec::new());
    }
    let limit = predict_limit(crops.len());
    let id = engine.send(Request::Predict { crops, top_k: top })?;
    predictions_for(engine, id, limit)
}

/// Waits (at most `limit`) for the predictions answering request `id`.
pub fn predictions_for(
    engine: &Engine,
    id: crate::engine::RequestId,
    limit: Duration,
) -> anyhow::Result<Vec<Vec<Prediction>>> {
    loop {
        match engine.next_event(limit)? {
            Event::Predictions {
                id: answered,
                results,
            } if answered == id => return Ok(results?),
            Event::Error { error, .. } => return Err(error.into()),
            _ => {}
        }
    }
}

/// Longest side a crop is kept at: the network sees at most 256 px, so anything larger is
/// scaled down as soon as it is decoded and memory stays flat however large the input.
const MAX_KEPT_SIDE: u32 = 512;

/// Inputs decoded and predicted at a time.
const FILES_PER_CHUNK: usize = 32;

fn load_crop(path: &Path, crop_box: Option<CropBox>) -> Result<DynamicImage, String> {
    let img = crate::imageio::open(path).map_err(|e| e.to_string())?;
    let crop = match crop_box {
        Some(b) => b.cut(&img)?,
        None if img.width() == 0 || img.height() == 0 => return Err("image is empty".into()),
        None => img,
    };
    if crop.width().max(crop.height()) > MAX_KEPT_SIDE {
        return Ok(crop.resize(
            MAX_KEPT_SIDE,
            MAX_KEPT_SIDE,
            image::imageops::FilterType::Triangle,
        ));
    }
    Ok(crop)
}

/// The one piece `predict` and `eval` share: each file decoded (and cut), predicted in
/// chunks of [`FILES_PER_CHUNK`], and handed to `each` in input order with its result.
fn predict_files(
    engine: &Engine,
    files: &[PathBuf],
    crop_box: Option<CropBox>,
    top: usize,
    mut each: impl FnMut(&Path, Result<Vec<Prediction>, String>),
) -> anyhow::Result<()> {
    for chunk in files.chunks(FILES_PER_CHUNK) {
        // Crops move to the engine; only the errors stay here, in input order.
        let mut crops = Vec::with_capacity(chunk.len());
        let errors: Vec<Option<String>> = chunk
            .iter()
            .map(|p| match load_crop(p, crop_box) {
                Ok(crop) => {
                    crops.push(crop);
                    None
                }
                Err(e) => Some(e),
            })
            .collect();
        let mut results = predict_crops(engine, crops, top)?.into_iter();
        for (path, error) in chunk.iter().zip(errors) {
            match error {
                Some(e) => each(path, Err(e)),
                None => each(path, Ok(results.next().unwrap_or_default())),
            }
        }
    }
    Ok(())
}

pub fn predict(args: PredictArgs, catalog_dir: Option<&PathBuf>) -> anyhow::Result<()> {
    let catalog = Arc::new(super::load_catalog(catalog_dir)?);
    let model = super::model_or_default(args.model.as_ref())?;
    let engine = engine_with_model(catalog.clone(), args.engine.config(), &model)?;
    let mut failures = 0;
    predict_files(
        &engine,
        &args.images,
        args.crop_box,
        args.top,
        |path, result| {
            let file = path.display().to_string();
            match result {
                Err(e) => {
                    failures += 1;
                    if args.json {
                        println!("{}", serde_json::json!({ "file": file, "error": e }));
                    } else {
                        eprintln!("{file}: {e}");
                    }
                }
                Ok(predictions) => {
                    if args.json {
                        let rows = prediction_rows(&catalog, &predictions);
                        println!(
                            "{}",
                            serde_json::json!({ "file": file, "predictions": rows })
                        );
                    } else {
                        println!("{file}");
                        print_ranked(&catalog, &predictions, "  ");
                    }
                }
            }
        },
    )?;
    if failures > 0 {
        anyhow::bail!("{failures} of {} images failed", args.images.len());
    }
    Ok(())
}

// ----------------------------------------------------------------------------- eval

#[derive(Debug, Args)]
pub struct EvalArgs {
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// CSV with columns file,kind,game_id (paths relative to the CSV).
    #[arg(long)]
    pub labels: PathBuf,
    #[command(flatten)]
    pub engine: EngineArgs,
}

pub fn eval(args: EvalArgs, catalog_dir: Option<&PathBuf>) -> anyhow::Result<()> {
    let catalog = Arc::new(super::load_catalog(catalog_dir)?);
    let (rows, unknown): (Vec<_>, Vec<_>) = crate::corrections::read_labels(&args.labels)?
        .into_iter()
        .partition(|r| catalog.get(r.key).is_some());
    // A label the catalog lacks cannot be scored: named, left out of the count, and the run
    // ends in an error after the rest are scored.
    for row in &unknown {
        eprintln!(
            "{}: labelled {}, which the catalog does not hold; not scored",
            crate::quote::path(&row.path),
            row.key
        );
    }
    if rows.is_empty() {
        anyhow::bail!(
            "{}: no labelled rows of catalog items",
            crate::quote::path(&args.labels)
        );
    }
    let model = super::model_or_default(args.model.as_ref())?;
    let engine = engine_with_model(catalog.clone(), args.engine.config(), &model)?;
    let mut hits = [0usize; 3];
    let mut misses = Vec::new();
    let mut failures = 0;
    let files: Vec<PathBuf> = rows.iter().map(|r| r.path.clone()).collect();
    let mut row_of = rows.iter();
    predict_files(&engine, &files, None, 10, |path, result| {
        let Some(row) = row_of.next() else { return };
        let predictions = match result {
            Ok(p) => p,
            Err(e) => {
                failures += 1;
                misses.push(format!("{}: {e}", crate::quote::path(path)));
                return;
            }
        };
        let rank = predictions.iter().position(|p| p.key == row.key);
        for (slot, k) in [1, 5, 10].iter().enumerate() {
            if rank.is_some_and(|r| r < *k) {
                hits[slot] += 1;
            }
        }
        if rank != Some(0) {
            let name = |k| {
                catalog
                    .get(k)
                    .map(|i| i.display_name())
                    .unwrap_or_else(|| k.to_string())
            };
            let got: Vec<String> = predictions
                .iter()
                .take(3)
                .map(|p| format!("{} {:.2}", name(p.key), p.score))
                .collect();
            misses.push(format!(
                "{}: expected {} ({}), rank {}; got {}",
                crate::quote::path(path),
                row.key,
                name(row.key),
                rank.map(|r| (r + 1).to_string())
                    .unwrap_or_else(|| ">10".into()),
                got.join(", ")
            ));
        }
    })?;
    let n = rows.len();
    println!("top-1: {}/{n}", hits[0]);
    println!("top-5: {}/{n}", hits[1]);
    println!("top-10: {}/{n}", hits[2]);
    if !misses.is_empty() {
        println!("misses:");
        for m in misses {
            println!("  {m}");
        }
    }
    if failures > 0 {
        anyhow::bail!("{failures} of {n} images could not be read");
    }
    if !unknown.is_empty() {
        anyhow::bail!(
            "{} labels name items the catalog does not hold (first: {})",
            unknown.len(),
            unknown[0].key
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------- synth

#[derive(Debug, Args)]
pub struct SynthArgs {
    /// A new or empty folder, or one this command wrote before (it is replaced whole).
    #[arg(long)]
    pub out: PathBuf,
    /// Samples per item, 1-1000.
    #[arg(long, default_value_t = 4)]
    pub per_class: u32,
    /// Only the first N items of the catalog (0: all).
    #[arg(long, default_value_t = 0)]
    pub classes: usize,
    /// Side of each sample in pixels, as a model's input: 16-256.
    #[arg(long, default_value_t = 32)]
    pub size: u32,
    /// Render from the held-out validation backgrounds instead of the training ones.
    #[arg(long)]
    pub validation: bool,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[arg(long)]
    pub backgrounds: Option<PathBuf>,
}

/// Samples per item `synth` renders at most.
pub const SYNTH_PER_CLASS: std::ops::RangeInclusive<u32> = 1..=1000;

/// The overview sheet, written last: a folder holding it is a whole `synth` output.
const SHEET_FILE: &str = "sheet.png";

/// What a `synth` output folder holds; nothing else in it is ours to replace.
const SYNTH_LAYOUT: crate::fsutil::Layout = crate::fsutil::Layout {
    marker: SHEET_FILE,
    files: &[],
    folders: &[],
    file_extensions: &["png"],
};

/// The samples `args` asks for, in order: each item, alternating screenshot and phone.
fn synth_specs(args: &SynthArgs, classes: usize) -> Vec<SampleSpec> {
    let split = if args.validation {
        Split::Validation
    } else {
        Split::Train
    };
    (0..classes)
        .flat_map(|class| (0..args.per_class).map(move |n| (class, n)))
        .map(|(class, n)| SampleSpec {
            class: Some(class),
            style: if n % 2 == 0 {
                Style::Screenshot
            } else {
                Style::Phone
            },
            split,
            seed: synth::sample_seed(args.seed, (class as u64) << 20 | u64::from(n)),
        })
        .collect()
}

pub fn synth_samples(args: SynthArgs, catalog_dir: Option<&PathBuf>) -> anyhow::Result<()> {
    crate::engine::recipe::check_range("size", args.size, crate::engine::checkpoint::INPUT_SIZES)
        .map_err(anyhow::Error::msg)?;
    crate::engine::recipe::check_range("per-class", args.per_class, SYNTH_PER_CLASS)
        .map_err(anyhow::Error::msg)?;
    crate::fsutil::remove_stale_staging(&args.out, &SYNTH_LAYOUT);
    crate::fsutil::check_replaceable(&args.out, &SYNTH_LAYOUT, &[]).map_err(anyhow::Error::msg)?;
    let catalog = super::load_catalog(catalog_dir)?;
    let backgrounds = args
        .backgrounds
        .clone()
        .or_else(crate::paths::default_backgrounds);
    let assets = SynthAssets::load(&catalog, backgrounds.as_deref())?;
    let classes = if args.classes == 0 {
        catalog.len()
    } else {
        args.classes.min(catalog.len())
    };
    let specs = synth_specs(&args, classes);
    // Written beside the output and renamed into place: never half a folder of samples.
    if let Some(parent) = args.out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let staged = crate::fsutil::staging_path(&args.out);
    let written = write_samples(&catalog, &assets, &specs, args.size, &staged).and_then(|()| {
        crate::fsutil::replace_dir(&staged, &args.out)
            .with_context(|| format!("cannot write {}", args.out.display()))
    });
    if written.is_err() {
        let _ = std::fs::remove_dir_all(&staged);
    }
    written?;
    println!(
        "wrote {} samples of {classes} items to {} (overview: {})",
        specs.len(),
        args.out.display(),
        args.out.join(SHEET_FILE).display()
    );
    Ok(())
}

/// Renders `specs` into the folder `dir` (256 at a time), the overview sheet last.
fn write_samples(
    catalog: &Catalog,
    assets: &SynthAssets,
    specs: &[SampleSpec],
    size: u32,
    dir: &Path,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let bar = indicatif::ProgressBar::new(specs.len() as u64);
    let options = SynthOptions::default();
    let mut sheet_tiles = Vec::new();
    for chunk in specs.chunks(256) {
        let images = synth::render_many(assets, chunk, size, &options);
        for (spec, img) in chunk.iter().zip(images) {
            let item = &catalog.items()[spec.class.unwrap_or(0)];
            let style = spec.style.as_str();
            let path = dir.join(format!(
                "{}_{:03}_{:016x}_{style}.png",
                item.kind, item.id, spec.seed
            ));
            img.save(&path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            if sheet_tiles.len() < 256 {
                sheet_tiles.push(img);
            }
            bar.inc(1);
        }
    }
    bar.finish_and_clear();
    let mut png = Vec::new();
    DynamicImage::ImageRgb8(contact_sheet(&sheet_tiles, size))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)?;
    let sheet = dir.join(SHEET_FILE);
    crate::fsutil::write_atomic(&sheet, &png)
        .with_context(|| format!("cannot write {}", sheet.display()))
}

/// Tiles up to 256 samples, 16 a row, each shown at 3x for people to look at.
pub fn contact_sheet(tiles: &[image::RgbImage], size: u32) -> image::RgbImage {
    let zoom = 3;
    let cols = 16u32;
    let rows = (tiles.len() as u32).div_ceil(cols).max(1);
    let cell = size * zoom + 2;
    let mut sheet =
        image::RgbImage::from_pixel(cols * cell, rows * cell, image::Rgb([255, 255, 255]));
    for (i, tile) in tiles.iter().enumerate() {
        let big = image::imageops::resize(
            tile,
            size * zoom,
            size * zoom,
            image::imageops::FilterType::Nearest,
        );
        let (x, y) = ((i as u32 % cols) * cell + 1, (i as u32 / cols) * cell + 1);
        image::imageops::overlay(&mut sheet, &big, x.into(), y.into());
    }
    sheet
}

pub use engine::read_manifest;
