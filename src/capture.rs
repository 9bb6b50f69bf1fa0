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
    Grabber::open(source)?.grab()
}

/// A source found once and captured many times (listing every window for each frame cost
/// more than the capture itself).
enum Grabber {
    Monitor(xcap::Monitor),
    Window(xcap::Window),
}

impl Grabber {
    fn open(source: &SourceId) -> Result<Self, CaptureError> {
        match source {
            SourceId::Monitor { id } => xcap::Monitor::all()
                .map_err(|e| CaptureError::List(e.to_string()))?
                .into_iter()
                .find(|m| m.id().ok() == Some(*id))
                .map(Grabber::Monitor)
                .ok_or(CaptureError::Gone),
            SourceId::Window { id } => xcap::Window::all()
                .map_err(|e| CaptureError::List(e.to_string()))?
                .into_iter()
                .find(|w| w.id().ok() == Some(*id))
                .map(Grabber::Window)
                .ok_or(CaptureError::Gone),
        }
    }

    fn grab(&self) -> Result<RgbaImage, CaptureError> {
        match self {
            Grabber::Monitor(m) => m.capture_image(),
            Grabber::Window(w) => w.capture_image(),
        }
        .map_err(|e| {
            let e = e.to_string();
            // X11 refuses the picture of a window that is partly off the screen (or
            // minimised) with a bare protocol error: say what to do.
            let off_screen = matches!(self, Grabber::Window(_))
                && cfg!(target_os = "linux")
                && e.contains("protocol error");
            CaptureError::Capture(if off_screen {
                format!(
                    "{e} (on X11 a window must be wholly on the screen and not minimised to \
                     be captured; move it, or capture its monitor)"
                )
            } else {
                e
            })
        })
    }
}

/// A frame of a live feed and its signature, computed on the capture thread.
pub struct LiveFrame {
    pub image: RgbaImage,
    pub signature: Signature,
    /// The frame captured before it had the same signature: the picture has settled. (The
    /// receiver keeps only the newest frame, so it may never see the one before.)
    pub repeat: bool,
}

/// Side of the brightness grid a frame's signature keeps (16:9).
const SIGNATURE_W: u32 = 48;
const SIGNATURE_H: u32 = 27;

/// A frame shrunk to a 48x27 brightness grid: enough to tell a new room from the same room
/// with Isaac walking, at almost no cost.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature(Vec<u8>);

impl Signature {
    pub fn of(frame: &RgbaImage) -> Self {
        let (w, h) = frame.dimensions();
        let mut cells = Vec::with_capacity((SIGNATURE_W * SIGNATURE_H) as usize);
        for cy in 0..SIGNATURE_H {
            for cx in 0..SIGNATURE_W {
                // The mean of a 4x4 sample grid inside the cell.
                let (x0, x1) = (cx * w / SIGNATURE_W, (cx + 1) * w / SIGNATURE_W);
                let (y0, y1) = (cy * h / SIGNATURE_H, (cy + 1) * h / SIGNATURE_H);
                let mut sum = 0u32;
                let mut n = 0u32;
                for sy in 0..4 {
                    for sx in 0..4 {
                        let x = x0 + (x1 - x0) * (2 * sx + 1) / 8;
                        let y = y0 + (y1 - y0) * (2 * sy + 1) / 8;
                        if x < w && y < h {
                            let p = frame.get_pixel(x, y);
                            sum +=
                                (u32::from(p[0]) * 3 + u32::from(p[1]) * 6 + u32::from(p[2])) / 10;
                            n += 1;
                        }
                    }
                }
                cells.push((sum / n.max(1)) as u8);
            }
        }
        Self(cells)
    }

    /// Share of cells (0..1) whose brightness differs by more than 24 levels.
    pub fn changed_share(&self, other: &Signature) -> f32 {
        if self.0.len() != other.0.len() || self.0.is_empty() {
            return 1.0;
        }
        let changed = self
            .0
            .iter()
            .zip(&other.0)
            .filter(|(a, b)| a.abs_diff(**b) > 24)
            .count();
        changed as f32 / self.0.len() as f32
    }
}

/// Frames a second a live feed may be asked for: the settings, their form and the feed use
/// this one range.
pub const LIVE_FPS: std::ops::RangeInclusive<f32> = 0.5..=15.0;

/// How long a feed whose source went away looks for one under the same name (an OBS
/// projector reopened, a viewer restarted) before it reports the source gone.
pub const REFIND_FOR: Duration = Duration::from_secs(300);

/// How often it looks meanwhile.
const REFIND_EVERY: Duration = Duration::from_secs(1);

/// How long grabs of a source that is still there may fail before the feed reports it: a
/// window just opened and not yet shown, or one being resized, fails a grab or two.
const GRAB_RETRY_FOR: Duration = Duration::from_secs(10);

/// A live feed: a thread captures at most `fps` frames a second and keeps only the newest.
/// When its window closes (or its monitor goes), it follows one that comes back under the
/// same name, for [`REFIND_FOR`].
pub struct LiveCapture {
    stop: Arc<AtomicBool>,
    waiting: Arc<AtomicBool>,
    frames: Receiver<Result<LiveFrame, String>>,
}

impl LiveCapture {
    pub fn start(source: SourceInfo, fps: f32, waker: Arc<dyn Fn() + Send + Sync>) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let waiting = Arc::new(AtomicBool::new(false));
        let (tx, frames) = crossbeam_channel::bounded(1);
        let period = Duration::from_secs_f32(1.0 / fps.clamp(*LIVE_FPS.start(), *LIVE_FPS.end()));
        let flags = Flags {
            stop: stop.clone(),
            waiting: waiting.clone(),
        };
        let drain = frames.clone();
        let spawned = std::thread::Builder::new()
            .name("capture".into())
            .spawn(move || {
                capture_loop(source, period, &flags, &tx, &drain, &*waker);
            });
        if let Err(e) = spawned {
            let (tx, rx) = crossbeam_channel::bounded(1);
            let _ = tx.send(Err(format!("cannot start the capture thread: {e}")));
            return Self {
                stop,
                waiting,
                frames: rx,
            };
        }
        Self {
            stop,
            waiting,
            frames,
        }
    }

    /// Whether the source went away and the feed is waiting for it to come back.
    pub fn is_waiting(&self) -> bool {
        self.waiting.load(Ordering::SeqCst)
    }

    /// The newest frame since the last call, if any.
    pub fn latest(&self) -> Option<Result<LiveFrame, String>> {
        self.frames.try_iter().last()
    }
}

impl Drop for LiveCapture {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// What the capture thread shares with its handle.
struct Flags {
    stop: Arc<AtomicBool>,
    waiting: Arc<AtomicBool>,
}

/// The source named `label` again, when one is there: a window reopened gets another id.
fn refind(label: &str) -> Option<SourceId> {
    list_sources()
        .ok()?
        .into_iter()
        .find(|s| s.label == label)
        .map(|s| s.id)
}

/// Waits (while nothing asks the feed to stop) for a source named `label` to come back, at
/// most [`REFIND_FOR`]; its id.
fn wait_for_source(
    label: &str,
    flags: &Flags,
    waker: &(dyn Fn() + Send + Sync),
) -> Option<SourceId> {
    flags.waiting.store(true, Ordering::SeqCst);
    waker();
    let since = Instant::now();
    let found = loop {
        if flags.stop.load(Ordering::SeqCst) || since.elapsed() >= REFIND_FOR {
            break None;
        }
        if let Some(id) = refind(label) {
            break Some(id);
        }
        std::thread::sleep(REFIND_EVERY);
    };
    flags.waiting.store(false, Ordering::SeqCst);
    waker();
    found
}

fn capture_loop(
    mut source: SourceInfo,
    period: Duration,
    flags: &Flags,
    tx: &Sender<Result<LiveFrame, String>>,
    drain: &Receiver<Result<LiveFrame, String>>,
    waker: &(dyn Fn() + Send + Sync),
) {
    let mut grabber: Option<Grabber> = None;
    let mut last: Option<Signature> = None;
    let mut repeats = 0u32;
    let mut failing_since: Option<Instant> = None;
    while !flags.stop.load(Ordering::SeqCst) {
        let started = Instant::now();
        // A window that went away (or a grab that failed) is looked up once more; one that
        // is gone is waited for under its name before the feed reports it.
        let mut frame = match grabber.as_ref().map(Grabber::grab) {
            Some(Ok(image)) => Ok(image),
            _ => Grabber::open(&source.id).and_then(|g| {
                let image = g.grab();
                grabber = Some(g);
                image
            }),
        };
        // A failed grab of a source that is still there is tried again, afresh, for a while.
        if matches!(
            frame,
            Err(CaptureError::Capture(_)) | Err(CaptureError::List(_))
        ) {
            grabber = None;
            let since = *failing_since.get_or_insert(started);
            if since.elapsed() < GRAB_RETRY_FOR && !flags.stop.load(Ordering::SeqCst) {
                std::thread::sleep(period.max(Duration::from_millis(250)));
                continue;
            }
        } else {
            failing_since = None;
        }
        if matches!(frame, Err(CaptureError::Gone)) {
            grabber = None;
            match wait_for_source(&source.label, flags, waker) {
                Some(id) => {
                    source.id = id;
                    continue;
                }
                None if flags.stop.load(Ordering::SeqCst) => return,
                None => {
                    frame = Err(CaptureError::Capture(format!(
                        "{} did not come back within {} s",
                        source.label,
                        REFIND_FOR.as_secs()
                    )))
                }
            }
        }
        let frame = frame
            .map(|image| {
                let signature = Signature::of(&image);
                LiveFrame {
                    repeat: last.as_ref() == Some(&signature),
                    signature,
                    image,
                }
            })
            .map_err(|e| e.to_string());
        let failed = frame.is_err();
        // A picture exactly like the last one is sent once (so a watcher sees it has
        // settled), then no more: a still screen costs the window neither texture uploads nor
        // repaints.
        let same = matches!(&frame, Ok(f) if f.repeat);
        repeats = if same { repeats.saturating_add(1) } else { 0 };
        if repeats <= 1 {
            last = frame.as_ref().ok().map(|f| f.signature.clone());
            // Keep only the newest frame: a slow UI never sees stale ones.
            if let Err(crossbeam_channel::TrySendError::Full(frame)) = tx.try_send(frame) {
                let _ = drain.try_recv();
                let _ = tx.try_send(frame);
            }
            waker();
        }
        if failed {
            return;
        }
        std::thread::sleep(period.saturating_sub(started.elapsed()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_tell_a_new_room_from_a_small_change() {
        let room = RgbaImage::from_fn(960, 540, |x, y| {
            image::Rgba([(x / 40 * 9) as u8, (y / 30 * 11) as u8, 60, 255])
        });
        let mut walked = room.clone();
        // Isaac (40x40 px) moved: a few cells change.
        for y in 250..290 {
            for x in 400..440 {
                walked.put_pixel(x, y, image::Rgba([255, 220, 200, 255]));
            }
        }
        let other = RgbaImage::from_fn(960, 540, |x, y| {
            image::Rgba([60, (x / 40 * 9) as u8, (y / 30 * 11) as u8, 255])
        });
        let base = Signature::of(&room);
        assert_eq!(base.changed_share(&Signature::of(&room)), 0.0);
        let small = base.changed_share(&Signature::of(&walked));
        assert!(small > 0.0 && small < 0.01, "{small}");
        assert!(base.changed_share(&Signature::of(&other)) > 0.5);
        assert_eq!(base.changed_share(&Signature(Vec::new())), 1.0);
    }
}
