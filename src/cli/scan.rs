//! `isaac-lens scan`: every item in whole frames (screenshots, captures), one result per
//! frame in input order.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use clap::Args;

use super::recognise::{
    EngineArgs, PredictionJson, engine_with_model, prediction_rows, print_ranked,
};
use crate::catalog::Catalog;
use crate::engine::scan::{Find, GamePicture};
use crate::engine::{Engine, Event, Request};

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Checkpoint folder (default: the data folder's model).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// One JSON object per frame and line.
    #[arg(long)]
    pub json: bool,
    /// How many items per find, 1-50.
    #[arg(long, default_value_t = 10, value_parser = super::recognise::parse_top)]
    pub top: usize,
    #[command(flatten)]
    pub picture: GamePictureArg,
    #[command(flatten)]
    pub engine: EngineArgs,
    #[arg(required = true)]
    pub frames: Vec<PathBuf>,
}

/// `--game-picture`, for the commands that scan frames.
#[derive(Debug, Args)]
pub struct GamePictureArg {
    /// Where the game's picture is in the frames, as shares of their width and height:
    /// X,Y,W,H from 0 to 1 (a monitor capture with the game in a window, a window capture
    /// with its title bar). Without it the scan finds the picture itself.
    #[arg(long, value_name = "X,Y,W,H", value_parser = GamePicture::parse)]
    pub game_picture: Option<GamePicture>,
}

/// The longest a command waits for one frame's scan: generous for a slow CPU.
const SCAN_LIMIT: Duration = Duration::from_secs(120);

pub fn scan(args: ScanArgs, catalog_dir: Option<&PathBuf>) -> anyhow::Result<()> {
    let catalog = Arc::new(super::load_catalog(catalog_dir)?);
    let model = super::model_or_default(args.model.as_ref())?;
    let engine = engine_with_model(catalog.clone(), args.engine.config(), &model)?;
    let mut failures = 0;
    for path in &args.frames {
        // One frame at a time: memory stays that of one frame however many are given.
        let result = crate::imageio::open(path)
            .map_err(|e| e.to_string())
            .and_then(|frame| scan_frame(&engine, frame, args.picture.game_picture, args.top));
        let file = path.display().to_string();
        match result {
            Ok(finds) if args.json => println!("{}", finds_json(&catalog, &file, &finds)),
            Ok(finds) => print_finds(&catalog, path, &finds),
            Err(e) => {
                failures += 1;
                if args.json {
                    println!("{}", error_json(&file, &e));
                } else {
                    eprintln!("{file}: {e}");
                }
            }
        }
    }
    if failures > 0 {
        anyhow::bail!("{failures} of {} frames failed", args.frames.len());
    }
    Ok(())
}

/// One frame through the engine; a dead or silent worker is an error, not a wait.
pub fn scan_frame(
    engine: &Engine,
    frame: image::DynamicImage,
    picture: Option<GamePicture>,
    top_k: usize,
) -> Result<Vec<Find>, String> {
    let id = engine
        .send(Request::Scan {
            frame: Arc::new(frame),
            picture,
            top_k,
        })
        .map_err(|e| e.to_string())?;
    loop {
        match engine.next_event(SCAN_LIMIT).map_err(|e| e.to_string())? {
            Event::Scanned {
                id: answered,
                results,
            } if answered == id => {
                return results.map_err(|e| e.to_string());
            }
            Event::Error { error, .. } => return Err(error.to_string()),
            _ => {}
        }
    }
}

/// One frame's line: its finds, or why it failed (field order as documented).
#[derive(serde::Serialize)]
struct FrameJson<'a> {
    file: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    items: Option<Vec<FindJson<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

#[derive(serde::Serialize)]
struct FindJson<'a> {
    #[serde(rename = "box")]
    bbox: [u32; 4],
    predictions: Vec<PredictionJson<'a>>,
    /// The price read below it: `{"cents": 15}`, `{"hearts": 2}`, `{"soul_hearts": 3}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    price: Option<crate::catalog::price_font::Price>,
    /// A hidden item (Curse of the Blind): no predictions.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    hidden: bool,
}

fn finds_json(catalog: &Catalog, file: &str, finds: &[Find]) -> String {
    let items = finds
        .iter()
        .map(|f| FindJson {
            bbox: [f.bbox.x, f.bbox.y, f.bbox.w, f.bbox.h],
            predictions: prediction_rows(catalog, &f.predictions),
            price: f.price,
            hidden: f.hidden,
        })
        .collect();
    json_line(&FrameJson {
        file,
        items: Some(items),
        error: None,
    })
}

fn error_json(file: &str, error: &str) -> String {
    json_line(&FrameJson {
        file,
        items: None,
        error: Some(error),
    })
}

fn json_line(frame: &FrameJson) -> String {
    // Plain data with string keys: serialising it cannot fail.
    serde_json::to_string(frame).unwrap_or_default()
}

fn print_finds(catalog: &Catalog, path: &Path, finds: &[Find]) {
    println!("{}: {} item(s)", path.display(), finds.len());
    for f in finds {
        let b = f.bbox;
        match f.price {
            Some(price) => println!(
                "  box {},{},{},{} · price {}",
                b.x,
                b.y,
                b.w,
                b.h,
                crate::run_log::price_text(price)
            ),
            None => println!("  box {},{},{},{}", b.x, b.y, b.w, b.h),
        }
        if f.hidden {
            println!("    hidden item (Curse of the Blind: the game shows a \"?\")");
        }
        print_ranked(catalog, &f.predictions, "    ");
    }
}
