//! The run survives `kill -9` of the app: the real app, in companion mode, watches a real
//! window (feh showing renderer frames of a held-out real room) under Xvfb with openbox,
//! takes an item, is killed, and when started again goes on with the same run.

#![allow(clippy::unwrap_used)] // a test fails loudly on a broken fixture

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use image::RgbImage;
use isaac_lens::run_log::{Fate, Run};

use common::rooms::{scene, shots_at};
use common::{Display, bin, p, real_catalog};

/// Frames as wide as half the screen, so that the viewer and the app sit side by side (a
/// covered part of a window is captured black).
const WIDTH: u32 = 960;
const VIEWER: &str = "Isaac room (capture)";

/// Shows `frame` in the viewer: written beside, then renamed over what it shows.
fn show(file: &Path, frame: &RgbImage) {
    let tmp = file.with_extension("tmp.png");
    frame.save(&tmp).unwrap();
    std::fs::rename(&tmp, file).unwrap();
}

fn viewer(display: &Display, file: &Path) -> Child {
    Command::new("feh")
        .env("DISPLAY", &display.name)
        .args(["--title", VIEWER, "--reload", "1", "--geometry", "+0+0"])
        .arg(file)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("feh (installed by scripts/setup.sh)")
}

/// The app in companion mode on the viewer's window, with the shipped model.
fn app(display: &Display, data: &Path) -> Child {
    Command::new(bin())
        .env("DISPLAY", &display.name)
        .env("ISAAC_LENS_DATA", data)
        // Settings of its own too (eframe keeps them in the platform data folder).
        .env("XDG_DATA_HOME", data.join("xdg"))
        // Each scan sent and answered, in what the test shows when it fails.
        .env("RUST_LOG", "isaac_lens=debug")
        .env_remove("WAYLAND_DISPLAY")
        .args(["--catalog", p(real_catalog().dir()), "app", "--companion"])
        .args(["--source", VIEWER, "--model"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("models/default"))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(data.join("app-errors.txt")).unwrap())
        .spawn()
        .unwrap()
}

/// Keeps the app's windows (the main one, the floating panel) right of the viewer until
/// dropped: a covered part of the viewer would be captured black.
struct KeepRight {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl KeepRight {
    fn start(display: &Display, app: u32) -> Self {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (flag, name) = (stop.clone(), display.name.clone());
        let thread = std::thread::spawn(move || {
            while !flag.load(std::sync::atomic::Ordering::SeqCst) {
                let windows = Command::new("xdotool")
                    .env("DISPLAY", &name)
                    .args(["search", "--pid", &app.to_string()])
                    .output()
                    .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                    .unwrap_or_default();
                for window in windows.split_whitespace() {
                    let _ = Command::new("xdotool")
                        .env("DISPLAY", &name)
                        .args(["windowmove", window, "980", "0"])
                        .output();
                }
                std::thread::sleep(Duration::from_millis(250));
            }
        });
        Self {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for KeepRight {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The run files in `runs`.
fn run_files(runs: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(runs)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| {
                    let name = p.file_name().unwrap().to_string_lossy();
                    name.starts_with("run_") && name.ends_with(".json")
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Waits until the one run file in `runs` holds a run for which `done` holds.
fn wait_for_run(
    display: &Display,
    runs: &Path,
    data: &Path,
    what: &str,
    done: impl Fn(&Run) -> bool,
) -> Run {
    let start = Instant::now();
    loop {
        if start.elapsed() >= Duration::from_secs(120) {
            // What the screen showed, to look at.
            let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("run_crash_screen.png");
            let _ = Command::new(bin())
                .env("DISPLAY", &display.name)
                .args(["capture", "--out", p(&shot)])
                .output();
        }
        let files = run_files(runs);
        assert!(files.len() <= 1, "more than one run: {files:?}");
        if let Some(run) = files.first().and_then(|f| Run::load(f).ok())
            && done(&run)
        {
            return run;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "never saw {what}; the run: {:?}; the app said: {}",
            files.first().and_then(|f| std::fs::read_to_string(f).ok()),
            std::fs::read_to_string(data.join("app-errors.txt")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn ids(run: &Run, fate: Fate) -> Vec<u32> {
    match fate {
        Fate::Taken => run.taken().iter().map(|e| e.key.id).collect(),
        _ => run
            .seen()
            .iter()
            .filter(|(_, f)| *f == fate)
            .map(|(e, _)| e.key.id)
            .collect(),
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_run_survives_kill_9_of_the_app_and_goes_on_when_it_is_started_again() {
    let display = Display::start(true);
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let runs = data.join("runs");
    let room = scene(2, 3, 40);
    let (onion, brimstone, dinner) = (1, 118, 23);
    let frame = |items: &[Option<u32>]| shots_at(&room, items, None, 1, WIDTH).remove(0);
    let file = tmp.path().join("room.png");
    show(&file, &frame(&[Some(onion), Some(brimstone), Some(dinner)]));
    let mut feh = viewer(&display, &file);

    let mut first = app(&display, &data);
    let right = KeepRight::start(&display, first.id());
    wait_for_run(&display, &runs, &data, "the room's three items", |run| {
        ids(run, Fate::There) == [onion, brimstone, dinner]
    });
    // The Sad Onion is taken: its altar is bare.
    show(&file, &frame(&[None, Some(brimstone), Some(dinner)]));
    wait_for_run(&display, &runs, &data, "The Sad Onion taken", |run| {
        ids(run, Fate::Taken) == [onion]
    });
    // kill -9: no chance to save anything more.
    first.kill().unwrap();
    first.wait().unwrap();
    drop(right);
    let run = Run::load(&run_files(&runs)[0]).unwrap();
    assert_eq!(ids(&run, Fate::Taken), [onion]);
    assert_eq!(ids(&run, Fate::There), [brimstone, dinner]);
    let leftovers: Vec<_> = std::fs::read_dir(&runs).unwrap().flatten().collect();
    assert_eq!(
        leftovers.len(),
        1,
        "a half-written file is left: {leftovers:?}"
    );

    // Started again: the same run goes on (no new run file), Brimstone taken next.
    let mut second = app(&display, &data);
    let _right = KeepRight::start(&display, second.id());
    show(&file, &frame(&[None, None, Some(dinner)]));
    let run = wait_for_run(
        &display,
        &runs,
        &data,
        "Brimstone taken after the restart",
        |run| ids(run, Fate::Taken) == [onion, brimstone],
    );
    assert_eq!(ids(&run, Fate::There), [dinner]);
    assert_eq!(run.rooms_with_items().count(), 1, "the room counted twice");
    second.kill().unwrap();
    second.wait().unwrap();
    feh.kill().unwrap();
    feh.wait().unwrap();
}
