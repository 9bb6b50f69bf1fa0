//! The command line's subcommands (the app is `app`); each returns anyhow errors to `main`.

pub mod catalog;
pub mod recognise;
pub mod scan;
pub mod track;

use std::path::PathBuf;

use anyhow::Context as _;

use crate::catalog::Catalog;

/// Loads the catalog at `dir` (or the default one), with a hint when none is there.
pub fn load_catalog(dir: Option<&PathBuf>) -> anyhow::Result<Catalog> {
    let dir = dir
        .cloned()
        .unwrap_or_else(crate::paths::default_catalog_dir);
    if !dir.join(crate::catalog::CATALOG_FILE).is_file() {
        anyhow::bail!(
            "no catalog in {}: run `isaac-lens catalog import --huiji DIR --eid DIR` first",
            dir.display()
        );
    }
    Catalog::load(&dir).with_context(|| format!("cannot load the catalog in {}", dir.display()))
}

#[derive(Debug, clap::Args)]
pub struct InfoArgs {
    /// Print only the folder of the model commands use (the player's own, else the shipped one).
    #[arg(long)]
    pub model_dir: bool,
}

/// The model a command uses: the one named, else the player's own default, else the shipped one.
pub fn model_or_default(named: Option<&PathBuf>) -> anyhow::Result<PathBuf> {
    let models = crate::paths::models_dir();
    crate::shipped::chosen_or_default(named.map(PathBuf::as_path), &models)
        .with_context(|| format!("cannot write the shipped model into {}", models.display()))
}

/// `isaac-lens info`: the data folder, catalog, model and device.
pub fn info(args: InfoArgs, catalog_dir: Option<&PathBuf>) -> anyhow::Result<()> {
    let model_dir = model_or_default(None)?;
    if args.model_dir {
        println!("{}", model_dir.display());
        return Ok(());
    }
    println!("data folder: {}", crate::paths::data_dir().display());
    match load_catalog(catalog_dir) {
        Ok(c) => {
            println!(
                "catalog: {} ({} collectibles, {} trinkets)",
                c.dir().display(),
                c.count(crate::catalog::ItemKind::Collectible),
                c.count(crate::catalog::ItemKind::Trinket)
            );
            match c.price_font() {
                Some(font) => println!("price font: {} glyphs (prices are read)", font.len()),
                None => println!("price font: none (import with --entities to read prices)"),
            }
            match c.altars() {
                Some(altars) => {
                    println!("altars: {} sprites (finds on an altar)", altars.len());
                    println!(
                        "hidden-item marks: {} sprites (Curse of the Blind)",
                        altars.blind_marks().len()
                    );
                }
                None => println!("altars: none (import with --entities)"),
            }
        }
        Err(e) => println!("catalog: {e:#}"),
    }
    match crate::engine::read_manifest(&model_dir) {
        Ok(m) => {
            println!(
                "model: {} ({}, {} px, {} classes; validation top-1 screenshots / phone photos: {})",
                model_dir.display(),
                m.arch.as_str(),
                m.input_size,
                m.classes.len(),
                m.metrics.top1_summary()
            );
        }
        Err(e) => println!("model: none ({e})"),
    }
    println!(
        "device: {} (CUDA {})",
        crate::engine::device_name(tch::Device::cuda_if_available()),
        if tch::Cuda::is_available() {
            "available"
        } else {
            "not available"
        }
    );
    Ok(())
}

#[derive(Debug, clap::Args)]
pub struct CaptureArgs {
    /// Where to write the PNG (with --follow: a new or empty folder for the frames).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Record the source live for this many seconds (1-86400), a PNG for each new picture,
    /// following it if it closes and comes back under the same name.
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    pub follow: Option<u64>,
    /// Capture the first window whose title contains this text (default: the first monitor).
    #[arg(long)]
    pub window: Option<String>,
    /// List the monitors and windows instead.
    #[arg(long)]
    pub list: bool,
}

/// `isaac-lens capture`: one frame of a monitor or window through xcap, as the app sees it.
pub fn capture(args: CaptureArgs) -> anyhow::Result<()> {
    use crate::capture::{SourceId, capture_once, list_sources};
    let sources = list_sources()?;
    if args.list {
        for s in &sources {
            println!("{}", s.label);
        }
        return Ok(());
    }
    let source = match &args.window {
        Some(text) => sources
            .iter()
            .find(|s| matches!(s.id, SourceId::Window { .. }) && s.label.contains(text.as_str()))
            .ok_or_else(|| anyhow::anyhow!("no window title contains {text:?}"))?,
        None => sources
            .iter()
            .find(|s| matches!(s.id, SourceId::Monitor { .. }))
            .ok_or_else(|| anyhow::anyhow!("no monitor found"))?,
    };
    let out = args
        .out
        .ok_or_else(|| anyhow::anyhow!("--out FILE is needed"))?;
    if let Some(seconds) = args.follow {
        return record(source, &out, std::time::Duration::from_secs(seconds));
    }
    let frame = capture_once(&source.id)?;
    let mut png = Vec::new();
    frame.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)?;
    crate::fsutil::write_atomic(&out, &png)
        .with_context(|| format!("cannot write {}", out.display()))?;
    println!(
        "{} ({}x{}) -> {}",
        source.label,
        frame.width(),
        frame.height(),
        out.display()
    );
    Ok(())
}

/// A `--follow` duration: 1 second to a day.
fn parse_seconds(s: &str) -> Result<u64, String> {
    let n: u64 = s
        .parse()
        .map_err(|_| format!("{s:?} is not a whole number of seconds"))?;
    crate::engine::recipe::check_range("follow", n, 1..=86_400)?;
    Ok(n)
}

/// `capture --follow`: the source's pictures for `length`, each new one as
/// `frame_NNNNN.png` in the new or empty folder `out`; a line on standard output for each
/// frame and each time the source goes away or comes back.
fn record(
    source: &crate::capture::SourceInfo,
    out: &std::path::Path,
    length: std::time::Duration,
) -> anyhow::Result<()> {
    use std::time::{Duration, Instant};
    let empty = std::fs::read_dir(out).map_or(true, |mut d| d.next().is_none());
    if out.exists() && !(out.is_dir() && empty) {
        anyhow::bail!(
            "{} is not a new or empty folder; the frames need one",
            crate::quote::path(out)
        );
    }
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let feed = crate::capture::LiveCapture::start(source.clone(), 4.0, std::sync::Arc::new(|| {}));
    let started = Instant::now();
    let (mut count, mut waiting) = (0u32, false);
    println!("recording {} for {} s", source.label, length.as_secs());
    while started.elapsed() < length {
        match feed.latest() {
            Some(Ok(frame)) => {
                count += 1;
                let path = out.join(format!("frame_{count:05}.png"));
                let mut png = Vec::new();
                frame
                    .image
                    .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)?;
                crate::fsutil::write_atomic(&path, &png)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                println!(
                    "frame {count} {}x{} at {:.1} s",
                    frame.image.width(),
                    frame.image.height(),
                    started.elapsed().as_secs_f32()
                );
            }
            Some(Err(e)) => anyhow::bail!("{e}"),
            None => {}
        }
        if feed.is_waiting() != waiting {
            waiting = !waiting;
            let word = if waiting { "waiting for" } else { "back:" };
            println!("{word} {}", source.label);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    println!("{count} frames in {}", out.display());
    Ok(())
}
