//! The command line's subcommands (the app is `app`); each returns anyhow errors to `main`.

pub mod catalog;
pub mod recognise;
pub mod scan;

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
        Ok(c) => println!(
            "catalog: {} ({} collectibles, {} trinkets)",
            c.dir().display(),
            c.count(crate::catalog::ItemKind::Collectible),
            c.count(crate::catalog::ItemKind::Trinket)
        ),
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
    /// Where to write the PNG.
    #[arg(long)]
    pub out: Option<PathBuf>,
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
    let frame = capture_once(&source.id)?;
    let out = args
        .out
        .ok_or_else(|| anyhow::anyhow!("--out FILE is needed"))?;
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
