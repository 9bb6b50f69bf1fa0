//! Shared helpers for the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use isaac_lens::catalog::Catalog;
use isaac_lens::catalog::import::{ImportSources, import};

#[path = "common/rooms.rs"]
pub mod rooms;

/// `../shared/isaac`, which tests read and never copy.
pub fn shared() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/isaac");
    assert!(
        dir.join("huiji").is_dir(),
        "tests need the item data at {}",
        dir.display()
    );
    dir
}

/// The real catalog, imported once per test binary into a temporary folder.
pub fn real_catalog() -> &'static Catalog {
    static CATALOG: OnceLock<(tempfile::TempDir, Catalog)> = OnceLock::new();
    &CATALOG
        .get_or_init(|| {
            let dir = tempfile::tempdir().expect("temp dir");
            let (catalog, _) = import(
                &ImportSources::from_shared(&shared()),
                &dir.path().join("catalog"),
                false,
            )
            .expect("import");
            (dir, catalog)
        })
        .1
}

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_isaac-lens"))
}

/// Runs the binary with a private data folder; returns exit code, stdout, stderr and time.
pub fn run(data: &Path, args: &[&str]) -> (i32, String, String, std::time::Duration) {
    let started = std::time::Instant::now();
    let out = std::process::Command::new(bin())
        .env("ISAAC_LENS_DATA", data)
        .args(args)
        .output()
        .expect("the binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        started.elapsed(),
    )
}

pub fn p(path: &Path) -> &str {
    path.to_str().expect("test paths are UTF-8")
}

/// The error is one line.
pub fn one_line(stderr: &str) {
    assert_eq!(stderr.trim().lines().count(), 1, "not one line: {stderr}");
}

/// Trains on the CPU (one torch thread, one synthesis thread, the shared backgrounds) and
/// waits for the checkpoint; returns its manifest and how many progress events arrived.
pub fn train_on_cpu(
    catalog: std::sync::Arc<Catalog>,
    recipe: isaac_lens::engine::Recipe,
    out: &Path,
) -> (isaac_lens::engine::Manifest, usize) {
    train_on_cpu_with(catalog, recipe, out, Vec::new(), 1)
}

/// As [`train_on_cpu`], with the player's `captures` and `torch_threads` (1: synthesis on a
/// thread of its own; all cores: between steps, as players' machines run).
pub fn train_on_cpu_with(
    catalog: std::sync::Arc<Catalog>,
    recipe: isaac_lens::engine::Recipe,
    out: &Path,
    captures: Vec<isaac_lens::engine::LabelledCapture>,
    torch_threads: usize,
) -> (isaac_lens::engine::Manifest, usize) {
    use isaac_lens::engine::{DeviceChoice, Engine, EngineConfig, Event, Request};
    let config = EngineConfig {
        device: DeviceChoice::Cpu,
        torch_threads,
        synthesis: (torch_threads == 1).then_some(isaac_lens::engine::Synthesis::Alongside(1)),
        backgrounds: Some(shared().join("backgrounds")),
    };
    let engine = Engine::start(catalog, config, None).expect("engine");
    engine
        .send(Request::Train {
            recipe: Box::new(recipe),
            out: out.to_path_buf(),
            captures,
        })
        .expect("engine running");
    let mut progress = 0;
    loop {
        let event = engine
            .next_event(std::time::Duration::from_secs(1800))
            .expect("training answers");
        match event {
            Event::TrainingProgress(_) => progress += 1,
            Event::TrainingFinished { manifest, .. } => return (*manifest, progress),
            Event::Error { error, .. } => panic!("training failed: {error}"),
            Event::TrainingKept { reason, .. } => panic!("the starting model was kept: {reason}"),
            Event::TrainingCancelled => panic!("training was cancelled"),
            _ => {}
        }
    }
}

/// The app under egui_kittest at the size the tests click in, after its first frames.
pub fn start_app(
    app: isaac_lens::app::LensApp,
) -> egui_kittest::Harness<'static, isaac_lens::app::LensApp> {
    let mut h = egui_kittest::Harness::builder()
        .with_size([1280.0, 820.0])
        .with_max_steps(20)
        .build_ui_state(
            |ui, app: &mut isaac_lens::app::LensApp| app.root_ui(ui),
            app,
        );
    h.run_steps(3);
    h
}

/// Steps the UI until `done` holds (engine answers come from other threads).
pub fn wait_for(
    h: &mut egui_kittest::Harness<'static, isaac_lens::app::LensApp>,
    what: &str,
    done: impl Fn(&isaac_lens::app::LensApp) -> bool,
) {
    let start = std::time::Instant::now();
    while !done(h.state()) {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(60),
            "timed out waiting for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
        h.run_steps(1);
    }
    h.run_steps(2);
}

#[derive(Debug)]
struct DroppedPath(PathBuf);

impl egui::DroppedFile for DroppedPath {
    fn path(&self) -> &Path {
        &self.0
    }
    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

/// Drops the file at `path` onto the window, as a file manager does.
pub fn drop_file(h: &mut egui_kittest::Harness<'static, isaac_lens::app::LensApp>, path: &Path) {
    h.input_mut()
        .dropped_files
        .push(std::sync::Arc::new(DroppedPath(path.to_path_buf())));
    h.run_steps(2);
}

/// Drags a box with the left button over the Lookup canvas, which shows a `frame`-sized
/// picture fitted and centred: from `from` to `to`, in the picture's pixels.
pub fn drag_box(
    h: &mut egui_kittest::Harness<'static, isaac_lens::app::LensApp>,
    frame: [f32; 2],
    from: [f32; 2],
    to: [f32; 2],
) {
    use egui_kittest::kittest::Queryable as _;
    let canvas = h.get_by_label("Frame canvas").rect();
    let fit = (canvas.width() / frame[0]).min(canvas.height() / frame[1]);
    let origin = canvas.center() - egui::vec2(frame[0], frame[1]) * fit / 2.0;
    let at = |p: [f32; 2]| origin + egui::vec2(p[0], p[1]) * fit;
    let (from, to) = (at(from), at(to));
    h.event(egui::Event::PointerMoved(from));
    h.event(egui::Event::PointerButton {
        pos: from,
        button: egui::PointerButton::Primary,
        pressed: true,
        modifiers: Default::default(),
    });
    h.run_steps(1);
    for i in 1..=5 {
        h.event(egui::Event::PointerMoved(
            from + (to - from) * (i as f32 / 5.0),
        ));
        h.run_steps(1);
    }
    h.event(egui::Event::PointerButton {
        pos: to,
        button: egui::PointerButton::Primary,
        pressed: false,
        modifiers: Default::default(),
    });
    h.run_steps(1);
}

use std::io::BufRead as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Lines of a child's stderr, as they come.
pub fn stderr_lines(child: &mut std::process::Child) -> crossbeam_channel::Receiver<String> {
    lines_of(child.stderr.take().expect("stderr is piped"))
}

/// Lines of a reader (a child's piped output), as they come, read on a thread of their own.
pub fn lines_of(
    reader: impl std::io::Read + Send + 'static,
) -> crossbeam_channel::Receiver<String> {
    let (tx, rx) = crossbeam_channel::unbounded();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(reader)
            .lines()
            .map_while(Result::ok)
        {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Waits at most `limit` for `child` to exit.
pub fn wait_bounded(child: &mut std::process::Child, limit: Duration) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("the child can be waited for") {
            return status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Xvfb on a display of its own, stopped when dropped.
pub struct Display {
    server: std::process::Child,
    window_manager: Option<std::process::Child>,
    pub name: String,
}

impl Display {
    /// Xvfb on a display of its own; with `window_manager`, openbox on it too (listing
    /// windows needs one).
    pub fn start(window_manager: bool) -> Self {
        let number = 90 + std::process::id() % 100;
        let name = format!(":{number}");
        let server = Command::new("Xvfb")
            // Large enough for the app's window and its frame: on X11 a window partly off the
            // screen cannot be captured.
            .args([&name, "-screen", "0", "1920x1080x24", "-nolisten", "tcp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb (installed by scripts/setup.sh)");
        let socket = PathBuf::from(format!("/tmp/.X11-unix/X{number}"));
        let start = Instant::now();
        while !socket.exists() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "Xvfb did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let window_manager = window_manager.then(|| {
            let wm = Command::new("openbox")
                .env("DISPLAY", &name)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("openbox (installed by scripts/setup.sh)");
            std::thread::sleep(Duration::from_secs(1));
            wm
        });
        Self {
            server,
            window_manager,
            name,
        }
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        if let Some(wm) = &mut self.window_manager {
            let _ = wm.kill();
            let _ = wm.wait();
        }
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}
