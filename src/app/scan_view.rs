//! Scanning whole frames in the app: the finds of the last scan, the scan waiting for the
//! engine, and companion mode, which scans a live feed by itself when the room changes.

use crate::engine::RequestId;
use std::sync::Arc;
use std::time::{Duration, Instant};

use image::RgbaImage;

use crate::capture::Signature;
use crate::engine::scan::Find;

/// When companion mode scans a live feed: after the picture changed and settled.
#[derive(Default)]
pub struct RoomWatch {
    /// The signature of the frame last scanned.
    scanned: Option<Signature>,
    /// The previous frame's, to tell a settled picture from a room transition.
    previous: Option<Signature>,
    last_scan: Option<Instant>,
}

/// A share of changed signature cells that means another room (a room change redraws most
/// of the screen; Isaac walking changes about 1%).
const ROOM_CHANGED: f32 = 0.06;
/// Smaller changes (an item dropped after a fight, one bought in a shop) are rescanned too,
/// but at most this often.
const SMALL_CHANGE: f32 = 0.004;
const SMALL_CHANGE_EVERY: Duration = Duration::from_secs(3);
/// At most this often in any case.
const MIN_INTERVAL: Duration = Duration::from_millis(400);
/// Two frames this alike: the picture has settled (no transition under way).
const SETTLED: f32 = 0.02;

impl RoomWatch {
    /// Whether the frame with `signature`, seen at `now`, should be scanned; if so it counts
    /// as scanned.
    pub fn observe(&mut self, signature: Signature, now: Instant) -> bool {
        let settled = self
            .previous
            .as_ref()
            .is_some_and(|p| p.changed_share(&signature) < SETTLED);
        let since = self.last_scan.map(|t| now.saturating_duration_since(t));
        let changed = self
            .scanned
            .as_ref()
            .map_or(1.0, |s| s.changed_share(&signature));
        let due = match since {
            None => true,
            Some(since) if since < MIN_INTERVAL => false,
            Some(since) => {
                changed >= ROOM_CHANGED || (changed >= SMALL_CHANGE && since >= SMALL_CHANGE_EVERY)
            }
        };
        let scan = settled && due;
        if scan {
            self.scanned = Some(signature.clone());
            self.last_scan = Some(now);
        }
        self.previous = Some(signature);
        scan
    }

    /// Forgets the last scan (the next settled frame is scanned).
    pub fn reset(&mut self) {
        *self = Self::default();
    }
}

/// The Lookup tab's scan: finds drawn over the frame they came from.
#[derive(Default)]
pub struct ScanState {
    pub finds: Vec<Find>,
    /// The frame the finds belong to.
    pub scanned: Option<Arc<RgbaImage>>,
    pending: Option<(RequestId, Arc<RgbaImage>, Instant)>,
    /// Milliseconds the last scan took, request to answer.
    pub last_ms: Option<f32>,
    /// Scan a live feed by itself whenever the room changes.
    pub companion: bool,
    pub watch: RoomWatch,
    /// The find whose top 10 the results panel shows.
    pub selected: Option<usize>,
}

impl ScanState {
    pub fn is_pending(&self) -> bool {
        self.pending.is_some()
    }

    pub fn started(&mut self, id: RequestId, frame: Arc<RgbaImage>) {
        self.pending = Some((id, frame, Instant::now()));
    }

    /// The engine answered request `id`; false when it is not the one waited for.
    pub fn answered(&mut self, id: RequestId, finds: Vec<Find>) -> bool {
        match self.pending.take() {
            Some((pending, frame, at)) if pending == id => {
                self.last_ms = Some(at.elapsed().as_secs_f32() * 1000.0);
                self.finds = finds;
                self.scanned = Some(frame);
                self.selected = None;
                true
            }
            other => {
                self.pending = other;
                false
            }
        }
    }

    /// The scan waited for will not be answered.
    pub fn cancel_pending(&mut self) {
        self.pending = None;
    }

    /// A different picture: its finds are gone.
    pub fn clear(&mut self) {
        self.finds.clear();
        self.scanned = None;
        self.pending = None;
        self.selected = None;
        self.watch.reset();
    }

    /// The crop of find `i` from the frame it was found in.
    pub fn crop(&self, i: usize) -> Option<image::DynamicImage> {
        let (frame, find) = (self.scanned.as_ref()?, self.finds.get(i)?);
        let crop = find.bbox.cut(frame.as_ref()).ok()?;
        Some(image::DynamicImage::ImageRgba8(crop))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signature(level: u8, spot: Option<(u32, u32)>) -> Signature {
        let mut img = RgbaImage::from_pixel(480, 270, image::Rgba([level, level, level, 255]));
        if let Some((x, y)) = spot {
            for yy in y..y + 40 {
                for xx in x..x + 40 {
                    img.put_pixel(xx, yy, image::Rgba([255, 255, 255, 255]));
                }
            }
        }
        Signature::of(&img)
    }

    #[test]
    fn scans_a_new_room_once_it_settles_and_not_while_nothing_changes() {
        let mut watch = RoomWatch::default();
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        // The first frame has nothing to compare with: wait for a second, alike one.
        assert!(!watch.observe(signature(40, None), at(0)));
        assert!(watch.observe(signature(40, None), at(250)));
        // Nothing changes: never again.
        for i in 2..40 {
            assert!(!watch.observe(signature(40, None), at(i * 250)));
        }
        // A room transition: frames differ from each other until the new room settles.
        assert!(!watch.observe(signature(120, None), at(10_250)));
        assert!(!watch.observe(signature(200, None), at(10_500)));
        assert!(watch.observe(signature(200, None), at(10_750)));
        // Isaac walks (a small spot): rescanned only after a while.
        assert!(!watch.observe(signature(200, Some((100, 100))), at(11_000)));
        assert!(!watch.observe(signature(200, Some((100, 100))), at(11_250)));
        assert!(watch.observe(signature(200, Some((100, 100))), at(13_800)));
    }
}
