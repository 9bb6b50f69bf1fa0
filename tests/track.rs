#![allow(clippy::unwrap_used)] // a test fails loudly on a broken fixture

//! The run log through `isaac-lens track`: sequences of frames of held-out real rooms made
//! by the renderer (`engine::room_shots`), scanned by the shipped model.

mod common;

use std::path::{Path, PathBuf};

use image::RgbImage;
use serde_json::Value;

use common::rooms::{prices, scene, shots};
use common::{bin, real_catalog};

/// The frames written in order, then played by `track --json`: (exit code, the run, stderr).
fn track(dir: &Path, frames: &[RgbImage], extra: &[PathBuf]) -> (i32, Value, String) {
    let mut paths = Vec::new();
    for (i, f) in frames.iter().enumerate() {
        let path = dir.join(format!("frame_{i:03}.png"));
        f.save(&path).unwrap();
        paths.push(path);
    }
    paths.extend_from_slice(extra);
    let out = std::process::Command::new(bin())
        .args(["track", "--json", "--model"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("models/default"))
        .arg("--catalog")
        .arg(real_catalog().dir())
        .args(&paths)
        .env("ISAAC_LENS_DATA", dir.join("data"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let run: Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("{e}: {stdout:?} / {stderr}"));
    (out.status.code().unwrap(), run["runs"][0].clone(), stderr)
}

fn ids(list: &Value) -> Vec<u64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_u64().unwrap())
        .collect()
}

fn fates(list: &Value) -> Vec<(u64, String)> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["id"].as_u64().unwrap(),
                i["fate"].as_str().unwrap().into(),
            )
        })
        .collect()
}

/// Three items: one taken (its altar left bare), one rerolled in place, one left.
#[test]
fn a_room_of_three_items_one_taken_one_rerolled_one_left() {
    let tmp = tempfile::tempdir().unwrap();
    let room = scene(2, 3, 40);
    let (onion, brimstone, dinner, mushroom) = (1, 118, 23, 12);
    let mut frames = shots(
        &room,
        &[Some(onion), Some(brimstone), Some(dinner)],
        None,
        3,
    );
    frames.extend(shots(&room, &[None, Some(mushroom), Some(dinner)], None, 3));
    let (code, run, stderr) = track(tmp.path(), &frames, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(ids(&run["taken"]), vec![onion as u64], "{run}");
    assert_eq!(run["taken"][0]["name_en"], "The Sad Onion");
    assert_eq!(run["taken"][0]["name_zh"], "悲伤洋葱");
    assert_eq!(
        fates(&run["seen"]),
        vec![
            (brimstone as u64, "rerolled".into()),
            (dinner as u64, "there".into()),
            (mushroom as u64, "there".into()),
        ],
        "{run}"
    );
    assert!(run["active"].is_null(), "{run}");
}

/// Out of a room, into another and back: nothing counted twice; the item taken on the
/// second visit is taken once. A frame that cannot be read is reported and skipped.
#[test]
fn walking_out_of_a_room_and_back_counts_nothing_twice() {
    let tmp = tempfile::tempdir().unwrap();
    let first = scene(2, 2, 70);
    let second = scene(0, 1, 90);
    let (spoon, dinner, lunch) = (3, 23, 22);
    let mut frames = shots(&first, &[Some(spoon), Some(dinner)], None, 3);
    frames.extend(shots(&second, &[Some(lunch)], None, 3));
    frames.extend(shots(&first, &[Some(spoon), Some(dinner)], None, 3));
    frames.extend(shots(&first, &[Some(spoon), None], None, 3));
    let broken = tmp.path().join("broken.png");
    std::fs::write(&broken, "not an image").unwrap();
    let (code, run, stderr) = track(tmp.path(), &frames, &[broken]);
    assert_eq!(code, 1, "an unreadable frame fails the command");
    assert!(stderr.contains("broken.png"), "{stderr}");
    assert_eq!(ids(&run["taken"]), vec![dinner as u64], "{run}");
    assert_eq!(
        fates(&run["seen"]),
        vec![
            (spoon as u64, "there".into()),
            (lunch as u64, "there".into())
        ],
        "{run}"
    );
}

/// A shop: the item bought goes with its price, read from the game's digits under it.
#[test]
fn a_shop_item_bought_is_taken() {
    let tmp = tempfile::tempdir().unwrap();
    let shop = scene(1, 3, 20);
    let (lunch, brimstone, spoon) = (22, 118, 3);
    let all = [Some(lunch), Some(brimstone), Some(spoon)];
    let mut frames = shots(&shop, &all, None, 3);
    frames.extend(shots(&shop, &[Some(lunch), None, Some(spoon)], None, 3));
    let (code, run, stderr) = track(tmp.path(), &frames, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(ids(&run["taken"]), vec![brimstone as u64], "{run}");
    assert_eq!(ids(&run["seen"]), vec![lunch as u64, spoon as u64], "{run}");
    let drawn: Vec<Value> = prices(&shop, &all)
        .into_iter()
        .map(|p| serde_json::to_value(p.expect("a shop spot has a price")).unwrap())
        .collect();
    assert_eq!(run["taken"][0]["price"], drawn[1], "{run}");
    assert_eq!(run["seen"][0]["price"], drawn[0], "{run}");
    assert_eq!(run["seen"][1]["price"], drawn[2], "{run}");
}

/// The HUD's active slot: the item shown is the active item, and taken; when it changes to
/// the item from the room's altar, that one is taken from the room.
#[test]
fn the_active_slot_changing_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    let room = scene(0, 1, 120);
    let (d6, book) = (105, 33);
    let mut frames = shots(&room, &[Some(book)], Some(d6), 3);
    frames.extend(shots(&room, &[None], Some(book), 3));
    let (code, run, stderr) = track(tmp.path(), &frames, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(run["active"]["id"], book, "{run}");
    assert_eq!(run["active"]["name_en"], "The Bible");
    assert_eq!(ids(&run["taken"]), vec![d6 as u64, book as u64], "{run}");
    assert!(ids(&run["seen"]).is_empty(), "{run}");
}

/// Three items that count toward Guppy, all taken: "Guppy 3 of 3".
#[test]
fn three_guppy_items_taken_read_guppy_three_of_three() {
    let tmp = tempfile::tempdir().unwrap();
    let room = scene(2, 3, 130);
    // Guppy's Head, Guppy's Paw, Dead Cat.
    let guppy = [145, 133, 81];
    let all: Vec<Option<u32>> = guppy.iter().map(|&i| Some(i)).collect();
    let mut frames = shots(&room, &all, None, 3);
    frames.extend(shots(&room, &[None, None, None], None, 3));
    let (code, run, stderr) = track(tmp.path(), &frames, &[]);
    assert_eq!(code, 0, "{stderr}");
    let mut taken = ids(&run["taken"]);
    taken.sort();
    assert_eq!(taken, vec![81, 133, 145], "{run}");
    let t = &run["transformations"];
    assert_eq!(t.as_array().unwrap().len(), 1, "{t}");
    assert_eq!(t[0]["name_en"], "Guppy");
    assert_eq!(t[0]["name_zh"], "嗝屁猫！");
    assert_eq!(
        (t[0]["count"].as_u64(), t[0]["needed"].as_u64()),
        (Some(3), Some(3))
    );
}
