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

/// Waits until `lines` (a recording's standard output) says `what`.
fn said(lines: &crossbeam_channel::Receiver<String>, seen: &mut Vec<String>, what: &str) {
    let start = Instant::now();
    while !seen.iter().any(|l| l.contains(what)) {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "never said {what:?}: {seen:#?}"
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
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // stdout as lines: the same reader as for stderr.
    let lines = {
        let stdout = recording.stdout.take().unwrap();
        let (tx, rx) = crossbeam_channel::unbounded();
        std::thread::spawn(move || {
            use std::io::BufRead as _;
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        rx
    };
    let mut seen = Vec::new();
    said(&lines, &mut seen, "frame 1 ");
    // The window closes: the recording waits instead of ending.
    first.kill().unwrap();
    first.wait().unwrap();
    said(&lines, &mut seen, "waiting for Window: Isaac Lens");
    // It comes back (another process, another window id): followed.
    let mut second = app_window(&display, tmp.path());
    said(&lines, &mut seen, "back: Window: Isaac Lens");
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
