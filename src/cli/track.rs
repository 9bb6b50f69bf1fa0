//! `isaac-lens track`: a recorded session's frames played in order through companion mode's
//! watch and the run log, as the app keeps a run; the run printed at the end.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;

use super::recognise::{EngineArgs, engine_with_model, predict_limit, predictions_for};
use super::scan::{GamePictureArg, scan_frame};
use crate::capture::Signature;
use crate::companion::{RoomList, RoomWatch};
use crate::engine::scan::GamePicture;
use crate::engine::{Engine, Request};
use crate::run_log::{Fate, Run, Summary, SummaryItem};

#[derive(Debug, Args)]
pub struct TrackArgs {
    /// Checkpoint folder (default: the data folder's model).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// The run as one JSON object.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub picture: GamePictureArg,
    #[command(flatten)]
    pub engine: EngineArgs,
    /// The frames of the session, in order.
    #[arg(required = true)]
    pub frames: Vec<PathBuf>,
}

pub fn track(args: TrackArgs, catalog_dir: Option<&PathBuf>) -> anyhow::Result<()> {
    let catalog = Arc::new(super::load_catalog(catalog_dir)?);
    let model = super::model_or_default(args.model.as_ref())?;
    let engine = engine_with_model(catalog.clone(), args.engine.config(), &model)?;
    let mut watch = RoomWatch::default();
    let mut room = RoomList::default();
    let mut run = Run::default();
    let mut failures = 0;
    for (number, path) in args.frames.iter().enumerate() {
        let number = number as u64;
        let frame = match crate::imageio::open(path) {
            Ok(frame) => frame,
            Err(e) => {
                // Reported and skipped; the rest of the session still plays.
                failures += 1;
                eprintln!("{}: {e}", crate::quote::path(path));
                continue;
            }
        };
        let signature = Signature::of(&frame.to_rgba8());
        if !watch.observe_recorded(signature.clone()) {
            continue;
        }
        let picture = args.picture.game_picture;
        let finds = scan_frame(&engine, frame.clone(), picture, 1)
            .map_err(|e| anyhow::anyhow!("{}: {e}", crate::quote::path(path)))?;
        room.scanned(watch.new_room, &finds);
        let listed: Vec<_> = room.listed().cloned().collect();
        run.room_scanned(number, watch.new_room, &signature, &listed);
        run.active_predicted(number, &active_slot_predictions(&engine, &frame, picture)?);
    }
    let json = Summary {
        runs: vec![run.summary(&catalog)],
    };
    if args.json {
        println!("{}", serde_json::to_string(&json)?);
    } else {
        print_run(&json);
    }
    if failures > 0 {
        anyhow::bail!(
            "{failures} of {} frames could not be read",
            args.frames.len()
        );
    }
    Ok(())
}

/// The recogniser's best guess for the HUD's active slot (none when the frame has no HUD).
fn active_slot_predictions(
    engine: &Engine,
    frame: &image::DynamicImage,
    picture: Option<GamePicture>,
) -> anyhow::Result<Vec<crate::engine::Prediction>> {
    let id = engine.send(Request::ReadActiveSlot {
        frame: Arc::new(frame.clone()),
        picture,
    })?;
    let lists = predictions_for(engine, id, predict_limit(1))?;
    Ok(lists.into_iter().next().unwrap_or_default())
}

fn print_run(json: &Summary) {
    for run in &json.runs {
        let name = |i: &SummaryItem| format!("{} / {} ({}:{})", i.name_en, i.name_zh, i.kind, i.id);
        println!("taken:");
        for i in &run.taken {
            println!("  {}", name(i));
        }
        println!("seen, not taken:");
        for i in &run.seen {
            let rerolled = if i.fate == Some(Fate::Rerolled) {
                " (rerolled)"
            } else {
                ""
            };
            println!("  {}{rerolled}", name(i));
        }
        match &run.active {
            Some(i) => println!("active: {}", name(i)),
            None => println!("active: none seen"),
        }
        for t in &run.transformations {
            println!("{} / {}: {} of {}", t.name_en, t.name_zh, t.count, t.needed);
        }
    }
}
