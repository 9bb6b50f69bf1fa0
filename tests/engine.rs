//! The recognition engine end to end: synthesis, training on a 20-item subset of the real
//! catalog, checkpoints, calibration and the command line's JSON.

#![allow(clippy::unwrap_used)] // a test fails loudly on a broken fixture

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

use image::{Rgba, RgbaImage};
use isaac_lens::catalog::{Catalog, ItemKey, ItemKind};
use isaac_lens::engine::synth::{SampleSpec, Split, Style, SynthAssets, SynthOptions, render};
use isaac_lens::engine::{Recipe, ValidationSet, checkpoint, predict};
use tch::Device;

use common::{bin, real_catalog, shared};

/// The five real captures plus fifteen other items, trinkets among them.
fn subset_keys() -> Vec<ItemKey> {
    let c = |id| ItemKey::new(ItemKind::Collectible, id);
    let t = |id| ItemKey::new(ItemKind::Trinket, id);
    vec![
        c(12),
        c(17),
        c(115),
        c(215),
        c(23),
        c(1),
        c(2),
        c(3),
        c(4),
        c(5),
        c(270),
        c(272),
        c(33),
        c(118),
        c(182),
        c(331),
        t(1),
        t(10),
        t(42),
        t(145),
    ]
}

struct Trained {
    _dir: tempfile::TempDir,
    catalog: Arc<Catalog>,
    catalog_dir: PathBuf,
    model_dir: PathBuf,
    manifest: checkpoint::Manifest,
}

/// Trains once per test binary: 20 items, 12 epochs of 256 samples each (about 480 steps;
/// a number of steps, so what it reaches does not depend on the machine's speed).
fn trained() -> &'static Trained {
    static TRAINED: OnceLock<Trained> = OnceLock::new();
    TRAINED.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let catalog_dir = dir.path().join("catalog");
        let catalog = Arc::new(real_catalog().subset(&subset_keys(), &catalog_dir).unwrap());
        let recipe = Recipe {
            minutes: None,
            epochs: Some(12.0),
            samples_per_class: 256,
            validation_per_class: 10,
            ..Recipe::default()
        };
        let model_dir = dir.path().join("model");
        let (manifest, progress) = common::train_on_cpu(catalog.clone(), recipe, &model_dir);
        assert!(progress > 3, "only {progress} progress events");
        Trained {
            _dir: dir,
            catalog,
            catalog_dir,
            model_dir,
            manifest,
        }
    })
}

fn solid_sprite(colour: [u8; 4]) -> RgbaImage {
    let mut s = RgbaImage::new(32, 32);
    for y in 4..28 {
        for x in 4..28 {
            s.put_pixel(x, y, Rgba(colour));
        }
    }
    s
}

#[test]
fn synthesis_is_deterministic_and_places_the_item_inside_the_box() {
    let assets = SynthAssets::from_sprites(vec![
        solid_sprite([255, 0, 255, 255]),
        solid_sprite([0, 255, 0, 255]),
    ]);
    let spec = SampleSpec {
        class: Some(0),
        style: Style::Screenshot,
        split: Split::Train,
        seed: 42,
    };
    let options = SynthOptions::default();
    let a = render(&assets, spec, 32, &options);
    let b = render(&assets, spec, 32, &options);
    assert_eq!(a.dimensions(), (32, 32));
    assert_eq!(a, b, "same seed, different pixels");
    let c = render(&assets, SampleSpec { seed: 43, ..spec }, 32, &options);
    assert_ne!(a, c);
    assert_eq!(render(&assets, spec, 48, &options).dimensions(), (48, 48));

    // Without effects, the magenta square covers the share of the box the options ask for.
    let plain = SynthOptions {
        phone_share: 0.0,
        pedestal_share: 0.0,
        glow_share: 0.0,
        entity_share: 0.0,
        dark_share: 0.0,
        item_fill: (0.5, 0.5),
        frame_share: 0.0,
        jpeg: false,
        blur: false,
        noise: false,
        colour: false,
        moire: false,
        perspective: false,
    };
    for seed in 0..20 {
        let img = render(&assets, SampleSpec { seed, ..spec }, 64, &plain);
        let magenta: Vec<(u32, u32)> = img
            .enumerate_pixels()
            .filter(|(_, _, p)| p[0] > 200 && p[1] < 60 && p[2] > 200)
            .map(|(x, y, _)| (x, y))
            .collect();
        // 24/32 of the sprite is coloured; it takes half of 64 px: about 24 px square.
        let (min_x, max_x) = (
            magenta.iter().map(|p| p.0).min().unwrap(),
            magenta.iter().map(|p| p.0).max().unwrap(),
        );
        let (min_y, max_y) = (
            magenta.iter().map(|p| p.1).min().unwrap(),
            magenta.iter().map(|p| p.1).max().unwrap(),
        );
        let (w, h) = (max_x - min_x + 1, max_y - min_y + 1);
        assert!(
            (22..=26).contains(&w) && (22..=26).contains(&h),
            "seed {seed}: {w}x{h}"
        );
        let centre = ((min_x + max_x) / 2, (min_y + max_y) / 2);
        assert!(
            centre.0 >= 16 && centre.0 <= 48 && centre.1 >= 16 && centre.1 <= 48,
            "seed {seed}: centre {centre:?}"
        );
    }
    // The other class draws the other sprite.
    let green = render(
        &assets,
        SampleSpec {
            class: Some(1),
            ..spec
        },
        64,
        &plain,
    );
    assert!(green.pixels().any(|p| p[1] > 200 && p[0] < 60));
    assert!(
        !green
            .pixels()
            .any(|p| p[0] > 200 && p[1] < 60 && p[2] > 200)
    );
}

#[test]
fn training_a_twenty_item_subset_recognises_held_out_crops() {
    let t = trained();
    let m = &t.manifest.metrics;
    let screenshot = m.top1(ValidationSet::Crops, Style::Screenshot).unwrap();
    let phone = m.top1(ValidationSet::Crops, Style::Phone).unwrap();
    let frames = m.top1(ValidationSet::Frames, Style::Screenshot).unwrap();
    let frames_phone = m.top1(ValidationSet::Frames, Style::Phone).unwrap();
    eprintln!("20-item subset: {m:?}");
    assert!(screenshot >= 0.9, "screenshot top-1 {screenshot}");
    assert!(phone >= 0.75, "phone top-1 {phone}");
    // The second, independent set: boxes cut from whole frames.
    assert!(frames >= 0.8, "frame screenshot top-1 {frames}");
    assert!(frames_phone >= 0.6, "frame phone top-1 {frames_phone}");
    assert_eq!(
        t.manifest.classes,
        subset_keys()
            .into_iter()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect::<Vec<_>>()
    );
    assert!(
        t.model_dir.join("model.safetensors").is_file()
            && t.model_dir.join("manifest.json").is_file()
    );
}

#[test]
fn calibration_gives_crops_without_items_a_low_top_score() {
    let m = &trained().manifest.metrics;
    assert!(m.mean_top_score_items > 0.6, "{m:?}");
    assert!(
        m.mean_top_score_no_item < predict::UNSURE_BELOW.into(),
        "{m:?}"
    );
    assert!(m.mean_top_score_no_item < m.mean_top_score_items - 0.3);
    // A flat grey crop is not an item either.
    let t = trained();
    let ckpt = checkpoint::load(&t.model_dir, &t.catalog, Device::Cpu).unwrap();
    let grey = image::DynamicImage::ImageRgb8(image::RgbImage::from_pixel(
        120,
        120,
        image::Rgb([60, 60, 64]),
    ));
    let top = predict::predict(&ckpt, &[grey], 1, Device::Cpu).unwrap()[0][0].score;
    assert!(top < predict::UNSURE_BELOW, "flat grey scored {top}");
}

#[test]
fn checkpoints_round_trip_to_identical_predictions() {
    let t = trained();
    let real = shared().join("real-examples");
    let crops: Vec<_> = ["test_00013.png", "test_00022.png", "test_00005.png"]
        .iter()
        .map(|f| image::open(real.join(f)).unwrap())
        .collect();
    let a = checkpoint::load(&t.model_dir, &t.catalog, Device::Cpu).unwrap();
    let copy = tempfile::tempdir().unwrap();
    let again = checkpoint::save(&a, &copy.path().join("m")).unwrap();
    let b = checkpoint::load(&again, &t.catalog, Device::Cpu).unwrap();
    let pa = predict::predict(&a, &crops, 5, Device::Cpu).unwrap();
    let pb = predict::predict(&b, &crops, 5, Device::Cpu).unwrap();
    assert_eq!(pa, pb);
    assert_eq!(pa[0].len(), 5);
    assert!(pa[0].windows(2).all(|w| w[0].score >= w[1].score));
    assert_eq!(a.manifest, b.manifest);
}

#[test]
fn mismatched_missing_and_corrupt_checkpoints_are_clear_errors() {
    let t = trained();
    // A catalog lacking items the model knows is refused, naming one.
    let small_dir = tempfile::tempdir().unwrap();
    let c = |id| ItemKey::new(ItemKind::Collectible, id);
    let small = real_catalog()
        .subset(&[c(1), c(2)], &small_dir.path().join("c"))
        .unwrap();
    let err = checkpoint::load(&t.model_dir, &small, Device::Cpu)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("different catalog")
            && err.contains("collectible:")
            && err.contains("(2 items)"),
        "{err}"
    );

    let dir = tempfile::tempdir().unwrap();
    let err = checkpoint::load(&dir.path().join("none"), &t.catalog, Device::Cpu)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("none") && err.contains("no such model folder"),
        "{err}"
    );

    let broken = dir.path().join("broken");
    std::fs::create_dir_all(&broken).unwrap();
    std::fs::copy(
        t.model_dir.join("manifest.json"),
        broken.join("manifest.json"),
    )
    .unwrap();
    let weights = std::fs::read(t.model_dir.join("model.safetensors")).unwrap();
    std::fs::write(
        broken.join("model.safetensors"),
        &weights[..weights.len() / 3],
    )
    .unwrap();
    let err = checkpoint::load(&broken, &t.catalog, Device::Cpu)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("model.safetensors") && err.contains("cannot load weights"),
        "{err}"
    );

    std::fs::write(
        broken.join("manifest.json"),
        "{\"format_version\": 1, \"arch\": ",
    )
    .unwrap();
    let err = checkpoint::load(&broken, &t.catalog, Device::Cpu)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("manifest.json") && err.contains("JSON"),
        "{err}"
    );
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(bin()).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `isaac-lens COMMAND --catalog <subset> --model <trained> ARGS...`.
fn run_with_model(t: &Trained, command: &str, args: &[&str]) -> (i32, String, String) {
    let mut all = vec![
        command,
        "--catalog",
        path(&t.catalog_dir),
        "--model",
        path(&t.model_dir),
    ];
    all.extend_from_slice(args);
    run(&all)
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn predict_prints_one_json_line_per_image_in_input_order() {
    let t = trained();
    let real = shared().join("real-examples");
    let tmp = tempfile::tempdir().unwrap();
    let corrupt = tmp.path().join("corrupt.png");
    std::fs::write(&corrupt, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
    let grey16 = tmp.path().join("grey16.png");
    image::DynamicImage::ImageLuma16(image::ImageBuffer::from_pixel(
        50,
        40,
        image::Luma([30000u16]),
    ))
    .save(&grey16)
    .unwrap();
    let a = real.join("test_00013.png");
    let b = real.join("test_00022.png");
    let (code, stdout, stderr) = run_with_model(
        t,
        "predict",
        &[
            "--json",
            "--top",
            "3",
            path(&a),
            path(&corrupt),
            path(&grey16),
            path(&b),
        ],
    );
    assert_eq!(code, 1, "a failed file must fail the run: {stderr}");
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    assert_eq!(lines[0]["file"], path(&a));
    assert_eq!(lines[1]["file"], path(&corrupt));
    assert!(
        lines[1]["error"].as_str().unwrap().contains("decode"),
        "{}",
        lines[1]
    );
    assert_eq!(lines[2]["predictions"].as_array().unwrap().len(), 3);
    assert_eq!(lines[3]["file"], path(&b));
    let best = &lines[0]["predictions"][0];
    for field in ["kind", "id", "name_en", "name_zh", "score"] {
        assert!(best.get(field).is_some(), "{best} lacks {field}");
    }
    let preds = lines[0]["predictions"].as_array().unwrap();
    assert!(
        preds
            .windows(2)
            .all(|w| w[0]["score"].as_f64() >= w[1]["score"].as_f64())
    );
    // Ouija Board (collectible 115) and Dinner (23): the real screenshots.
    assert_eq!(
        (best["kind"].as_str(), best["id"].as_u64()),
        (Some("collectible"), Some(115)),
        "{best}"
    );
    assert_eq!(lines[3]["predictions"][0]["name_en"], "Dinner");
    assert_eq!(lines[3]["predictions"][0]["name_zh"], "正餐");
}

#[test]
fn predict_cuts_boxes_and_refuses_bad_ones() {
    let t = trained();
    let tmp = tempfile::tempdir().unwrap();
    // Paste the Dinner capture into a bigger frame and cut it back out with --box.
    let dinner = image::open(shared().join("real-examples/test_00022.png"))
        .unwrap()
        .to_rgb8();
    let mut frame = image::RgbImage::from_pixel(400, 300, image::Rgb([20, 20, 20]));
    image::imageops::overlay(&mut frame, &dinner, 100, 50);
    let frame_path = tmp.path().join("frame.png");
    frame.save(&frame_path).unwrap();
    let args = |b: &str| {
        vec![
            "predict".to_string(),
            "--catalog".into(),
            path(&t.catalog_dir).into(),
            "--model".into(),
            path(&t.model_dir).into(),
            "--json".into(),
            "--box".into(),
            b.into(),
            path(&frame_path).into(),
        ]
    };
    let ok = Command::new(bin())
        .args(args("100,50,164,140"))
        .output()
        .unwrap();
    assert!(ok.status.success());
    let line: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(line["predictions"][0]["id"], 23, "{line}");
    assert_eq!(line["predictions"].as_array().unwrap().len(), 10);
    for bad in ["350,250,100,100", "0,0,0,10"] {
        let out = Command::new(bin()).args(args(bad)).output().unwrap();
        assert_eq!(out.status.code(), Some(1));
        let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let err = line["error"].as_str().unwrap();
        assert!(err.contains("outside") || err.contains("empty"), "{err}");
    }
    let (code, _, stderr) = run_with_model(t, "predict", &["--box", "1,2,3", path(&frame_path)]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("x,y,w,h"), "{stderr}");
}

#[test]
fn a_model_loads_against_a_larger_catalog_and_names_what_it_does_not_know() {
    let t = trained();
    let ckpt = checkpoint::load(&t.model_dir, real_catalog(), Device::Cpu).unwrap();
    let unknown = checkpoint::unknown_items(&ckpt.manifest, real_catalog());
    assert_eq!(unknown.len(), real_catalog().len() - 20);
    assert!(!unknown.contains(&ItemKey::new(ItemKind::Collectible, 23)));
    let dinner = image::open(shared().join("real-examples/test_00022.png")).unwrap();
    let top = &predict::predict(&ckpt, &[dinner], 10, Device::Cpu).unwrap()[0];
    // Answers come only from the items the model knows.
    assert!(
        top.iter().all(|p| subset_keys().contains(&p.key)),
        "{top:?}"
    );
}

#[test]
fn predict_and_eval_refuse_a_model_of_another_catalog() {
    let t = trained();
    let small_dir = tempfile::tempdir().unwrap();
    let c = |id| ItemKey::new(ItemKind::Collectible, id);
    let small = real_catalog()
        .subset(&[c(1), c(2)], &small_dir.path().join("c"))
        .unwrap();
    let (code, _, stderr) = run(&[
        "predict",
        "--catalog",
        path(small.dir()),
        "--model",
        path(&t.model_dir),
        "--json",
        path(&shared().join("real-examples/test_00013.png")),
    ]);
    assert_eq!(code, 1);
    assert!(stderr.contains("different catalog"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}

#[test]
fn eval_counts_top_k_hits_on_the_real_captures() {
    let t = trained();
    let labels = shared().join("real-examples/labels.csv");
    let (code, stdout, stderr) = run_with_model(t, "eval", &["--labels", path(&labels)]);
    assert_eq!(code, 0, "{stderr}");
    let count = |prefix: &str| -> usize {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("{stdout}"));
        line.split_whitespace()
            .nth(1)
            .unwrap()
            .split('/')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    let (top1, top5, top10) = (count("top-1:"), count("top-5:"), count("top-10:"));
    assert!(stdout.contains("/5"), "{stdout}");
    assert!(top1 <= top5 && top5 <= top10 && top10 <= 5);
    assert!(top5 >= 4, "{stdout}");
    assert!(top1 >= 3, "{stdout}");
    let misses = stdout.lines().filter(|l| l.contains("expected")).count();
    assert_eq!(misses, 5 - top1, "{stdout}");
}

/// A PNG whose header claims 20000x20000 pixels: refused before any pixel is allocated.
fn png_bomb() -> Vec<u8> {
    fn chunk(kind: &[u8], data: &[u8]) -> Vec<u8> {
        let mut out = (data.len() as u32).to_be_bytes().to_vec();
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
        out
    }
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for b in bytes {
            crc ^= u32::from(*b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&20_000u32.to_be_bytes());
    ihdr.extend_from_slice(&20_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(chunk(b"IHDR", &ihdr));
    png.extend(chunk(b"IEND", &[]));
    png
}

#[test]
fn predict_refuses_decompression_bombs_but_finishes_the_batch() {
    let t = trained();
    let tmp = tempfile::tempdir().unwrap();
    let bomb = tmp.path().join("bomb.png");
    std::fs::write(&bomb, png_bomb()).unwrap();
    let good = shared().join("real-examples/test_00016.png");
    let (code, stdout, _) = run_with_model(t, "predict", &["--json", path(&bomb), path(&good)]);
    assert_eq!(code, 1);
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        lines[0]["error"].as_str().unwrap().contains("limit"),
        "{}",
        lines[0]
    );
    assert_eq!(lines[1]["predictions"].as_array().unwrap().len(), 10);
}
