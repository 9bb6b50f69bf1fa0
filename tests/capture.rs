//! Live capture of real windows under Xvfb with a window manager: a source that closes and
//! comes back under the same name (an OBS projector reopened, a viewer restarted) is
//! followed, as the app's live feed and `isaac-lens capture --follow` do.

#![allow(clippy::unwrap_used)] // a test fails loudly on a broken fixture

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Display, bin, p};

/// The app's main window on `display`, with a data folder of its own: a real eframe window
/// with a title to follow.
fn app_window(display: &Display, data: &std::path::Path) -> Child {
    Command::new(bin())
        .env("DISPLAY", &display.name)
        .env("ISAAC_LENS_DATA", data)
        .env_remove("WAYLAND_DISPLAY")
        .args(["--catalog", p(&data.join("no-catalog")), "app"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// What a recording printed: its standard output as lines, and the file its errors go to.
struct Recording {
    lines: crossbeam_channel::Receiver<String>,
    errors: std::path::PathBuf,
}

/// Waits until the recording's standard output says `what`.
fn said(recording: &Recording, seen: &mut Vec<String>, what: &str) {
    let lines = &recording.lines;
    let start = Instant::now();
    while !seen.iter().any(|l| l.contains(what)) {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "never said {what:?}: {seen:#?}; its errors: {}",
            std::fs::read_to_string(&recording.errors).unwrap_or_default()
        );
        if let Ok(line) = lines.recv_timeout(Duration::from_millis(200)) {
            seen.push(line);
        }
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_window_closed_and_reopened_under_its_name_is_followed() {
    let display = Display::start(true);
    let tmp = tempfile::tempdir().unwrap();
    let mut first = app_window(&display, tmp.path());
    // The window is listed once it is up.
    let start = Instant::now();
    loop {
        assert!(start.elapsed() < Duration::from_secs(60), "no app window");
        let list = Command::new(bin())
            .env("DISPLAY", &display.name)
            .args(["capture", "--list"])
            .output()
            .unwrap();
        if String::from_utf8_lossy(&list.stdout).contains("Window: Isaac Lens") {
            break;
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    let out = tmp.path().join("recording");
    let errors = tmp.path().join("recording-errors.txt");
    let mut recording = Command::new(bin())
        .env("DISPLAY", &display.name)
        .args([
            "capture",
            "--window",
            "Isaac Lens",
            "--follow",
            "40",
            "--out",
            p(&out),
        ])
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&errors).unwrap())
        .spawn()
        .unwrap();
    let feed = Recording {
        lines: common::lines_of(recording.stdout.take().unwrap()),
        errors,
    };
    let lines = &feed.lines;
    let mut seen = Vec::new();
    said(&feed, &mut seen, "frame 1 ");
    // The window closes: the recording waits instead of ending.
    first.kill().unwrap();
    first.wait().unwrap();
    said(&feed, &mut seen, "waiting for Window: Isaac Lens");
    // It comes back (another process, another window id): followed.
    let mut second = app_window(&display, tmp.path());
    said(&feed, &mut seen, "back: Window: Isaac Lens");
    let frames_before = seen.iter().filter(|l| l.starts_with("frame ")).count();
    let start = Instant::now();
    loop {
        if let Ok(line) = lines.recv_timeout(Duration::from_millis(200)) {
            seen.push(line);
        }
        let frames = seen.iter().filter(|l| l.starts_with("frame ")).count();
        if frames > frames_before {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no frame after it came back: {seen:#?}"
        );
    }
    let _ = recording.kill();
    let _ = recording.wait();
    second.kill().unwrap();
    second.wait().unwrap();
    let saved = std::fs::read_dir(&out).unwrap().count();
    assert!(saved >= 2, "{saved} frames saved: {seen:#?}");
}
