//! Scanning whole frames with the shipped model: items on synthetic frames (held-out
//! backgrounds) found with their identity, pickups and empty rooms giving no finds, frames of
//! any size (letterboxed, black, tiny, 4K, not a game) answered without a panic, the
//! command line's `scan --json`, and the app's Scan button and key driven through kittest.

#![allow(clippy::unwrap_used)] // a test fails loudly on a broken fixture

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use image::{DynamicImage, RgbImage};
use isaac_lens::app::{AppPaths, LensApp, Settings};
use isaac_lens::catalog::ItemKey;
use isaac_lens::engine::altar::AltarFinder;
use isaac_lens::engine::blind::BlindFinder;
use isaac_lens::engine::checkpoint::{self, Checkpoint};
use isaac_lens::engine::frames::{self, GAME_H, GAME_W};
use isaac_lens::engine::price::PriceReader;
use isaac_lens::engine::scan::{Find, ScanOptions, scan};
use isaac_lens::engine::scan_validation::{
    ScanScore, blind_room_frames, room_frames, validation_frames,
};
use isaac_lens::engine::scene::{self, Entity};
use isaac_lens::engine::synth::{Split, SynthAssets};
use rand::SeedableRng;
use tch::Device;

use common::{bin, drop_file, real_catalog, shared, start_app, wait_for};

fn shipped_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("models/default")
}

/// The shipped model (a checkpoint holds libtorch state that is not shared between threads:
/// each test loads its own).
fn model() -> Checkpoint {
    checkpoint::load(&shipped_dir(), real_catalog(), Device::Cpu).unwrap()
}

fn assets() -> &'static SynthAssets {
    static ASSETS: OnceLock<SynthAssets> = OnceLock::new();
    ASSETS.get_or_init(|| {
        SynthAssets::load(real_catalog(), Some(&shared().join("backgrounds"))).unwrap()
    })
}

fn scan_of(model: &Checkpoint, image: &DynamicImage) -> Vec<Find> {
    scan(model, image, 5, ScanOptions::default(), Device::Cpu).unwrap()
}

/// The scan as the app and `scan` run it: prices read, altars and hidden items looked for.
fn scan_as_played(model: &Checkpoint, image: &DynamicImage) -> Vec<Find> {
    let catalog = real_catalog();
    let altars = AltarFinder::new(catalog.altars().unwrap());
    let prices = PriceReader::new(catalog.price_font().unwrap());
    let blind = BlindFinder::new(catalog.altars().unwrap());
    let options = ScanOptions {
        prices: Some(&prices),
        altars: Some(&altars),
        blind: blind.as_ref(),
        ..ScanOptions::default()
    };
    scan(model, image, 5, options, Device::Cpu).unwrap()
}

#[test]
fn items_on_held_out_frames_are_found_and_named() {
    let model = model();
    // 0-6 items a frame, 320 px to 4K wide, a quarter letterboxed, some JPEG.
    let frames = validation_frames(assets(), 28, 11);
    let mut score = ScanScore::default();
    for frame in &frames {
        score.add(
            frame,
            &scan_of(&model, &frame.image),
            &model.manifest.classes,
        );
    }
    // Among held-out real art now (enemies, pickups, rocks beside the items): the bench's
    // 280 frames give 96.4% and 0.14; the model before the real art gave 90.7% and 0.79.
    assert!(score.items >= 60, "{score:?}");
    assert!(score.recall() >= 0.9, "{score:?}");
    assert!(score.false_per_frame() <= 0.25, "{score:?}");
}

#[test]
fn hand_drawn_pickups_give_no_finds() {
    let model = model();
    // A room full of pickups: hearts, coins, keys, bombs and chests, where items would lie.
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    let mut game = assets()
        .random_background(Split::Validation, GAME_W, GAME_H, &mut rng)
        .unwrap();
    let pickups = [
        Entity::Heart,
        Entity::Coin,
        Entity::Key,
        Entity::Bomb,
        Entity::Chest,
    ];
    for (i, what) in pickups.iter().cycle().take(15).enumerate() {
        let (x, y) = (90.0 + (i % 5) as f32 * 75.0, 80.0 + (i / 5) as f32 * 60.0);
        scene::entity(&mut game, *what, x, y, &mut rng);
    }
    let frame = image::imageops::resize(
        &game.to_rgb(),
        1280,
        720,
        image::imageops::FilterType::Nearest,
    );
    let finds = scan_of(&model, &DynamicImage::ImageRgb8(frame));
    assert!(finds.is_empty(), "pickups: {finds:?}");
}

/// Frames built from held-out real room renders with held-out real art alone (enemies,
/// bosses, rocks, pots, pickups, characters): the renderer never drew these things for
/// training, and none of them is an item.
#[test]
fn held_out_real_art_alone_gives_no_finds() {
    let model = model();
    // Every fourth room frame holds no item: the first sixteen of them. Most give no find;
    // the model is not yet perfect here (the bench: 0.23 false finds a frame on the real-room
    // set, 1.38 with the model before the real art), so a stray find in a few frames is
    // allowed, more than one in a frame or more than one sure one is not.
    let frames = room_frames(assets(), 64, 7).unwrap();
    let empty: Vec<_> = frames.iter().filter(|f| f.items.is_empty()).collect();
    assert!(empty.len() >= 16, "{}", empty.len());
    let (mut clean, mut sure) = (0, 0);
    for (i, frame) in empty.iter().take(16).enumerate() {
        assert!(frame.things.len() >= 4, "frame {i}: {:?}", frame.things);
        let finds = scan_of(&model, &frame.image);
        assert!(
            finds.len() <= 1,
            "frame {i}: {finds:?} among {:?}",
            frame.things
        );
        clean += usize::from(finds.is_empty());
        sure += finds.iter().filter(|f| f.score() >= 0.9).count();
    }
    assert!(clean >= 11, "{clean} of 16 frames without a find");
    assert!(sure <= 1, "{sure} sure finds");
}

/// The things most often taken for items (a bomb or a heart on the floor, a shopkeeper) stand
/// on nothing: with the altars loaded, an unsure find counts only on an altar or above an
/// item's price, and a candidate a little short of the thresholds counts there too, or
/// where its box centred on it makes it sure. On frames of held-out real rooms, this leaves
/// out false finds and hardly an item found on its altar, and finds more items.
#[test]
fn an_unsure_find_counts_only_on_an_altar_or_above_a_price() {
    use isaac_lens::engine::scan::game_area;
    use isaac_lens::engine::scene::Placement;
    let model = model();
    let catalog = real_catalog();
    let altars = AltarFinder::new(catalog.altars().unwrap());
    let prices = PriceReader::new(catalog.price_font().unwrap());
    let all = ScanOptions {
        prices: Some(&prices),
        ..ScanOptions::default()
    };
    let believed = ScanOptions {
        altars: Some(&altars),
        ..all
    };
    let frames = room_frames(assets(), 100, 2).unwrap();
    let (mut before, mut after) = (ScanScore::default(), ScanScore::default());
    let (mut on_altars, mut altars_left_out, mut added, mut left_out_sure) = (0, 0, 0, 0);
    for (i, frame) in frames.iter().enumerate() {
        let rgb = frame.image.to_rgb8();
        let area = game_area(&rgb).unwrap();
        let on_stand = |f: &Find| {
            f.price.is_some_and(|p| p.asked_for_an_item())
                || altars.stands_on_altar(&rgb, area, &f.bbox)
        };
        let plain = scan(&model, &frame.image, 5, all, Device::Cpu).unwrap();
        let kept = scan(&model, &frame.image, 5, believed, Device::Cpu).unwrap();
        before.add(frame, &plain, &model.manifest.classes);
        after.add(frame, &kept, &model.manifest.classes);
        // What is left out stands on nothing (mostly an unsure find; now and then a sure one
        // whose place a centred neighbour took, surer of an item but not sure enough alone);
        // what is added stands on something, or is a candidate that scores as sure once its
        // box is centred on it (a find named anew in its place, centred, is added too).
        let centre = |f: &Find| (f.bbox.x + f.bbox.w / 2, f.bbox.y + f.bbox.h / 2);
        let there = |a: &Find, b: &Find| find_on(std::slice::from_ref(b), centre(a)).is_some();
        let same = |a: &Find, b: &Find| {
            a.predictions.first().map(|p| p.key) == b.predictions.first().map(|p| p.key)
                && there(a, b)
        };
        for find in plain.iter().filter(|f| !kept.iter().any(|k| there(f, k))) {
            assert!(!on_stand(find), "frame {i}: {find:?}");
            left_out_sure += usize::from(find.score() >= believed.bare_bar(find));
        }
        for find in kept.iter().filter(|f| !plain.iter().any(|p| same(f, p))) {
            assert!(
                on_stand(find) || find.score() >= believed.bare_bar(find),
                "frame {i}: {find:?}"
            );
            added += 1;
        }
        // An item found on its altar is seldom left out: only where the altar is not seen
        // (a chest, a dark altar, the item hiding it) and the item is not sure enough.
        for item in frame
            .items
            .iter()
            .filter(|i| i.placement == Placement::Pedestal)
        {
            let [x, y, w, h] = item.cell;
            let centre = (x + w / 2, y + h / 2);
            if find_on(&plain, centre).is_some() {
                on_altars += 1;
                altars_left_out += usize::from(find_on(&kept, centre).is_none());
            }
        }
    }
    assert!(on_altars >= 30, "{on_altars} items found on altars");
    assert!(left_out_sure <= 2, "{left_out_sure} sure finds left out");
    assert!(
        altars_left_out * 50 <= on_altars,
        "{altars_left_out} of {on_altars} items found on altars left out"
    );
    assert!(
        added >= 1,
        "no candidate was taken for standing on an altar or a price"
    );
    assert!(
        after.false_finds < before.false_finds,
        "false finds {} then {}",
        before.false_finds,
        after.false_finds
    );
    assert!(
        after.found_right > before.found_right,
        "{before:?} {after:?}"
    );
}

/// Curse of the Blind: where the game shows its "?" (each of the catalog's marks, drawn in
/// place of the items of held-out real rooms, on their altars and above their prices), the
/// scan reports a hidden item and names nothing; frames of the real-room set, which hold no
/// "?", give no hidden item.
#[test]
fn a_blind_item_is_reported_hidden_not_guessed() {
    let model = model();
    let catalog = real_catalog();
    let art = catalog.altars().unwrap();
    assert_eq!(art.blind_marks().len(), 2, "the art folder's two marks");
    let altars = AltarFinder::new(art);
    let blind = BlindFinder::new(art).unwrap();
    let prices = PriceReader::new(catalog.price_font().unwrap());
    let options = ScanOptions {
        prices: Some(&prices),
        altars: Some(&altars),
        blind: Some(&blind),
        ..ScanOptions::default()
    };
    for (n, mark) in art.blind_marks().iter().enumerate() {
        let frames = blind_room_frames(assets(), 12, 5, mark).unwrap();
        let mut score = ScanScore::default();
        for frame in &frames {
            let finds = scan(&model, &frame.image, 5, options, Device::Cpu).unwrap();
            score.add(frame, &finds, &model.manifest.classes);
        }
        assert!(score.items >= 12, "mark {n}: {} items", score.items);
        // Found right here means reported hidden; a find named as an item is wrong.
        assert!(
            score.found_right * 10 >= score.items * 8 && score.found_wrong <= 1,
            "mark {n}: {score:?}"
        );
    }
    let frames = room_frames(assets(), 40, 2).unwrap();
    for (i, frame) in frames.iter().enumerate() {
        let finds = scan(&model, &frame.image, 5, options, Device::Cpu).unwrap();
        assert!(
            finds.iter().all(|f| !f.hidden && !f.predictions.is_empty()),
            "frame {i}: {finds:?}"
        );
    }
}

/// Two items on altars side by side in a held-out real room, `apart` game pixels between
/// their centres, shown at 1280x720.
fn two_items_frame(classes: [usize; 2], apart: i32, seed: u64) -> (RgbImage, Vec<[u32; 4]>) {
    use isaac_lens::engine::frames::{GameScreen, ScreenItem};
    use isaac_lens::engine::scene::{ItemLook, Placement};
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let rooms = assets().held_out_rooms();
    let mut screen = GameScreen {
        canvas: scene::room_fitted(rooms[seed as usize % rooms.len()], GAME_W, GAME_H),
        items: Vec::new(),
        things: Vec::new(),
    };
    let props = assets().props(Split::Validation);
    for (k, class) in classes.into_iter().enumerate() {
        let item = ScreenItem {
            class,
            placement: Placement::Pedestal,
            x: 240 - 16 - apart / 2 + k as i32 * apart,
            y: 110,
            price: None,
        };
        let look = ItemLook {
            placement: Placement::Pedestal,
            glow: false,
        };
        let sprite = assets().look(class, &mut rng).clone();
        props.item(
            &mut screen.canvas,
            &sprite,
            (item.x, item.y),
            look,
            &mut rng,
        );
        screen.items.push(item);
    }
    let frame = frames::window_of(screen, 1280, &mut rng);
    (frame.image, frame.items.iter().map(|i| i.cell).collect())
}

#[test]
fn two_items_a_tile_apart_are_two_finds() {
    let model = model();
    let keys = &model.manifest.classes;
    // Centres 52 game pixels apart (a tile between their altars), 44 and 40 (altars a few
    // pixels apart), 36 and 32 (altars touching, overlapping; training frames keep items 56
    // pixels or more apart).
    for (n, (apart, classes)) in [
        (52, [10, 200]),
        (52, [57, 640]),
        (44, [300, 450]),
        (40, [57, 640]),
        (36, [10, 200]),
        (36, [300, 450]),
        (32, [57, 640]),
    ]
    .into_iter()
    .enumerate()
    {
        let (image, cells) = two_items_frame(classes, apart, n as u64);
        let finds = scan_of(&model, &DynamicImage::ImageRgb8(image));
        assert_eq!(finds.len(), 2, "{apart} px apart: {finds:?}");
        for (class, cell) in classes.iter().zip(&cells) {
            let (cx, cy) = (cell[0] + cell[2] / 2, cell[1] + cell[3] / 2);
            let find = find_on(&finds, (cx, cy))
                .unwrap_or_else(|| panic!("{apart} px apart: nothing on {cell:?}: {finds:?}"));
            assert_eq!(
                find.predictions[0].key, keys[*class],
                "{apart} px apart: {finds:?}"
            );
        }
    }
}

/// Items beside the player, another item or a fire in held-out shops: their windows are
/// likely but on the shoulder of the neighbour's peak, and the scan takes them there.
#[test]
fn an_item_on_the_shoulder_of_a_neighbours_peak_is_found() {
    let model = model();
    let keys = &model.manifest.classes;
    let frames = room_frames(assets(), 162, 2).unwrap();
    let peaks_only = |image: &DynamicImage| {
        let catalog = real_catalog();
        let altars = AltarFinder::new(catalog.altars().unwrap());
        let prices = PriceReader::new(catalog.price_font().unwrap());
        let options = ScanOptions {
            prices: Some(&prices),
            altars: Some(&altars),
            shoulder: 2.0,
            ..ScanOptions::default()
        };
        scan(&model, image, 5, options, Device::Cpu).unwrap()
    };
    // Jar of Flies beside Isaac and the next item; Dad's Ring, small, beside a blue fire.
    for (i, class) in [(137, 429), (161, 541)] {
        let frame = &frames[i];
        let item = frame.items.iter().find(|it| it.class == class).unwrap();
        let [x, y, w, h] = item.cell;
        let centre = (x + w / 2, y + h / 2);
        let named = |finds: &[Find]| {
            find_on(finds, centre).is_some_and(|f| f.predictions[0].key == keys[class])
        };
        assert!(
            !named(&peaks_only(&frame.image)),
            "frame {i}: found from a peak"
        );
        let finds = scan_as_played(&model, &frame.image);
        assert!(named(&finds), "frame {i}: {finds:?}");
    }
}

/// The game in a 960x540 window (with a title bar) on a bright 1920x1080 desktop: the scan
/// looks in the game's picture the player marked, and answers in the frame's pixels.
#[test]
fn a_marked_game_picture_is_scanned_where_it_is() {
    use isaac_lens::engine::scan::{GamePicture, scan_in};
    let model = model();
    let keys = &model.manifest.classes;
    let frames = room_frames(assets(), 8, 21).unwrap();
    let room = frames.iter().find(|f| f.items.len() >= 2).unwrap();
    let game = room
        .image
        .resize_exact(960, 540, image::imageops::FilterType::Triangle);
    let k = 960.0 / room.image.width() as f32;
    let mut desktop = RgbImage::from_fn(1920, 1080, |x, y| {
        image::Rgb([150 + (x / 13 % 90) as u8, 170 + (y / 11 % 70) as u8, 210])
    });
    let (gx, gy) = (300u32, 230u32);
    for x in gx..gx + 960 {
        for y in gy - 30..gy {
            desktop.put_pixel(x, y, image::Rgb([235, 235, 240]));
        }
    }
    image::imageops::overlay(&mut desktop, &game.to_rgb8(), i64::from(gx), i64::from(gy));
    let picture =
        GamePicture::from_pixels([gx as f32, gy as f32, 960.0, 540.0], (1920, 1080)).unwrap();
    let finds = scan_in(
        &model,
        &DynamicImage::ImageRgb8(desktop),
        Some(picture),
        5,
        ScanOptions::default(),
        Device::Cpu,
    )
    .unwrap();
    for item in &room.items {
        let [x, y, w, h] = item.cell.map(|v| v as f32 * k);
        let (cx, cy) = (gx + (x + w / 2.0) as u32, gy + (y + h / 2.0) as u32);
        let find = find_on(&finds, (cx, cy))
            .unwrap_or_else(|| panic!("nothing at ({cx}, {cy}): {finds:?}"));
        // Named right, or shown as unsure (the item is what the frame puts where it says).
        assert!(
            find.predictions[0].key == keys[item.class]
                || find.score() < isaac_lens::engine::predict::UNSURE_BELOW,
            "{finds:?}"
        );
    }
    // Nothing is looked for outside the picture.
    for f in &finds {
        assert!(
            f.bbox.x >= gx && f.bbox.y >= gy && f.bbox.x < gx + 960,
            "{f:?}"
        );
    }
}

/// A frame with three known items, at 1280x720: the first seed that puts all three in the
/// room. (It is the held-out Library: five blind "?" items, fires, a machine and shelves of
/// item pictures in the walls, so a find or two beyond the three may come.)
fn three_item_frame() -> (RgbImage, Vec<frames::FrameItem>) {
    let classes = [10, 200, 500];
    // A seed whose three items all went into the room (none to the HUD slot).
    let frame = (0..)
        .map(|seed| frames::compose(assets(), &classes, Split::Validation, seed))
        .find(|f| {
            f.items.len() == 3
                && f.image.width() == 1280
                && f.items.iter().all(|i| i.placement != scene::Placement::Hud)
        })
        .unwrap();
    (frame.image, frame.items)
}

/// The find whose box holds the point (frame pixels).
fn find_on(finds: &[Find], (x, y): (u32, u32)) -> Option<&Find> {
    finds.iter().find(|f| {
        let b = f.bbox;
        b.x <= x && x <= b.x + b.w && b.y <= y && y <= b.y + b.h
    })
}

fn centre_inside(find: &Find, item: &frames::FrameItem, dx: u32, dy: u32) -> bool {
    let b = find.bbox;
    let (cx, cy) = (
        item.cell[0] + item.cell[2] / 2 + dx,
        item.cell[1] + item.cell[3] / 2 + dy,
    );
    b.x <= cx && cx <= b.x + b.w && b.y <= cy && cy <= b.y + b.h
}

/// Each of the three items found (its cell scaled by `scale` and moved down `dy`) and named,
/// surely; at most two other finds (the frame's held-out real art: the scan validation
/// counts such false finds, 0.14 a frame).
fn assert_three_items_and_no_sure_false_find(
    finds: &[Find],
    items: &[frames::FrameItem],
    keys: &[ItemKey],
    (num, den): (u32, u32),
    dy: u32,
) {
    let mut matched = Vec::new();
    for (item, key) in items.iter().zip(keys) {
        let scaled = frames::FrameItem {
            cell: item.cell.map(|v| v * num / den),
            ..item.clone()
        };
        let at = finds
            .iter()
            .position(|f| centre_inside(f, &scaled, 0, dy))
            .unwrap_or_else(|| panic!("{key} not found: {finds:?}"));
        assert_eq!(finds[at].predictions[0].key, *key);
        assert!(finds[at].score() > 0.75, "{:?}", finds[at]);
        matched.push(at);
    }
    let others = (0..finds.len()).filter(|i| !matched.contains(i)).count();
    assert!(others <= 2, "{finds:?}");
}

#[test]
fn frames_of_any_size_are_answered_without_a_panic() {
    let model = model();
    let (frame, items) = three_item_frame();
    let keys: Vec<_> = items
        .iter()
        .map(|i| model.manifest.classes[i.class])
        .collect();
    // Letterboxed 4K: the 16:9 game scaled to 3840 wide inside a 4:3 frame's bars.
    let game = image::imageops::resize(&frame, 2880, 1620, image::imageops::FilterType::Triangle);
    let mut boxed = RgbImage::new(2880, 2160);
    image::imageops::overlay(&mut boxed, &game, 0, 270);
    let finds = scan_as_played(&model, &DynamicImage::ImageRgb8(boxed));
    assert_three_items_and_no_sure_false_find(&finds, &items, &keys, (9, 4), 270);
    // Beyond 4K, boxes still come in the frame's own pixels.
    let huge = image::imageops::resize(&frame, 5120, 2880, image::imageops::FilterType::Nearest);
    let finds = scan_as_played(&model, &DynamicImage::ImageRgb8(huge));
    assert_three_items_and_no_sure_false_find(&finds, &items, &keys, (4, 1), 0);
    assert!(
        finds
            .iter()
            .all(|f| f.bbox.x + f.bbox.w <= 5120 && f.bbox.w > 300)
    );
    // A 320x180 thumbnail: answered (finds may be fewer, never a panic).
    let thumb = image::imageops::resize(&frame, 320, 180, image::imageops::FilterType::Triangle);
    assert!(scan_as_played(&model, &DynamicImage::ImageRgb8(thumb)).len() <= 6);
    // No signal, a single pixel, noise and a desktop: nothing that is not there.
    assert!(scan_as_played(&model, &DynamicImage::ImageRgb8(RgbImage::new(1920, 1080))).is_empty());
    assert!(scan_as_played(&model, &DynamicImage::ImageRgb8(RgbImage::new(1, 1))).is_empty());
    let noise = RgbImage::from_fn(1280, 720, |x, y| {
        let v = (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)) as u8;
        image::Rgb([v, v.wrapping_mul(3), v.wrapping_mul(7)])
    });
    assert!(scan_as_played(&model, &DynamicImage::ImageRgb8(noise)).len() <= 1);
    let desktop = RgbImage::from_fn(1920, 1080, |x, y| {
        if y < 40 || (x / 300 + y / 200) % 3 == 0 {
            image::Rgb([235, 235, 240])
        } else {
            image::Rgb([40, 90, 160])
        }
    });
    assert!(scan_as_played(&model, &DynamicImage::ImageRgb8(desktop)).is_empty());
}

#[test]
fn command_line_scan_prints_one_object_per_frame_in_order() {
    let model = model();
    let (frame, items) = three_item_frame();
    let tmp = tempfile::tempdir().unwrap();
    let good = tmp.path().join("room.png");
    frame.save(&good).unwrap();
    let bad = tmp.path().join("notes.png");
    std::fs::write(&bad, "not an image").unwrap();
    let black = tmp.path().join("black.png");
    RgbImage::new(640, 360).save(&black).unwrap();
    let out = std::process::Command::new(bin())
        .args(["scan", "--json", "--top", "3", "--model"])
        .arg(shipped_dir())
        .arg("--catalog")
        .arg(real_catalog().dir())
        .args([&good, &bad, &black])
        .env("ISAAC_LENS_DATA", tmp.path().join("data"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "a failed frame fails the run");
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["file"], good.display().to_string());
    let finds = lines[0]["items"].as_array().unwrap();
    assert!((3..=5).contains(&finds.len()), "{finds:?}");
    for item in &items {
        let key = model.manifest.classes[item.class];
        let find = finds
            .iter()
            .find(|f| {
                let b: Vec<u32> = f["box"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_u64().unwrap() as u32)
                    .collect();
                let (cx, cy) = (
                    item.cell[0] + item.cell[2] / 2,
                    item.cell[1] + item.cell[3] / 2,
                );
                b[0] <= cx && cx <= b[0] + b[2] && b[1] <= cy && cy <= b[1] + b[3]
            })
            .unwrap_or_else(|| panic!("no box around {key}: {finds:?}"));
        let predictions = find["predictions"].as_array().unwrap();
        assert_eq!(predictions.len(), 3);
        assert_eq!(predictions[0]["id"], key.id);
        assert_eq!(predictions[0]["kind"], key.kind.as_str());
    }
    assert_eq!(lines[1]["file"], bad.display().to_string());
    assert!(lines[1]["error"].as_str().unwrap().contains("decode"));
    assert_eq!(lines[2]["items"].as_array().unwrap().len(), 0);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("1 of 3 frames failed"), "{stderr}");
}

/// The app on the real catalog with the shipped model (written into a fresh data folder).
fn harness(data: &Path) -> Harness<'static, LensApp> {
    let mut paths = AppPaths::from_data_dir(data);
    paths.catalog = real_catalog().dir().to_path_buf();
    paths.shared = Some(shared());
    let mut h = start_app(LensApp::new(Settings::default(), paths));
    wait_for(&mut h, "the model to load", |app| app.model().is_some());
    h
}

#[test]
fn the_scan_button_and_key_find_the_rooms_items_in_the_app() {
    let model = model();
    let tmp = tempfile::tempdir().unwrap();
    let mut h = harness(&tmp.path().join("data"));
    let (frame, items) = three_item_frame();
    let path = tmp.path().join("room.png");
    frame.save(&path).unwrap();
    drop_file(&mut h, &path);
    assert!(h.state().lookup().canvas.frame.is_some());

    h.get_by_label("Scan (F9)").click();
    h.run_steps(1);
    wait_for(&mut h, "the scan", |app| {
        app.lookup().scan.scanned.is_some() && !app.lookup().scan.is_pending()
    });
    let found = h.state().lookup().scan.finds.len();
    assert!((3..=5).contains(&found), "{found} finds");
    assert!(
        h.query_all_by_label_contains(&format!("{found} item(s) found"))
            .next()
            .is_some()
    );
    // The room list names each item; clicking one shows its top 10.
    let item = real_catalog()
        .get(model.manifest.classes[items[1].class])
        .unwrap();
    let label = format!("{} · {}", item.name_en, item.name_zh);
    h.query_all_by_label(&label)
        .next()
        .unwrap_or_else(|| panic!("{label} is not listed"))
        .click();
    h.run_steps(2);
    let result = h
        .state()
        .lookup()
        .results
        .result
        .as_ref()
        .expect("no result shown");
    assert_eq!(result.predictions.len(), 10);
    assert_eq!(result.predictions[0].key, item.key());
    // A find looked at is remembered like a drawn box.
    assert_eq!(
        h.state().settings().history[0].predictions[0].key,
        item.key()
    );
    assert!(h.query_all_by_label(&format!("1. {label}")).count() >= 1);

    // A new picture drops the old finds; F9 scans it.
    let black = tmp.path().join("black.png");
    RgbImage::new(640, 360).save(&black).unwrap();
    drop_file(&mut h, &black);
    assert!(h.state().lookup().scan.scanned.is_none());
    h.key_press(egui::Key::F9);
    h.run_steps(1);
    wait_for(&mut h, "the second scan", |app| {
        app.lookup().scan.scanned.is_some() && !app.lookup().scan.is_pending()
    });
    assert!(h.state().lookup().scan.finds.is_empty());
    h.query_all_by_label("No items found")
        .next()
        .expect("no 'No items found'");
}
