//! Screen capture through xcap: any monitor or any window (a capture-card viewer is a
//! window like any other), as single frames or a live feed on a background thread.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use image::RgbaImage;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SourceId {
    Monitor { id: u32 },
    Window { id: u32 },
}

#[derive(Clone, Debug, PartialEq)]
pub struct SourceInfo {
    pub id: SourceId,
    /// What a person sees in the list, e.g. "Monitor: HDMI-1 (1920x1080)".
    pub label: String,
}

#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("cannot list screens: {0}")]
    List(String),
    #[error("the source is gone (window closed or monitor unplugged)")]
    Gone,
    #[error("capture failed: {0}")]
    Capture(String),
}

/// Every monitor and every visible, titled window.
pub fn list_sources() -> Result<Vec<SourceInfo>, CaptureError> {
    let mut out = Vec::new();
    let monitors = xcap::Monitor::all().map_err(|e| CaptureError::List(e.to_string()))?;
    for m in monitors {
        let (Ok(id), Ok(w), Ok(h)) = (m.id(), m.width(), m.height()) else {
            continue;
        };
        let name = m
            .friendly_name()
            .or_else(|_| m.name())
            .unwrap_or_else(|_| format!("#{id}"));
        out.push(SourceInfo {
            id: SourceId::Monitor { id },
            label: format!("Monitor: {name} ({w}x{h})"),
        });
    }
    // Listing windows can fail where monitors work (no window manager, Wayland): monitors still count.
    if let Ok(windows) = xcap::Window::all() {
        for w in windows {
            let (Ok(id), Ok(title)) = (w.id(), w.title()) else {
                continue;
            };
            if title.trim().is_empty() || w.is_minimized().unwrap_or(false) {
                continue;
            }
            let app = w.app_name().unwrap_or_default();
            let label = if app.is_empty() || title.contains(&app) {
                format!("Window: {title}")
            } else {
                format!("Window: {title} ({app})")
            };
            out.push(SourceInfo {
                id: SourceId::Window { id },
                label,
            });
        }
    }
    Ok(out)
}

/// One frame of the source.
pub fn capture_once(source: &SourceId) -> Result<RgbaImage, CaptureError> {
    match source {
        SourceId::Monitor { id } => {
            let monitors = xcap::Monitor::all().map_err(|e| CaptureError::List(e.to_string()))?;
            let m = monitors
                .into_iter()
                .find(|m| m.id().ok() == Some(*id))
                .ok_or(CaptureError::Gone)?;
            m.capture_image()
                .map_err(|e| CaptureError::Capture(e.to_string()))
        }
        SourceId::Window { id } => {
            let windows = xcap::Window::all().map_err(|e| CaptureError::List(e.to_string()))?;
            let w = windows
                .into_iter()
                .find(|w| w.id().ok() == Some(*id))
                .ok_or(CaptureError::Gone)?;
            w.capture_image()
                .map_err(|e| CaptureError::Capture(e.to_string()))
        }
    }
}

/// A live feed: a thread captures at most `fps` frames a second and keeps only the newest.
pub struct LiveCapture {
    stop: Arc<AtomicBool>,
    frames: Receiver<Result<RgbaImage, String>>,
}

impl LiveCapture {
    pub fn start(source: SourceId, fps: f32, waker: Arc<dyn Fn() + Send + Sync>) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let (tx, frames) = crossbeam_channel::bounded(1);
        let period = Duration::from_secs_f32(1.0 / fps.clamp(0.5, 30.0));
        let stop_flag = stop.clone();
        let drain = frames.clone();
        let spawned = std::thread::Builder::new()
            .name("capture".into())
            .spawn(move || {
                capture_loop(&source, period, &stop_flag, &tx, &drain, &*waker);
            });
        if let Err(e) = spawned {
            let (tx, rx) = crossbeam_channel::bounded(1);
            let _ = tx.send(Err(format!("cannot start the capture thread: {e}")));
            return Self { stop, frames: rx };
        }
        Self { stop, frames }
    }

    /// The newest frame since the last call, if any.
    pub fn latest(&self) -> Option<Result<RgbaImage, String>> {
        self.frames.try_iter().last()
    }
}

impl Drop for LiveCapture {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn capture_loop(
    source: &SourceId,
    period: Duration,
    stop: &AtomicBool,
    tx: &Sender<Result<RgbaImage, String>>,
    drain: &Receiver<Result<RgbaImage, String>>,
    waker: &(dyn Fn() + Send + Sync),
) {
    while !stop.load(Ordering::SeqCst) {
        let started = Instant::now();
        let frame = capture_once(source).map_err(|e| e.to_string());
        let failed = frame.is_err();
        // Keep only the newest frame: a slow UI never sees stale ones.
        if let Err(crossbeam_channel::TrySendError::Full(frame)) = tx.try_send(frame) {
            let _ = drain.try_recv();
            let _ = tx.try_send(frame);
        }
        waker();
        if failed {
            return;
        }
        std::thread::sleep(period.saturating_sub(started.elapsed()));
    }
}
