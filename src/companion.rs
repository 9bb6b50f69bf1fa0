//! Companion mode's watch over a live feed, apart from any window: when to scan (a new
//! room once its picture settles) and which finds to list (what two scans of the settled
//! room agree on). The app and `isaac-lens track` share it.

use std::time::{Duration, Instant};

use image::RgbaImage;

use crate::capture::Signature;
use crate::engine::CropBox;
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
    /// The room's list is undecided after the last scan (a find seen once, a listed one
    /// missed once): the picture is scanned again, at most once a second, until it is.
    recheck: bool,
    /// The newest frame, not scanned, that may still need a scan: it came during a scan,
    /// had not settled, or came too soon after a scan. A still screen sends a changed
    /// picture twice (the change, then the same again) and then nothing.
    waiting: Option<Waiting>,
}

struct Waiting {
    signature: Signature,
    settled: bool,
    seen: Instant,
}

/// A feed that sent nothing for this long is still (the capture sends a frame at least
/// every 2 s, its slowest, while the picture changes).
const STILL_AFTER: Duration = Duration::from_millis(2500);

/// How long a still screen (no new frames) waits before its new room's confirming scan.
const CONFIRM_AFTER: Duration = Duration::from_secs(1);

/// A share of changed signature cells that means another room (a room change redraws most
/// of the screen; Isaac walking changes about 1%).
const ROOM_CHANGED: f32 = 0.06;
/// Smaller changes (an item dropped after a fight, one bought in a shop) are rescanned too,
/// but at most this often.
const SMALL_CHANGE: f32 = 0.004;
const SMALL_CHANGE_EVERY: Duration = Duration::from_secs(3);
/// A listed item's box that changed is rescanned at most this often (Isaac standing by an
/// item changes its box in every frame).
const SPOT_CHANGE_EVERY: Duration = Duration::from_secs(1);
/// At most this often in any case.
const MIN_INTERVAL: Duration = Duration::from_millis(400);
/// Two frames this alike: the picture has settled (no transition under way).
const SETTLED: f32 = 0.02;

impl RoomWatch {
    /// Whether the frame with `signature`, seen at `now`, should be scanned; if so it counts
    /// as scanned. `repeat`: the capture saw the same picture just before (it has settled,
    /// even where the UI missed the frame between). `spot_changed`: a listed item's place
    /// looks different than in the frame last scanned ([`spots_changed`]), which the coarse
    /// signature may not see. A frame not scanned that may still need it (not settled yet,
    /// too soon after a scan) waits for [`Self::look_again`]: a still screen sends no more.
    pub fn observe(
        &mut self,
        signature: Signature,
        repeat: bool,
        spot_changed: bool,
        now: Instant,
    ) -> bool {
        let settled = repeat || self.settles(&signature);
        self.previous = Some(signature.clone());
        self.waiting = None;
        self.judge(
            Waiting {
                signature,
                settled,
                seen: now,
            },
            spot_changed,
            now,
        )
    }

    /// A frame that came while a scan was under way: it waits for the answer
    /// ([`Self::look_again`]).
    pub fn hold(&mut self, signature: Signature, repeat: bool, now: Instant) {
        let settled = repeat || self.settles(&signature);
        self.previous = Some(signature.clone());
        self.waiting = Some(Waiting {
            signature,
            settled,
            seen: now,
        });
    }

    /// Whether a frame waits for [`Self::look_again`].
    pub fn is_waiting(&self) -> bool {
        self.waiting.is_some()
    }

    /// No scan under way and no newer frame: whether the frame that waits is scanned now.
    /// A feed silent for [`STILL_AFTER`] has settled.
    pub fn look_again(&mut self, spot_changed: bool, now: Instant) -> bool {
        match self.waiting.take() {
            Some(mut waiting) => {
                waiting.settled |= now.saturating_duration_since(waiting.seen) >= STILL_AFTER;
                self.judge(waiting, spot_changed, now)
            }
            None => false,
        }
    }

    /// The answer to the last scan left the room's list undecided ([`RoomList::undecided`]):
    /// a still screen is scanned again a second after it, as a new room's is.
    pub fn recheck(&mut self, undecided: bool) {
        self.recheck = undecided;
    }

    /// Whether `signature` is alike the frame before (no transition under way).
    fn settles(&self, signature: &Signature) -> bool {
        self.previous
            .as_ref()
            .is_some_and(|p| p.changed_share(signature) < SETTLED)
    }

    /// Scans `frame` (true), lets it wait, or drops it.
    fn judge(&mut self, frame: Waiting, spot_changed: bool, now: Instant) -> bool {
        let since = self.last_scan.map(|t| now.saturating_duration_since(t));
        let changed = self
            .scanned
            .as_ref()
            .map_or(1.0, |s| s.changed_share(&frame.signature));
        let new_room = since.is_none() || changed >= ROOM_CHANGED;
        let due_now = since.is_none_or(|since| {
            // A new room's first scan is confirmed by the next settled frame's.
            self.unconfirmed
                || changed >= ROOM_CHANGED
                || (self.recheck && since >= CONFIRM_AFTER)
                || (spot_changed && since >= SPOT_CHANGE_EVERY)
                || (changed >= SMALL_CHANGE && since >= SMALL_CHANGE_EVERY)
        });
        // What a little more time makes due.
        let due_later = self.recheck || spot_changed || changed >= SMALL_CHANGE;
        if !due_now && !due_later {
            return false;
        }
        let too_soon = since.is_some_and(|since| since < MIN_INTERVAL);
        if !frame.settled || too_soon || !due_now {
            self.waiting = Some(frame);
            return false;
        }
        let confirming = self.unconfirmed;
        self.count_scan(now, new_room);
        // A small change (an item taken) changes the list only once two scans agree: a
        // still screen sends no more frames, so the second is asked for like a new room's.
        self.unconfirmed |= !confirming && (spot_changed || changed >= SMALL_CHANGE);
        self.scanned = Some(frame.signature);
        true
    }

    /// For a recorded session (frames far apart, none to skip): whether the frame with
    /// `signature` is scanned, which is whenever it has settled (alike the frame before).
    pub fn observe_recorded(&mut self, signature: Signature) -> bool {
        let settled = self.settles(&signature);
        if settled {
            self.new_room = self
                .scanned
                .as_ref()
                .is_none_or(|s| s.changed_share(&signature) >= ROOM_CHANGED);
            self.scanned = Some(signature.clone());
        }
        self.previous = Some(signature);
        settled
    }

    /// Whether a still screen (no new frames) should scan its picture again now: a new
    /// room's first scan waits for a confirming one. If so it counts as scanned.
    pub fn confirm_due(&mut self, now: Instant) -> bool {
        let due = (self.unconfirmed || self.recheck)
            && self
                .last_scan
                .is_some_and(|t| now.saturating_duration_since(t) >= CONFIRM_AFTER);
        if due {
            self.count_scan(now, false);
        }
        due
    }

    /// The signature of the frame last scanned.
    pub fn scanned_signature(&self) -> Option<&Signature> {
        self.scanned.as_ref()
    }

    /// Whether a confirming scan is still to come (the window needs waking for it).
    pub fn awaits_confirmation(&self) -> bool {
        self.unconfirmed || self.recheck || self.waiting.is_some()
    }

    /// Counts a scan asked for at `now` (`new_room`: of another room than before).
    pub fn count_scan(&mut self, now: Instant, new_room: bool) {
        self.last_scan = Some(now);
        self.new_room = new_room;
        self.unconfirmed = new_room;
        self.recheck = false;
    }

    /// Forgets the last scan (the next settled frame is scanned).
    pub fn reset(&mut self) {
        *self = Self::default();
    }
}

/// A listed item's box with this share of its pixels changed has changed: an item taken,
/// bought or rerolled changes its sprite's pixels (a tenth of the box or more); capture noise
/// changes none, and an item bobbing on its altar none either, as each pixel is compared
/// with its column's neighbours a few pixels up and down.
const SPOT_CHANGED: f64 = 0.04;
/// A pixel whose brightness moved by more than this (of 255) changed.
const PIXEL_CHANGED: f32 = 32.0;

/// Whether any of `spots` looks different in `now` than in `before` (frames of one size;
/// frames of two sizes are another room, which the signature tells).
pub fn spots_changed<'a>(
    before: &RgbaImage,
    now: &RgbaImage,
    spots: impl IntoIterator<Item = &'a CropBox>,
) -> bool {
    if before.dimensions() != now.dimensions() {
        return false;
    }
    let brightness = |p: &image::Rgba<u8>| {
        (f32::from(p[0]) * 3.0 + f32::from(p[1]) * 6.0 + f32::from(p[2])) / 10.0
    };
    let (w, h) = now.dimensions();
    // Runs on the UI thread for each new frame: each pixel's brightness is worked out once.
    spots.into_iter().any(|b| {
        if b.w == 0 || b.h == 0 || b.x + b.w > w || b.y + b.h > h {
            return false;
        }
        // An item bobs about a twentieth of its box up and down.
        let bob = (b.h / 24).max(1);
        let (top, bottom) = (b.y.saturating_sub(bob), (b.y + b.h + bob).min(h));
        let width = b.w as usize;
        // `before` around the box, `bob` rows above and below it too, row by row.
        let earlier: Vec<f32> = (top..bottom)
            .flat_map(|y| (b.x..b.x + b.w).map(move |x| brightness(before.get_pixel(x, y))))
            .collect();
        let mut changed = 0u32;
        for y in b.y..b.y + b.h {
            let rows =
                (y.saturating_sub(bob) - top) as usize..=((y + bob).min(h - 1) - top) as usize;
            for (i, x) in (b.x..b.x + b.w).enumerate() {
                let v = brightness(now.get_pixel(x, y));
                if rows
                    .clone()
                    .all(|r| (earlier[r * width + i] - v).abs() > PIXEL_CHANGED)
                {
                    changed += 1;
                }
            }
        }
        f64::from(changed) >= SPOT_CHANGED * f64::from(b.w * b.h)
    })
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
                    e.find = e.find.renewed(find);
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

    /// Whether another scan of the same picture could change the list: a find seen once
    /// (listed if seen again, gone if not), or a listed one missed once (gone if missed
    /// again). A change seen in one scan only is settled by the next.
    pub fn undecided(&self) -> bool {
        self.entries
            .iter()
            .any(|e| (e.seen < 2 && e.missed == 0) || (e.seen >= 2 && e.missed == 1))
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
pub fn same_place(a: &Find, b: &Find) -> bool {
    let centre = |f: &Find| {
        let b = f.bbox;
        (b.x as f32 + b.w as f32 / 2.0, b.y as f32 + b.h as f32 / 2.0)
    };
    let ((ax, ay), (bx, by)) = (centre(a), centre(b));
    let reach = a.bbox.w.min(b.bbox.w) as f32 / 2.0;
    (ax - bx).abs() < reach && (ay - by).abs() < reach
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::RgbaImage;

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
            price: None,
            hidden: false,
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

    /// A price read under a listed item stays when a scan misses it (Isaac in front of it),
    /// and a price read anew replaces it.
    #[test]
    fn a_listed_items_price_does_not_flicker() {
        use crate::catalog::price_font::Price;
        let priced = |price| Find {
            price: Some(price),
            hidden: false,
            ..find(1, 300)
        };
        let mut room = RoomList::default();
        room.scanned(true, &[priced(Price::Cents(15))]);
        room.scanned(false, &[find(1, 302)]);
        let prices = |room: &RoomList| room.listed().map(|f| f.price).collect::<Vec<_>>();
        assert_eq!(prices(&room), vec![Some(Price::Cents(15))]);
        assert_eq!(room.listed().next().map(|f| f.bbox.x), Some(302));
        room.scanned(false, &[priced(Price::Cents(7))]);
        assert_eq!(prices(&room), vec![Some(Price::Cents(7))]);
    }

    /// A Curse of the Blind "?" seen by two scans is listed as a hidden item, and stays
    /// hidden (with its price) when later scans see it again; it is not one of the unsure.
    #[test]
    fn a_hidden_item_stays_hidden_in_the_list() {
        use crate::catalog::price_font::Price;
        let hidden = |x| Find {
            predictions: Vec::new(),
            price: Some(Price::Cents(15)),
            hidden: true,
            ..find(1, x)
        };
        let mut room = RoomList::default();
        room.scanned(true, &[hidden(300), find(12, 600)]);
        room.scanned(false, &[hidden(304), find(12, 600)]);
        room.scanned(false, &[hidden(302), find(12, 600)]);
        let listed: Vec<(bool, Option<Price>)> =
            room.listed().map(|f| (f.hidden, f.price)).collect();
        assert_eq!(
            listed,
            vec![(true, Some(Price::Cents(15))), (false, None)],
            "the hidden item and the named one, each once"
        );
        assert!(!room.undecided());
    }

    /// A new room's first scan asks for a second: on the next settled frame, or after a
    /// second when the screen is still and sends no frames.
    #[test]
    fn a_new_room_is_scanned_twice() {
        let mut watch = RoomWatch::default();
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        assert!(!watch.observe(signature(40, None), false, false, at(0)));
        assert!(watch.observe(signature(40, None), false, false, at(250)));
        assert!(watch.new_room && watch.awaits_confirmation());
        // Too soon for the next one.
        assert!(!watch.observe(signature(40, None), false, false, at(500)));
        assert!(watch.observe(signature(40, None), false, false, at(750)));
        assert!(!watch.new_room && !watch.awaits_confirmation());
        // Then nothing while nothing changes.
        assert!(!watch.observe(signature(40, None), false, false, at(1000)));
        // A still screen: the confirming scan comes from the clock.
        assert!(!watch.observe(signature(200, None), false, false, at(2000)));
        assert!(watch.observe(signature(200, None), false, false, at(2250)));
        assert!(watch.new_room);
        assert!(!watch.confirm_due(at(2800)));
        assert!(watch.confirm_due(at(3300)));
        assert!(!watch.awaits_confirmation() && !watch.confirm_due(at(9000)));
    }

    #[test]
    fn scans_a_new_room_once_it_settles_and_not_while_nothing_changes() {
        let mut watch = RoomWatch::default();
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        // The first frame has nothing to compare with: wait for a second, alike one.
        assert!(!watch.observe(signature(40, None), false, false, at(0)));
        assert!(watch.observe(signature(40, None), false, false, at(250)));
        // The new room's confirming scan; then, nothing changing, never again.
        assert!(!watch.observe(signature(40, None), false, false, at(500)));
        assert!(watch.observe(signature(40, None), false, false, at(750)));
        for i in 4..40 {
            assert!(!watch.observe(signature(40, None), false, false, at(i * 250)));
        }
        // A room transition: frames differ from each other until the new room settles.
        assert!(!watch.observe(signature(120, None), false, false, at(10_250)));
        assert!(!watch.observe(signature(200, None), false, false, at(10_500)));
        assert!(watch.observe(signature(200, None), false, false, at(10_750)));
        assert!(!watch.observe(signature(200, None), false, false, at(11_000)));
        assert!(watch.observe(signature(200, None), false, false, at(11_250)));
        // Isaac walks (a small spot): rescanned only after a while.
        assert!(!watch.observe(signature(200, Some((100, 100))), false, false, at(11_500)));
        assert!(!watch.observe(signature(200, Some((100, 100))), false, false, at(11_750)));
        assert!(watch.observe(signature(200, Some((100, 100))), false, false, at(14_300)));
        // Not a new room, but its list may change: a still screen is scanned again a
        // second later, once.
        assert!(!watch.new_room && watch.awaits_confirmation());
        assert!(!watch.confirm_due(at(14_800)));
        assert!(watch.confirm_due(at(15_300)));
        assert!(!watch.awaits_confirmation() && !watch.confirm_due(at(20_000)));
        // An item taken from a still room: its box changed, the signature hardly. Scanned at
        // once, and confirmed a second later.
        assert!(watch.observe(signature(200, Some((100, 100))), false, true, at(20_500)));
        assert!(!watch.new_room && watch.awaits_confirmation());
        assert!(watch.confirm_due(at(21_600)));
        // Isaac standing by an item changes its box in every frame: once a second at most.
        assert!(!watch.observe(signature(200, Some((100, 100))), false, true, at(22_100)));
        assert!(watch.observe(signature(200, Some((100, 100))), false, true, at(22_700)));
    }

    /// A still screen sends a changed picture twice (the change, then the same again) and
    /// then nothing. A frame that comes during a scan, or too soon after one, waits and is
    /// scanned once it may be: before, an item taken then was never seen taken.
    #[test]
    fn a_frame_that_comes_during_or_just_after_a_scan_is_scanned_later() {
        let mut watch = RoomWatch::default();
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        assert!(!watch.observe(signature(40, None), false, false, at(0)));
        assert!(watch.observe(signature(40, None), false, false, at(250)));
        assert!(watch.confirm_due(at(1300)));
        // An item taken while the confirming scan runs: both frames held, none scanned.
        watch.hold(signature(40, Some((100, 100))), false, at(1350));
        watch.hold(signature(40, Some((100, 100))), true, at(1600));
        assert!(watch.is_waiting() && watch.awaits_confirmation());
        // Answered: too soon after the scan, it waits on; then it is scanned, and confirmed
        // a second later.
        assert!(!watch.look_again(true, at(1500)));
        assert!(watch.is_waiting());
        assert!(watch.look_again(true, at(2600)));
        assert!(!watch.is_waiting() && !watch.new_room);
        assert!(watch.confirm_due(at(3700)));
        // Another room, whose first frame the UI saw only as the capture's repeat (the
        // frame before it dropped): it has settled, and is scanned at once.
        assert!(watch.observe(signature(200, None), true, false, at(4200)));
        assert!(watch.new_room);
        // Another room's frame a moment after a scan: it waits, and is scanned when due.
        assert!(!watch.observe(signature(90, None), true, false, at(4300)));
        assert!(watch.is_waiting());
        assert!(watch.look_again(false, at(4700)) && watch.new_room);
        // A frame that never settles (no repeat came) counts as still after a while.
        assert!(!watch.observe(signature(160, None), false, false, at(6000)));
        assert!(!watch.look_again(false, at(7000)));
        assert!(watch.look_again(false, at(8600)) && watch.new_room);
        // Confirmed; then nothing changes: nothing waits.
        assert!(watch.confirm_due(at(9700)));
        assert!(!watch.observe(signature(160, None), false, false, at(12_000)));
        assert!(!watch.is_waiting());
    }

    /// A scan that left the list undecided (a capture caught mid-redraw still showed an
    /// item that the next scan misses) is followed by more scans of the still screen, a
    /// second apart, until the list is decided: before, the item stayed listed, missed once.
    #[test]
    fn a_still_screen_is_scanned_until_its_list_is_decided() {
        let mut room = RoomList::default();
        let mut watch = RoomWatch::default();
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let answer = |watch: &mut RoomWatch, room: &mut RoomList, finds: &[Find]| {
            room.scanned(watch.new_room, finds);
            watch.recheck(room.undecided());
        };
        assert!(!watch.observe(signature(40, None), false, false, at(0)));
        assert!(watch.observe(signature(40, None), false, false, at(250)));
        answer(&mut watch, &mut room, &[find(1, 300), find(12, 420)]);
        assert!(room.undecided());
        assert!(watch.confirm_due(at(1300)));
        answer(&mut watch, &mut room, &[find(1, 300), find(12, 420)]);
        assert_eq!(listed(&room), vec![1, 12]);
        assert!(!room.undecided() && !watch.awaits_confirmation());
        assert!(!watch.confirm_due(at(5000)));
        // The onion taken; the confirming scan catches the screen mid-redraw (onion still
        // there), the next one sees it gone: missed once, the list is undecided.
        assert!(watch.observe(signature(40, Some((100, 100))), false, true, at(6000)));
        answer(&mut watch, &mut room, &[find(1, 300), find(12, 420)]);
        assert!(watch.confirm_due(at(7100)));
        answer(&mut watch, &mut room, &[find(12, 420)]);
        assert_eq!(listed(&room), vec![1, 12]);
        assert!(room.undecided() && watch.awaits_confirmation());
        // So the still screen is scanned once more, and the onion goes.
        assert!(!watch.confirm_due(at(7500)));
        assert!(watch.confirm_due(at(8200)));
        answer(&mut watch, &mut room, &[find(12, 420)]);
        assert_eq!(listed(&room), vec![12]);
        assert!(!room.undecided() && !watch.confirm_due(at(20_000)));
    }

    #[test]
    fn a_listed_items_box_tells_an_item_taken_from_noise() {
        let room = RgbaImage::from_fn(320, 180, |x, y| {
            image::Rgba([(x % 50) as u8 + 40, (y % 40) as u8 + 30, 60, 255])
        });
        let spot = CropBox {
            x: 100,
            y: 60,
            w: 40,
            h: 40,
        };
        let mut with_item = room.clone();
        for (x, y) in (108..132).flat_map(|x| (66..94).map(move |y| (x, y))) {
            with_item.put_pixel(x, y, image::Rgba([230, 200, 90, 255]));
        }
        // Noise: every pixel a little brighter.
        let mut noisy = with_item.clone();
        for p in noisy.pixels_mut() {
            p[0] = p[0].saturating_add(4);
            p[1] = p[1].saturating_add(4);
        }
        assert!(!spots_changed(&with_item, &noisy, [&spot]));
        // The item bobbing two pixels down: not changed.
        let mut bobbed = room.clone();
        for (x, y) in (108..132).flat_map(|x| (68..96).map(move |y| (x, y))) {
            bobbed.put_pixel(x, y, image::Rgba([230, 200, 90, 255]));
        }
        assert!(!spots_changed(&with_item, &bobbed, [&spot]));
        // A small item (a tenth of its box) taken: changed.
        let mut small = room.clone();
        for (x, y) in (114..126).flat_map(|x| (74..87).map(move |y| (x, y))) {
            small.put_pixel(x, y, image::Rgba([230, 200, 90, 255]));
        }
        assert!(spots_changed(&small, &room, [&spot]));
        assert!(spots_changed(&with_item, &room, [&spot]));
        // Elsewhere in the frame, nothing listed: no change.
        let elsewhere = CropBox { x: 200, ..spot };
        assert!(!spots_changed(&with_item, &room, [&elsewhere]));
        // Another size is another room: the signature's business.
        let smaller = image::imageops::resize(&room, 160, 90, image::imageops::FilterType::Nearest);
        assert!(!spots_changed(&with_item, &smaller, [&spot]));
    }
}
