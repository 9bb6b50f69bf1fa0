//! The run as companion mode sees it: the rooms where items stood, which items were taken,
//! rerolled or left, and the active item. Fed the settled list of each scan (what two scans
//! of a room agree on, [`crate::companion::RoomList`]) and the HUD's active-item slot; knows
//! nothing of windows or the engine, so the app and `isaac-lens track` share it.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::capture::Signature;
use crate::catalog::price_font::Price;
use crate::catalog::{Catalog, ItemKey};
use crate::companion::same_place;
use crate::engine::predict::UNSURE_BELOW;
use crate::engine::scan::Find;

/// Two pictures of one room differ in fewer signature cells than this: an item taken, Isaac
/// walking or a tear change about 1%, another room most of the screen.
const SAME_ROOM: f32 = 0.06;

/// An active item is read from the HUD slot only at this score or above: an empty slot, or
/// one half hidden by a charge bar, gives lower scores.
pub const ACTIVE_SURE: f32 = 0.8;

/// What became of an item seen in a room.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Fate {
    /// Still there when last seen (a room left with it is "seen, not taken").
    There,
    /// Gone while its room was on screen, or shown in the HUD's active slot.
    Taken,
    /// Turned into another item in place.
    Rerolled,
    /// Removed by the player (not an item, or not one to keep): listed nowhere.
    Removed,
}

/// An item seen in a room.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SeenItem {
    pub key: ItemKey,
    /// The frame (by number in the feed) it was first seen in.
    pub frame: u64,
    /// Where it stood when last seen.
    pub find: Find,
    pub fate: Fate,
}

impl SeenItem {
    fn entry(&self) -> Entry {
        Entry {
            key: self.key,
            frame: self.frame,
            price: self.find.price,
        }
    }
}

/// A room where items were seen.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Room {
    /// The frame it was first seen in.
    pub frame: u64,
    /// When it was first seen, in seconds since 1970 (0 in runs written before this was kept).
    #[serde(default)]
    pub seen_at: u64,
    pub items: Vec<SeenItem>,
    signature: Signature,
}

/// One run: rooms in the order first seen, items taken in the order taken.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Run {
    /// When it began, in seconds since 1970 (0 when unknown).
    pub started: u64,
    pub rooms: Vec<Room>,
    /// (room, item) of each item taken, in order; an active item read from the HUD that no
    /// room showed is kept in `carried`.
    taken: Vec<Taken>,
    pub active: Option<ItemKey>,
    /// The room on screen, and the scans of it since it was entered.
    #[serde(skip)]
    current: Option<usize>,
    #[serde(skip)]
    scans_here: u32,
    #[serde(skip)]
    last_active_read: Option<ItemKey>,
}

/// A correction the player makes by hand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Correction {
    /// The taken item at this place in [`Run::taken`] was not taken (or is no item).
    RemoveTaken(usize),
    /// The seen item at this place in [`Run::seen`] was taken after all.
    TookSeen(usize),
    /// The seen item at this place in [`Run::seen`] is no item: listed nowhere.
    RemoveSeen(usize),
    /// An item taken that the log missed, from the catalog.
    AddTaken(ItemKey),
}

/// Why a run file could not be read or written.
#[derive(Debug, thiserror::Error)]
#[error("{}: {message}", crate::quote::path(path))]
pub struct RunFileError {
    path: std::path::PathBuf,
    message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum Taken {
    /// Taken from a room: (room, item) indices.
    FromRoom(usize, usize),
    /// Shown in the HUD's active slot without a room having shown it (the character's own).
    Carried(ItemKey, u64),
}

/// A taken or seen item as a list shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    pub key: ItemKey,
    pub frame: u64,
    /// Its price where it stood for sale (paid, when taken).
    pub price: Option<Price>,
}

impl Run {
    /// A new run begun at `started` (seconds since 1970).
    pub fn new(started: u64) -> Self {
        Self {
            started,
            ..Self::default()
        }
    }

    /// Applies a correction; an index past its list changes nothing.
    pub fn correct(&mut self, correction: Correction) {
        match correction {
            Correction::RemoveTaken(i) => {
                if i >= self.taken.len() {
                    return;
                }
                if let Taken::FromRoom(room, item) = self.taken.remove(i) {
                    self.rooms[room].items[item].fate = Fate::Removed;
                }
            }
            Correction::TookSeen(i) => {
                if let Some((room, item)) = self.seen_places().get(i).copied() {
                    self.take(room, item);
                }
            }
            Correction::RemoveSeen(i) => {
                if let Some((room, item)) = self.seen_places().get(i).copied() {
                    self.rooms[room].items[item].fate = Fate::Removed;
                }
            }
            Correction::AddTaken(key) => self.taken.push(Taken::Carried(key, 0)),
        }
    }

    /// Writes the run to `path` whole or not at all (a crash keeps the previous file).
    pub fn save(&self, path: &Path) -> Result<(), RunFileError> {
        let error = |message: String| RunFileError {
            path: path.to_path_buf(),
            message,
        };
        let json = self.to_json().map_err(|e| error(e.to_string()))?;
        crate::fsutil::write_atomic(path, &json).map_err(|e| error(e.to_string()))
    }

    /// What [`Run::save`] writes.
    pub fn to_json(&self) -> serde_json::Result<Vec<u8>> {
        serde_json::to_vec(self)
    }

    /// Reads a run written by [`Run::save`]; one that names rooms or items it does not hold
    /// is refused.
    pub fn load(path: &Path) -> Result<Self, RunFileError> {
        let error = |message: String| RunFileError {
            path: path.to_path_buf(),
            message: crate::quote::message(&message),
        };
        let bytes = std::fs::read(path).map_err(|e| error(e.to_string()))?;
        let run: Run = serde_json::from_slice(&bytes).map_err(|e| error(e.to_string()))?;
        let valid = run.taken.iter().all(|t| match *t {
            Taken::FromRoom(room, item) => {
                run.rooms.get(room).is_some_and(|r| item < r.items.len())
            }
            Taken::Carried(..) => true,
        });
        if !valid {
            return Err(error("names an item no room of it holds".into()));
        }
        Ok(run)
    }

    /// A settled scan of the room on screen, frame number `frame`: `new_room` when the watch
    /// took it for another room than the scan before, `listed` what two scans agree is there.
    pub fn room_scanned(
        &mut self,
        frame: u64,
        new_room: bool,
        signature: &Signature,
        listed: &[Find],
    ) {
        if new_room || self.current.is_none() {
            self.enter(frame, signature);
        }
        self.scans_here += 1;
        let Some(room) = self.current else { return };
        // The first scan of a room lists nothing yet (a find is listed once two agree).
        let settled = self.scans_here >= 2;
        let mut matched = vec![false; self.rooms[room].items.len()];
        // Items first seen together are kept left to right, as a player reads the room.
        let mut listed: Vec<&Find> = listed.iter().collect();
        listed.sort_by_key(|f| (f.bbox.x, f.bbox.y));
        let taken: Vec<ItemKey> = self.taken().iter().map(|e| e.key).collect();
        for find in listed {
            let Some(key) = find.predictions.first().map(|p| p.key) else {
                continue;
            };
            let items = &mut self.rooms[room].items;
            let here = items
                .iter()
                .position(|i| i.key == key && same_place(&i.find, find));
            match here {
                Some(i) => {
                    matched[i] = true;
                    if items[i].fate == Fate::Taken && self.active != Some(key) {
                        // Back in view: it was never taken (a miss, Isaac standing on it);
                        // one the HUD shows is taken, whatever the room's list still holds.
                        items[i].fate = Fate::There;
                        self.taken.retain(|t| *t != Taken::FromRoom(room, i));
                    }
                    items[i].find = items[i].find.renewed(find);
                }
                // A taken item elsewhere is the same one: held over Isaac's head as he
                // picks it up, not another to list (and take again when it goes).
                None if taken.contains(&key) => {}
                // What the floating panel calls unsure (a pickup, a rock taken for an item) is
                // not logged as a new item; where a logged one stood, something still does.
                None if find.score() < UNSURE_BELOW => {
                    if let Some(old) = items
                        .iter()
                        .position(|i| i.fate == Fate::There && same_place(&i.find, find))
                    {
                        matched[old] = true;
                    }
                }
                None => {
                    // Another item where one stood: a reroll of that one.
                    if let Some(old) = items
                        .iter()
                        .position(|i| i.fate == Fate::There && same_place(&i.find, find))
                    {
                        items[old].fate = Fate::Rerolled;
                        matched[old] = true;
                    }
                    items.push(SeenItem {
                        key,
                        frame,
                        find: find.clone(),
                        fate: Fate::There,
                    });
                    matched.push(true);
                }
            }
        }
        if settled {
            for (i, seen) in matched.into_iter().enumerate() {
                if !seen && self.rooms[room].items[i].fate == Fate::There {
                    self.take(room, i);
                }
            }
        }
    }

    /// The HUD's active-item slot shows `key` (read when the HUD settled) at frame `frame`.
    pub fn active_seen(&mut self, frame: u64, key: ItemKey) {
        if self.active == Some(key) {
            return;
        }
        self.active = Some(key);
        if self.taken().iter().any(|e| e.key == key) {
            return;
        }
        // Picked up from the room on screen if it stands there; else the player had it.
        let here = self.current.and_then(|room| {
            self.rooms[room]
                .items
                .iter()
                .position(|i| i.key == key && i.fate == Fate::There)
                .map(|i| (room, i))
        });
        match here {
            Some((room, i)) => self.take(room, i),
            None => self.taken.push(Taken::Carried(key, frame)),
        }
    }

    /// The recogniser's best guesses for the HUD's active slot in frame `frame`: read as
    /// an item only when it is sure of one (an empty slot or a charge bar is none).
    pub fn active_predicted(&mut self, frame: u64, best: &[crate::engine::Prediction]) {
        let key = best
            .first()
            .filter(|p| p.score >= ACTIVE_SURE)
            .map(|p| p.key);
        self.active_read(frame, key);
    }

    /// What the HUD's active slot showed in frame `frame` (None: no item read there). A
    /// change counts once two reads in a row agree, so one misread frame changes nothing.
    pub fn active_read(&mut self, frame: u64, key: Option<ItemKey>) {
        let agreed = key.is_some() && self.last_active_read == key;
        self.last_active_read = key;
        if let (true, Some(key)) = (agreed, key) {
            self.active_seen(frame, key);
        }
    }

    fn take(&mut self, room: usize, item: usize) {
        self.rooms[room].items[item].fate = Fate::Taken;
        self.taken.push(Taken::FromRoom(room, item));
    }

    /// Another room on screen: one seen before if its picture matches, else a new one.
    fn enter(&mut self, frame: u64, signature: &Signature) {
        self.scans_here = 0;
        let known = self
            .rooms
            .iter()
            .position(|r| r.signature.changed_share(signature) < SAME_ROOM);
        self.current = Some(known.unwrap_or_else(|| {
            self.rooms.push(Room {
                frame,
                seen_at: std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs()),
                items: Vec::new(),
                signature: signature.clone(),
            });
            self.rooms.len() - 1
        }));
    }

    /// Items taken, in the order taken.
    pub fn taken(&self) -> Vec<Entry> {
        self.taken
            .iter()
            .map(|t| match *t {
                Taken::FromRoom(room, i) => self.rooms[room].items[i].entry(),
                Taken::Carried(key, frame) => Entry {
                    key,
                    frame,
                    price: None,
                },
            })
            .collect()
    }

    /// Items seen and not taken (left in their rooms or rerolled), in the order seen; an
    /// item left in two rooms is listed twice, one seen again in its room once.
    pub fn seen(&self) -> Vec<(Entry, Fate)> {
        self.seen_places()
            .into_iter()
            .map(|(room, item)| {
                let i = &self.rooms[room].items[item];
                (i.entry(), i.fate)
            })
            .collect()
    }

    /// (room, item) of each entry of [`Run::seen`].
    fn seen_places(&self) -> Vec<(usize, usize)> {
        self.rooms
            .iter()
            .enumerate()
            .flat_map(|(r, room)| {
                room.items
                    .iter()
                    .enumerate()
                    .filter(|(_, i)| matches!(i.fate, Fate::There | Fate::Rerolled))
                    .map(move |(i, _)| (r, i))
            })
            .collect()
    }

    /// Rooms where items were seen.
    pub fn rooms_with_items(&self) -> impl Iterator<Item = &Room> {
        self.rooms.iter().filter(|r| !r.items.is_empty())
    }

    /// The run as lists of items with their names, for JSON and CSV.
    pub fn summary(&self, catalog: &Catalog) -> RunSummary {
        let entry = |e: &Entry, fate| SummaryItem {
            frame: Some(e.frame),
            fate,
            price: e.price,
            ..summary_item(catalog, e.key)
        };
        RunSummary {
            taken: self.taken().iter().map(|e| entry(e, None)).collect(),
            seen: self
                .seen()
                .iter()
                .map(|(e, f)| entry(e, Some(*f)))
                .collect(),
            active: self.active.map(|k| summary_item(catalog, k)),
            transformations: self
                .transformations(catalog)
                .into_iter()
                .map(|(t, count)| TransformationCount {
                    name_en: t.name_en.clone(),
                    name_zh: t.name_zh.clone(),
                    count,
                    needed: t.needed,
                })
                .collect(),
        }
    }

    /// Each transformation the taken items count toward: (transformation, items counted).
    pub fn transformations<'c>(
        &self,
        catalog: &'c Catalog,
    ) -> Vec<(&'c crate::catalog::Transformation, u8)> {
        let mut keys: Vec<ItemKey> = self.taken().iter().map(|e| e.key).collect();
        // An item counts once, however often it was taken.
        keys.sort();
        keys.dedup();
        catalog
            .transformations()
            .iter()
            .filter_map(|t| {
                let count = keys
                    .iter()
                    .filter_map(|k| catalog.get(*k))
                    .filter(|item| item.transformations.contains(&t.id))
                    .count();
                (count > 0).then(|| (t, count.min(usize::from(u8::MAX)) as u8))
            })
            .collect()
    }
}

/// Runs as `isaac-lens track --json` prints them and the Run tab exports them:
/// `{"runs": [{"taken", "seen", "active", "transformations"}]}`.
#[derive(Serialize)]
pub struct Summary {
    pub runs: Vec<RunSummary>,
}

#[derive(Serialize)]
pub struct RunSummary {
    pub taken: Vec<SummaryItem>,
    pub seen: Vec<SummaryItem>,
    pub active: Option<SummaryItem>,
    pub transformations: Vec<TransformationCount>,
}

#[derive(Serialize)]
pub struct SummaryItem {
    pub kind: &'static str,
    pub id: u32,
    pub name_en: String,
    pub name_zh: String,
    /// The frame it was first seen in (by position among the frames given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame: Option<u64>,
    /// For a seen item: "there" (left in its room) or "rerolled".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fate: Option<Fate>,
    /// Its price in a shop or devil deal, when one was read: `{"cents": 15}`,
    /// `{"hearts": 2}` or `{"soul_hearts": 3}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<Price>,
}

#[derive(Serialize)]
pub struct TransformationCount {
    pub name_en: String,
    pub name_zh: String,
    pub count: u8,
    pub needed: u8,
}

/// An item with its names; no frame, fate or price.
fn summary_item(catalog: &Catalog, key: ItemKey) -> SummaryItem {
    let item = catalog.get(key);
    SummaryItem {
        kind: key.kind.as_str(),
        id: key.id,
        name_en: item.map(|i| i.name_en.clone()).unwrap_or_default(),
        name_zh: item.map(|i| i.name_zh.clone()).unwrap_or_default(),
        frame: None,
        fate: None,
        price: None,
    }
}

impl RunSummary {
    /// One row per item: `list,kind,id,name_en,name_zh,frame,fate,price` (list: taken,
    /// seen, active; price as `15c`, `2 hearts` or `3 soul hearts`).
    pub fn csv(&self) -> String {
        let field = |s: &str| {
            if s.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s.to_string()
            }
        };
        let mut out = String::from("list,kind,id,name_en,name_zh,frame,fate,price\n");
        let rows = self
            .taken
            .iter()
            .map(|i| ("taken", i))
            .chain(self.seen.iter().map(|i| ("seen", i)))
            .chain(self.active.iter().map(|i| ("active", i)));
        for (list, i) in rows {
            let fate = match i.fate {
                Some(Fate::Rerolled) => "rerolled",
                Some(_) => "left",
                None => "",
            };
            out.push_str(&format!(
                "{list},{},{},{},{},{},{fate},{}\n",
                i.kind,
                i.id,
                field(&i.name_en),
                field(&i.name_zh),
                i.frame.map(|f| f.to_string()).unwrap_or_default(),
                i.price.map(price_text).unwrap_or_default(),
            ));
        }
        out
    }
}

/// A price as the CSV writes it: `15c`, `2 hearts`, `3 soul hearts`.
pub fn price_text(price: Price) -> String {
    match price {
        Price::Cents(c) => format!("{c}c"),
        Price::Hearts(1) => "1 heart".into(),
        Price::Hearts(n) => format!("{n} hearts"),
        Price::SoulHearts(1) => "1 soul heart".into(),
        Price::SoulHearts(n) => format!("{n} soul hearts"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::ItemKind;
    use crate::engine::{CropBox, Prediction};
    use image::RgbaImage;

    fn room(level: u8) -> Signature {
        Signature::of(&RgbaImage::from_pixel(
            480,
            270,
            image::Rgba([level, level, level, 255]),
        ))
    }

    fn find(id: u32, x: u32) -> Find {
        Find {
            bbox: CropBox {
                x,
                y: 200,
                w: 120,
                h: 120,
            },
            predictions: vec![Prediction {
                key: key(id),
                score: 0.9,
            }],
            price: None,
            hidden: false,
        }
    }

    fn key(id: u32) -> ItemKey {
        ItemKey::new(ItemKind::Collectible, id)
    }

    fn ids(entries: &[Entry]) -> Vec<u32> {
        entries.iter().map(|e| e.key.id).collect()
    }

    /// Three items: one taken, one rerolled in place, one left.
    #[test]
    fn taken_rerolled_and_left_are_told_apart() {
        let mut run = Run::default();
        let a = room(40);
        run.room_scanned(0, true, &a, &[]);
        run.room_scanned(1, false, &a, &[find(1, 100), find(2, 400), find(3, 700)]);
        run.room_scanned(2, false, &a, &[find(2, 400), find(3, 700)]);
        run.room_scanned(3, false, &a, &[find(9, 400), find(3, 700)]);
        assert_eq!(ids(&run.taken()), vec![1]);
        let seen: Vec<(u32, Fate)> = run.seen().iter().map(|(e, f)| (e.key.id, *f)).collect();
        assert_eq!(
            seen,
            vec![(2, Fate::Rerolled), (3, Fate::There), (9, Fate::There)]
        );
        assert_eq!(run.taken()[0].frame, 1);
    }

    /// A shop: the price read under an item goes with it, bought or left, and a scan that
    /// misses the price (Isaac in front of it) does not lose it.
    #[test]
    fn an_item_bought_keeps_its_price() {
        let priced = |id: u32, x: u32, price: Price| Find {
            price: Some(price),
            hidden: false,
            ..find(id, x)
        };
        let mut run = Run::default();
        let shop = room(90);
        run.room_scanned(0, true, &shop, &[]);
        run.room_scanned(
            1,
            false,
            &shop,
            &[
                priced(1, 100, Price::Cents(15)),
                priced(2, 400, Price::Hearts(2)),
            ],
        );
        run.room_scanned(2, false, &shop, &[find(1, 100), find(2, 400)]);
        run.room_scanned(3, false, &shop, &[find(2, 400)]);
        assert_eq!(ids(&run.taken()), vec![1]);
        assert_eq!(run.taken()[0].price, Some(Price::Cents(15)));
        assert_eq!(run.seen()[0].0.price, Some(Price::Hearts(2)));
        let catalog = Catalog::from_items("/nowhere", Vec::new()).unwrap();
        let summary = run.summary(&catalog);
        let json = serde_json::to_value(&summary).unwrap();
        assert_eq!(json["taken"][0]["price"], serde_json::json!({"cents": 15}));
        assert_eq!(json["seen"][0]["price"], serde_json::json!({"hearts": 2}));
        let csv = summary.csv();
        assert!(csv.contains("taken,collectible,1,,,1,,15c\n"), "{csv}");
        assert!(
            csv.contains("seen,collectible,2,,,1,left,2 hearts\n"),
            "{csv}"
        );
        // Saved and read back, the prices are still there.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("run.json");
        run.save(&file).unwrap();
        let back = Run::load(&file).unwrap();
        assert_eq!(back.taken()[0].price, Some(Price::Cents(15)));
    }

    /// Out of a room and back: nothing counted twice, and the first scan back (which lists
    /// nothing yet) takes nothing.
    #[test]
    fn coming_back_to_a_room_counts_nothing_twice() {
        let mut run = Run::default();
        let (a, b) = (room(40), room(200));
        run.room_scanned(0, true, &a, &[]);
        run.room_scanned(1, false, &a, &[find(1, 100), find(2, 400)]);
        run.room_scanned(2, true, &b, &[]);
        run.room_scanned(3, false, &b, &[find(5, 300)]);
        run.room_scanned(4, true, &a, &[]);
        assert!(run.taken().is_empty(), "{:?}", run.taken());
        run.room_scanned(5, false, &a, &[find(1, 104), find(2, 400)]);
        assert!(run.taken().is_empty());
        assert_eq!(
            ids(&run.seen().iter().map(|s| s.0).collect::<Vec<_>>()),
            vec![1, 2, 5]
        );
        assert_eq!(run.rooms_with_items().count(), 2);
        // Taken on the second visit: once.
        run.room_scanned(6, false, &a, &[find(2, 400)]);
        run.room_scanned(7, false, &a, &[find(2, 400)]);
        assert_eq!(ids(&run.taken()), vec![1]);
    }

    /// An item missed for a while (Isaac standing on it for longer) that shows again was
    /// never taken.
    #[test]
    fn an_item_seen_again_in_place_was_not_taken() {
        let mut run = Run::default();
        let a = room(40);
        run.room_scanned(0, true, &a, &[]);
        run.room_scanned(1, false, &a, &[find(1, 100)]);
        run.room_scanned(2, false, &a, &[]);
        assert_eq!(ids(&run.taken()), vec![1]);
        run.room_scanned(3, false, &a, &[find(1, 100)]);
        assert!(run.taken().is_empty());
    }

    /// Unsure finds (below the panel's threshold) are not logged as items; an item that
    /// reads unsure for a while (half hidden) is not taken for it.
    #[test]
    fn unsure_finds_are_not_logged() {
        let unsure = |id: u32, x: u32| {
            let mut f = find(id, x);
            f.predictions[0].score = 0.3;
            f
        };
        let mut run = Run::default();
        let a = room(40);
        run.room_scanned(0, true, &a, &[]);
        run.room_scanned(1, false, &a, &[find(1, 100), unsure(7, 400)]);
        run.room_scanned(2, false, &a, &[find(1, 100), unsure(7, 400)]);
        run.room_scanned(3, false, &a, &[unsure(1, 100)]);
        run.room_scanned(4, false, &a, &[unsure(8, 100)]);
        assert!(run.taken().is_empty(), "{:?}", run.taken());
        let seen: Vec<u32> = run.seen().iter().map(|(e, _)| e.key.id).collect();
        assert_eq!(seen, vec![1]);
    }

    /// Isaac holds a taken item over his head: found elsewhere in the room for a moment,
    /// it is not another item, and it is taken once.
    #[test]
    fn a_taken_item_held_up_elsewhere_is_not_counted_again() {
        let mut run = Run::default();
        let a = room(40);
        run.room_scanned(0, true, &a, &[]);
        run.room_scanned(1, false, &a, &[find(1, 100), find(2, 400)]);
        run.room_scanned(2, false, &a, &[find(2, 400)]);
        run.room_scanned(3, false, &a, &[find(1, 230), find(2, 400)]);
        run.room_scanned(4, false, &a, &[find(1, 230), find(2, 400)]);
        run.room_scanned(5, false, &a, &[find(2, 400)]);
        run.room_scanned(6, false, &a, &[find(2, 400)]);
        assert_eq!(ids(&run.taken()), vec![1]);
        let seen: Vec<u32> = run.seen().iter().map(|(e, _)| e.key.id).collect();
        assert_eq!(seen, vec![2]);
    }

    /// The HUD's active slot: an item from the room on screen is taken from it; the
    /// character's own is taken too, from no room; showing again counts nothing.
    #[test]
    fn the_active_slot_takes_its_item() {
        let mut run = Run::default();
        let a = room(40);
        run.active_seen(0, key(105)); // the D6 Isaac starts with
        run.room_scanned(1, true, &a, &[]);
        run.room_scanned(2, false, &a, &[find(33, 100), find(2, 400)]);
        run.active_seen(3, key(33));
        run.active_seen(4, key(33));
        assert_eq!(run.active, Some(key(33)));
        assert_eq!(ids(&run.taken()), vec![105, 33]);
        // The slot showed it first; the room's list losing it later takes nothing more.
        run.room_scanned(5, false, &a, &[find(33, 100), find(2, 400)]);
        run.room_scanned(6, false, &a, &[find(2, 400)]);
        assert_eq!(ids(&run.taken()), vec![105, 33]);
    }

    /// Three items that count toward Guppy make "Guppy 3 of 3"; an item taken twice counts
    /// once.
    #[test]
    fn taken_items_count_toward_their_transformations() {
        let item = |id: u32, transformations: Vec<u8>| crate::catalog::Item {
            kind: ItemKind::Collectible,
            id,
            name_en: format!("item {id}"),
            name_zh: String::new(),
            description_en: String::new(),
            description_zh: String::new(),
            quality: None,
            charge: None,
            sprite: String::new(),
            aliases: Vec::new(),
            older_sprites: Vec::new(),
            transformations,
        };
        let transformation = |id: u8, name: &str| crate::catalog::Transformation {
            id,
            name_en: name.into(),
            name_zh: String::new(),
            needed: 3,
        };
        let catalog = Catalog::from_items(
            "/nonexistent",
            vec![
                item(145, vec![1]),
                item(187, vec![1]),
                item(212, vec![1, 6]),
                item(1, vec![]),
            ],
        )
        .unwrap()
        .with_transformations(vec![
            transformation(1, "Guppy"),
            transformation(6, "Yes Mother?"),
        ]);
        let mut run = Run::default();
        let a = room(40);
        run.room_scanned(0, true, &a, &[]);
        run.room_scanned(
            1,
            false,
            &a,
            &[find(145, 100), find(187, 400), find(1, 700)],
        );
        run.room_scanned(2, false, &a, &[find(1, 700)]);
        run.active_seen(3, key(212));
        run.active_seen(4, key(145));
        let counted: Vec<(&str, u8, u8)> = run
            .transformations(&catalog)
            .iter()
            .map(|(t, n)| (t.name_en.as_str(), *n, t.needed))
            .collect();
        assert_eq!(counted, vec![("Guppy", 3, 3), ("Yes Mother?", 1, 3)]);
    }

    /// Every entry can be corrected by hand, and a corrected run saved and read back is the
    /// same run; a file naming items it does not hold is refused.
    #[test]
    fn corrections_and_a_saved_run_read_back() {
        let mut run = Run::new(1_700_000_000);
        let a = room(40);
        run.room_scanned(0, true, &a, &[]);
        run.room_scanned(1, false, &a, &[find(1, 100), find(2, 400), find(3, 700)]);
        run.room_scanned(2, false, &a, &[find(2, 400), find(3, 700)]);
        assert_eq!(ids(&run.taken()), vec![1]);
        run.correct(Correction::TookSeen(0)); // item 2
        run.correct(Correction::RemoveSeen(0)); // item 3, now first of the seen
        run.correct(Correction::AddTaken(key(12)));
        run.correct(Correction::RemoveTaken(0)); // item 1
        run.correct(Correction::RemoveTaken(9)); // past the list: nothing
        assert_eq!(ids(&run.taken()), vec![2, 12]);
        assert!(run.seen().is_empty());
        // Item 1 is no longer seen or taken, even when a scan shows it again.
        run.room_scanned(3, false, &a, &[find(1, 100)]);
        assert_eq!(ids(&run.taken()), vec![2, 12]);
        assert!(run.seen().is_empty());

        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("runs/run.json");
        run.save(&path).unwrap();
        let back = Run::load(&path).unwrap();
        assert_eq!(back.started, 1_700_000_000);
        assert_eq!(ids(&back.taken()), vec![2, 12]);
        assert_eq!(back.rooms.len(), 1);
        let text = std::fs::read_to_string(&path).unwrap();
        let broken = text.replace("\"FromRoom\":[0,1]", "\"FromRoom\":[0,9]");
        assert_ne!(broken, text);
        std::fs::write(&path, broken).unwrap();
        let err = Run::load(&path).unwrap_err().to_string();
        assert!(err.contains("run.json") && err.contains("no room"), "{err}");
    }
}
