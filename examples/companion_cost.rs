//! What the run log and the stream overlay cost on top of companion mode, side by side in
//! one process: a session of renderer frames (held-out real rooms, items taken, a room left
//! and come back to) played through companion mode's watch, the scan and the room list
//! (`alone`), and through all that plus the run log, the HUD's active-slot read, the run file
//! written and the overlay published to an open event stream (`kept`). Rounds alternate; CPU
//! time of the whole process (every thread) from /proc.
//! `cargo run --release --example companion_cost -- [ROUNDS]` (the data folder's catalog,
//! `models/default`, `../shared/isaac/backgrounds`; 2 torch threads).

#[path = "support/data.rs"]
mod data;

use std::io::{Read as _, Write as _};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use image::DynamicImage;
use isaac_lens::capture::Signature;
use isaac_lens::cli::recognise::{engine_with_model, predict_limit, predictions_for};
use isaac_lens::cli::scan::scan_frame;
use isaac_lens::companion::{RoomList, RoomWatch};
use isaac_lens::engine::room_shots::RoomScene;
use isaac_lens::engine::{DeviceChoice, EngineConfig, Request};
use isaac_lens::fsutil::FileWriter;
use isaac_lens::overlay::{Overlay, OverlayState};
use isaac_lens::run_log::Run;

/// CPU seconds this process has used (user + system, every thread).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command's closing parenthesis; utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<f64> = rest
        .split_whitespace()
        .filter_map(|f| f.parse().ok())
        .collect();
    fields
        .get(11)
        .zip(fields.get(12))
        .map_or(0.0, |(u, s)| (u + s) / 100.0)
}

fn main() -> anyhow::Result<()> {
    let rounds: usize = std::env::args()
        .nth(1)
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(5);
    let (catalog, assets) = data::catalog_and_assets()?;
    let catalog = Arc::new(catalog);
    let class = |id: u32| data::class_of(&catalog, id);
    let scene = |kind: usize, spots: usize, seed: u64| {
        RoomScene::first_with(&assets, kind, spots, seed)
            .ok_or_else(|| anyhow::anyhow!("no room of kind {kind}"))
    };
    let (a, b) = (scene(2, 3, 40)?, scene(0, 1, 90)?);
    let shot = |room: &RoomScene, items: &[Option<u32>]| {
        let mut classes: Vec<Option<usize>> = items.iter().map(|i| i.and_then(class)).collect();
        classes.resize(room.spots().len(), None);
        DynamicImage::ImageRgb8(room.shot(&assets, &classes, class(105), 1280))
    };
    // Each picture three times, as a settled screen gives it; the session four times over
    // (rooms come back), so that each measurement spans about a second of CPU.
    let once = [
        shot(&a, &[Some(1), Some(118), Some(23)]),
        shot(&a, &[None, Some(118), Some(23)]),
        shot(&b, &[Some(12)]),
        shot(&a, &[None, Some(118), Some(23)]),
        shot(&a, &[None, None, Some(23)]),
    ];
    let session: Vec<DynamicImage> = (0..4)
        .flat_map(|_| once.iter())
        .flat_map(|f| std::iter::repeat_n(f.clone(), 3))
        .collect();
    let config = EngineConfig {
        device: DeviceChoice::Cpu,
        torch_threads: 2,
        ..EngineConfig::default()
    };
    let engine = engine_with_model(catalog.clone(), config, Path::new("models/default"))?;

    // The overlay with a page's event stream open, read on a thread of its own.
    let overlay = Overlay::start(0)?;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", overlay.port()))?;
    write!(stream, "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")?;
    let reader = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        let mut total = 0;
        while let Ok(n) = stream.read(&mut buf) {
            if n == 0 {
                break;
            }
            total += n;
        }
        total
    });
    let writer = FileWriter::spawn();
    let dir = tempfile_dir()?;

    println!(
        "session: {} frames; {rounds} rounds, alternating",
        session.len()
    );
    let mut costs: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    let mut scans = 0;
    for round in 0..rounds {
        for kept in [false, true] {
            let (cpu, wall) = (cpu_seconds(), Instant::now());
            let mut watch = RoomWatch::default();
            let mut room = RoomList::default();
            let mut run = Run::default();
            scans = 0;
            for (number, frame) in session.iter().enumerate() {
                let signature = Signature::of(&frame.to_rgba8());
                if !watch.observe_recorded(signature.clone()) {
                    continue;
                }
                scans += 1;
                let finds =
                    scan_frame(&engine, frame.clone(), None, 10).map_err(anyhow::Error::msg)?;
                room.scanned(watch.new_room, &finds);
                if !kept {
                    continue;
                }
                let listed: Vec<_> = room.listed().cloned().collect();
                run.room_scanned(number as u64, watch.new_room, &signature, &listed);
                let id = engine.send(Request::ReadActiveSlot {
                    frame: Arc::new(frame.clone()),
                    picture: None,
                })?;
                let best = predictions_for(&engine, id, predict_limit(1))?;
                run.active_predicted(number as u64, best.first().map_or(&[], |b| b));
                writer.write(dir.join("run.json"), run.to_json()?);
                let state = OverlayState::from_run(&run, &catalog, true);
                overlay.publish(&state);
                writer.write(dir.join("overlay.txt"), state.text(false).into_bytes());
            }
            writer.flush(std::time::Duration::from_secs(30));
            let used = cpu_seconds() - cpu;
            costs[usize::from(kept)].push(used);
            println!(
                "round {}: {:5}  {:.2} s CPU, {:.2} s wall, {scans} scans{}",
                round + 1,
                if kept { "kept" } else { "alone" },
                used,
                wall.elapsed().as_secs_f64(),
                if kept {
                    format!(", {} taken", run.taken().len())
                } else {
                    String::new()
                }
            );
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (alone, kept) = (median(&mut costs[0]), median(&mut costs[1]));
    let per_scan = (kept - alone) / f64::from(scans) * 1000.0;
    println!(
        "median CPU per session: alone {alone:.2} s, kept {kept:.2} s ({:+.1}%); {per_scan:+.1} ms a scan",
        (kept / alone - 1.0) * 100.0
    );
    // Companion mode scans at most every 0.4 s; a settled room twice, then only on change.
    println!(
        "at the most companion mode scans (2.5 scans a second): {:+.2} points of one core",
        per_scan * 2.5 / 10.0
    );
    drop(overlay);
    let received = reader.join().unwrap_or(0);
    println!("the open event stream received {received} bytes");
    Ok(())
}

/// A folder of our own under the system's temporary folder.
fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("companion_cost_{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
