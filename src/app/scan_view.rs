//! Scanning whole frames in the app: the finds of the last scan, the scan waiting for the
//! engine, and companion mode, which scans a live feed by itself when the room changes.

use super::command::Shell;
use crate::engine::RequestId;
use crate::engine::predict::UNSURE_BELOW;
use egui::{Pos2, Rect, Vec2};
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
    /// The last scan was of a room new to the watch, and no second scan has confirmed it.
    unconfirmed: bool,
    /// Whether the scan `observe` or `confirm_due` last asked for starts a new room.
    pub new_room: bool,
}

/// How long a still screen (no new frames) waits before its new room's confirming scan.
const CONFIRM_AFTER: Duration = Duration::from_secs(1);

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
        let new_room = since.is_none() || changed >= ROOM_CHANGED;
        let due = match since {
            None => true,
            Some(since) if since < MIN_INTERVAL => false,
            // A new room's first scan is confirmed by the next settled frame's.
            Some(_) if self.unconfirmed => true,
            Some(since) => {
                changed >= ROOM_CHANGED || (changed >= SMALL_CHANGE && since >= SMALL_CHANGE_EVERY)
            }
        };
        let scan = settled && due;
        if scan {
            self.count_scan(now, new_room);
            self.scanned = Some(signature.clone());
        }
        self.previous = Some(signature);
        scan
    }

    /// Whether a still screen (no new frames) should scan its picture again now: a new
    /// room's first scan waits for a confirming one. If so it counts as scanned.
    pub fn confirm_due(&mut self, now: Instant) -> bool {
        let due = self.unconfirmed
            && self
                .last_scan
                .is_some_and(|t| now.saturating_duration_since(t) >= CONFIRM_AFTER);
        if due {
            self.count_scan(now, false);
        }
        due
    }

    /// Whether a confirming scan is still to come (the window needs waking for it).
    pub fn awaits_confirmation(&self) -> bool {
        self.unconfirmed
    }

    /// Counts a scan asked for at `now` (`new_room`: of another room than before).
    pub fn count_scan(&mut self, now: Instant, new_room: bool) {
        self.last_scan = Some(now);
        self.new_room = new_room;
        self.unconfirmed = new_room;
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
    /// Companion mode's list of what is in the room.
    pub room: RoomList,
}

/// Companion mode's list of the room's items. A find is listed once two scans of the same
/// settled room agree on it (the same item at the same place): a tear, an enemy or Isaac
/// taken for an item in one frame is not. A listed item stays while one scan misses it
/// (Isaac walking across it), and goes when two in a row do. A new room starts empty.
#[derive(Default)]
pub struct RoomList {
    entries: Vec<RoomEntry>,
}

struct RoomEntry {
    find: Find,
    /// Scans of this room that saw it.
    seen: u32,
    /// Scans in a row that missed it since.
    missed: u32,
}

impl RoomList {
    /// The scan of a room (`new_room`: another room than the scans before) found `finds`.
    pub fn scanned(&mut self, new_room: bool, finds: &[Find]) {
        if new_room {
            self.entries.clear();
        }
        for e in &mut self.entries {
            e.missed += 1;
        }
        for find in finds {
            let key = find.predictions.first().map(|p| p.key);
            let same = self.entries.iter_mut().find(|e| {
                e.find.predictions.first().map(|p| p.key) == key && same_place(&e.find, find)
            });
            match same {
                Some(e) => {
                    e.seen += 1;
                    e.missed = 0;
                    e.find = find.clone();
                }
                None => self.entries.push(RoomEntry {
                    find: find.clone(),
                    seen: 1,
                    missed: 0,
                }),
            }
        }
        // An unconfirmed find missed once was never there; a listed one goes after two.
        self.entries.retain(|e| {
            if e.seen >= 2 {
                e.missed < 2
            } else {
                e.missed == 0
            }
        });
    }

    /// The items listed now, in the order they were first seen.
    pub fn listed(&self) -> impl Iterator<Item = &Find> {
        self.entries.iter().filter(|e| e.seen >= 2).map(|e| &e.find)
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

/// Two finds at the same place: centres closer than half the smaller box.
fn same_place(a: &Find, b: &Find) -> bool {
    let centre = |f: &Find| {
        let b = f.bbox;
        (b.x as f32 + b.w as f32 / 2.0, b.y as f32 + b.h as f32 / 2.0)
    };
    let ((ax, ay), (bx, by)) = (centre(a), centre(b));
    let reach = a.bbox.w.min(b.bbox.w) as f32 / 2.0;
    (ax - bx).abs() < reach && (ay - by).abs() < reach
}

impl ScanState {
    /// Each find's box with its sprite, name and score; unsure finds in orange.
    pub fn overlay_ui(
        &self,
        ui: &egui::Ui,
        painter: &egui::Painter,
        boxes: &[Rect],
        shell: &mut Shell,
    ) {
        let sprite = 20.0;
        let galleys: Vec<Option<Arc<egui::Galley>>> = self
            .finds
            .iter()
            .map(|find| {
                let best = find.predictions.first()?;
                let name = shell
                    .catalog
                    .get(best.key)
                    .map(|item| item.display_name())
                    .unwrap_or_default();
                Some(painter.layout_no_wrap(
                    format!("{name} {:.0}%", best.score * 100.0),
                    egui::FontId::proportional(13.0),
                    egui::Color32::WHITE,
                ))
            })
            .collect();
        let sizes: Vec<Vec2> = galleys
            .iter()
            .map(|g| {
                g.as_ref().map_or(Vec2::ZERO, |g| {
                    Vec2::new(g.size().x + sprite + 10.0, sprite + 4.0)
                })
            })
            .collect();
        let tags = place_tags(boxes, &sizes);
        for (i, ((find, screen), galley)) in self.finds.iter().zip(boxes).zip(galleys).enumerate() {
            let (Some(best), Some(galley)) = (find.predictions.first(), galley) else {
                continue;
            };
            let colour = if best.score < UNSURE_BELOW {
                egui::Color32::from_rgb(240, 160, 50)
            } else {
                egui::Color32::from_rgb(80, 220, 120)
            };
            let width = if self.selected == Some(i) { 3.0 } else { 2.0 };
            painter.rect_stroke(
                *screen,
                2.0,
                egui::Stroke::new(width, colour),
                egui::StrokeKind::Outside,
            );
            let tag = tags[i];
            painter.rect_filled(tag, 3.0, colour.gamma_multiply(0.85));
            if let Some(texture) = shell.sprite(ui.ctx(), best.key) {
                painter.image(
                    texture.id(),
                    Rect::from_min_size(tag.min + Vec2::new(2.0, 2.0), Vec2::splat(sprite)),
                    Rect::from_min_max(Pos2::ZERO, Pos2::new(1.0, 1.0)),
                    egui::Color32::WHITE,
                );
            }
            let text_at = tag.min + Vec2::new(sprite + 6.0, (tag.height() - galley.size().y) / 2.0);
            painter.galley(text_at, galley, egui::Color32::WHITE);
        }
    }

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
                if self.companion {
                    self.room.scanned(self.watch.new_room, &finds);
                }
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
        self.room.clear();
    }

    /// The crop of find `i` from the frame it was found in.
    pub fn crop(&self, i: usize) -> Option<image::DynamicImage> {
        let (frame, find) = (self.scanned.as_ref()?, self.finds.get(i)?);
        let crop = find.bbox.cut(frame.as_ref()).ok()?;
        Some(image::DynamicImage::ImageRgba8(crop))
    }
}

/// Whether two rectangles share area (touching edges do not).
fn overlap(a: &Rect, b: &Rect) -> bool {
    a.min.x < b.max.x && b.min.x < a.max.x && a.min.y < b.max.y && b.min.y < a.max.y
}

/// Where each box's label goes (`sizes[i]` for box `i`): above its box, else below it, else
/// further up, so that no two labels overlap. Among `n` labels of one height, one of any
/// `2n + 1` slots stacked a label apart is always free (each placed label blocks two), so the
/// search ends.
pub fn place_tags(boxes: &[Rect], sizes: &[Vec2]) -> Vec<Rect> {
    let mut placed: Vec<Rect> = Vec::with_capacity(boxes.len());
    for (screen, size) in boxes.iter().zip(sizes) {
        let above = Rect::from_min_size(screen.left_top() - Vec2::new(0.0, size.y), *size);
        let below = Rect::from_min_size(screen.left_bottom(), *size);
        let free = |r: &Rect| placed.iter().all(|p| !overlap(p, r));
        let tag = [above, below]
            .into_iter()
            .chain(
                (1..=2 * boxes.len() + 1)
                    .map(|k| above.translate(Vec2::new(0.0, -(k as f32) * size.y))),
            )
            .find(|r| free(r))
            .unwrap_or(above);
        placed.push(tag);
    }
    placed
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

    fn find(id: u32, x: u32) -> Find {
        Find {
            bbox: crate::engine::CropBox {
                x,
                y: 200,
                w: 120,
                h: 120,
            },
            predictions: vec![crate::engine::Prediction {
                key: crate::catalog::ItemKey::new(crate::catalog::ItemKind::Collectible, id),
                score: 0.9,
            }],
        }
    }

    fn listed(list: &RoomList) -> Vec<u32> {
        list.listed().map(|f| f.predictions[0].key.id).collect()
    }

    /// A find is listed once two scans of the room agree; it survives one miss (Isaac walking
    /// across it) and goes after two; a new room starts empty.
    #[test]
    fn the_room_lists_what_two_scans_agree_on_without_flicker() {
        let mut room = RoomList::default();
        // A new room: the Sad Onion, and a tear taken for Leech in that frame only.
        room.scanned(true, &[find(1, 300), find(270, 900)]);
        assert!(listed(&room).is_empty(), "listed after one scan");
        // The confirming scan: the onion again (a few pixels off), no Leech.
        room.scanned(false, &[find(1, 306)]);
        assert_eq!(listed(&room), vec![1]);
        // Two items a tile apart are two entries, each confirmed on its own.
        room.scanned(false, &[find(1, 300), find(12, 420)]);
        room.scanned(false, &[find(1, 300), find(12, 420)]);
        assert_eq!(listed(&room), vec![1, 12]);
        // Isaac stands on the onion for one scan: still listed.
        room.scanned(false, &[find(12, 420)]);
        assert_eq!(listed(&room), vec![1, 12]);
        // Taken (gone two scans in a row): no longer listed.
        room.scanned(false, &[find(12, 420)]);
        assert_eq!(listed(&room), vec![12]);
        // Another item in the same place is another entry, confirmed on its own.
        room.scanned(false, &[find(12, 420), find(33, 300)]);
        assert_eq!(listed(&room), vec![12]);
        // A new room forgets the old one.
        room.scanned(true, &[find(5, 300)]);
        assert!(listed(&room).is_empty());
    }

    /// A new room's first scan asks for a second: on the next settled frame, or after a
    /// second when the screen is still and sends no frames.
    #[test]
    fn a_new_room_is_scanned_twice() {
        let mut watch = RoomWatch::default();
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        assert!(!watch.observe(signature(40, None), at(0)));
        assert!(watch.observe(signature(40, None), at(250)));
        assert!(watch.new_room && watch.awaits_confirmation());
        // Too soon for the next one.
        assert!(!watch.observe(signature(40, None), at(500)));
        assert!(watch.observe(signature(40, None), at(750)));
        assert!(!watch.new_room && !watch.awaits_confirmation());
        // Then nothing while nothing changes.
        assert!(!watch.observe(signature(40, None), at(1000)));
        // A still screen: the confirming scan comes from the clock.
        assert!(!watch.observe(signature(200, None), at(2000)));
        assert!(watch.observe(signature(200, None), at(2250)));
        assert!(watch.new_room);
        assert!(!watch.confirm_due(at(2800)));
        assert!(watch.confirm_due(at(3300)));
        assert!(!watch.awaits_confirmation() && !watch.confirm_due(at(9000)));
    }

    /// Two items a tile apart, and a row of five: no label covers another.
    #[test]
    fn box_labels_never_overlap() {
        let size = Vec2::new(150.0, 24.0);
        for boxes in [
            vec![
                Rect::from_min_size(Pos2::new(100.0, 200.0), Vec2::splat(90.0)),
                Rect::from_min_size(Pos2::new(160.0, 200.0), Vec2::splat(90.0)),
            ],
            (0..5)
                .map(|i| {
                    Rect::from_min_size(
                        Pos2::new(100.0 + 40.0 * i as f32, 300.0),
                        Vec2::splat(80.0),
                    )
                })
                .collect(),
        ] {
            let tags = place_tags(&boxes, &vec![size; boxes.len()]);
            for (i, a) in tags.iter().enumerate() {
                for b in &tags[i + 1..] {
                    assert!(!overlap(a, b), "{a:?} and {b:?} in {tags:?}");
                }
            }
            // The first label sits right above its box.
            assert_eq!(tags[0].bottom(), boxes[0].top());
        }
    }

    #[test]
    fn scans_a_new_room_once_it_settles_and_not_while_nothing_changes() {
        let mut watch = RoomWatch::default();
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        // The first frame has nothing to compare with: wait for a second, alike one.
        assert!(!watch.observe(signature(40, None), at(0)));
        assert!(watch.observe(signature(40, None), at(250)));
        // The new room's confirming scan; then, nothing changing, never again.
        assert!(!watch.observe(signature(40, None), at(500)));
        assert!(watch.observe(signature(40, None), at(750)));
        for i in 4..40 {
            assert!(!watch.observe(signature(40, None), at(i * 250)));
        }
        // A room transition: frames differ from each other until the new room settles.
        assert!(!watch.observe(signature(120, None), at(10_250)));
        assert!(!watch.observe(signature(200, None), at(10_500)));
        assert!(watch.observe(signature(200, None), at(10_750)));
        assert!(!watch.observe(signature(200, None), at(11_000)));
        assert!(watch.observe(signature(200, None), at(11_250)));
        // Isaac walks (a small spot): rescanned only after a while.
        assert!(!watch.observe(signature(200, Some((100, 100))), at(11_500)));
        assert!(!watch.observe(signature(200, Some((100, 100))), at(11_750)));
        assert!(watch.observe(signature(200, Some((100, 100))), at(14_300)));
    }
}
