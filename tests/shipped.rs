//! The model that ships in `models/default`: what every player gets before any training. It
//! must load against the catalog imported from `../shared/isaac`, recognise the five real
//! captures, be the one the binary carries, and fine-tune (from a few corrected captures)
//! into a model that knows an item it did not know before.

#![allow(clippy::unwrap_used)] // a test fails loudly on a broken fixture

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use image::DynamicImage;
use isaac_lens::catalog::{Catalog, Item, ItemKey, ItemKind};
use isaac_lens::engine::frames;
use isaac_lens::engine::synth::{Split, SynthAssets};
use isaac_lens::engine::{LabelledCapture, checkpoint, predict};
use rand::SeedableRng;
use tch::Device;

use common::{real_catalog, shared};

fn shipped_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("models/default")
}

#[test]
fn the_shipped_model_recognises_the_five_real_captures() {
    let ckpt = checkpoint::load(&shipped_dir(), real_catalog(), Device::Cpu).unwrap();
    assert!(checkpoint::unknown_items(&ckpt.manifest, real_catalog()).is_empty());
    let rows =
        isaac_lens::corrections::read_labels(&shared().join("real-examples/labels.csv")).unwrap();
    assert_eq!(rows.len(), 5);
    let crops: Vec<DynamicImage> = rows.iter().map(|r| image::open(&r.path).unwrap()).collect();
    let results = predict::predict(&ckpt, &crops, 10, Device::Cpu).unwrap();
    for (row, top) in rows.iter().zip(&results) {
        assert_eq!(
            top[0].key,
            row.key,
            "{}: got {:?}",
            row.path.display(),
            &top[..3]
        );
    }
}

/// A player of Rebirth, Afterbirth or Afterbirth+ sees older art of some items: each older
/// sprite of the first 24 items that have one, at the game's 4x on a dark floor, is named as
/// its item (the shipped model was trained with them as more looks of the same item).
#[test]
fn an_older_art_sprite_is_named_as_its_item() {
    let catalog = real_catalog();
    let ckpt = checkpoint::load(&shipped_dir(), catalog, Device::Cpu).unwrap();
    let mut crops = Vec::new();
    let mut want = Vec::new();
    for item in catalog
        .items()
        .iter()
        .filter(|i| !i.older_sprites.is_empty())
        .take(24)
    {
        for sprite in catalog.older_sprites(item).unwrap() {
            let big =
                image::imageops::resize(&sprite, 128, 128, image::imageops::FilterType::Nearest);
            let mut floor = image::RgbaImage::from_pixel(170, 160, image::Rgba([46, 38, 34, 255]));
            image::imageops::overlay(&mut floor, &big, 24, 12);
            crops.push(DynamicImage::ImageRgba8(floor));
            want.push(item.key());
        }
    }
    assert!(crops.len() >= 24, "{}", crops.len());
    let results = predict::predict(&ckpt, &crops, 3, Device::Cpu).unwrap();
    let right = results
        .iter()
        .zip(&want)
        .filter(|(top, key)| top[0].key == **key)
        .count();
    assert_eq!(
        right,
        crops.len(),
        "{right} of {} older sprites named right",
        crops.len()
    );
}

#[test]
fn the_binary_carries_the_repositorys_model() {
    assert!(isaac_lens::shipped::is_built_in());
    let data = tempfile::tempdir().unwrap();
    let models = data.path().join("models");
    let dir = isaac_lens::shipped::shipped_model_dir(&models)
        .unwrap()
        .unwrap();
    for file in [checkpoint::MANIFEST_FILE, checkpoint::WEIGHTS_FILE] {
        assert_eq!(
            std::fs::read(dir.join(file)).unwrap(),
            std::fs::read(shipped_dir().join(file)).unwrap(),
            "{file} differs from models/default"
        );
    }
    // With no model of the player's own, commands use the shipped one; theirs wins once there.
    assert_eq!(isaac_lens::shipped::model_to_use(&models).unwrap(), dir);
    let own = models.join("default");
    std::fs::create_dir_all(&own).unwrap();
    std::fs::copy(dir.join("manifest.json"), own.join("manifest.json")).unwrap();
    assert_eq!(isaac_lens::shipped::model_to_use(&models).unwrap(), own);
    // A "shipped" folder holding something else is left alone.
    let other = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(other.path().join("shipped")).unwrap();
    std::fs::write(other.path().join("shipped/notes.txt"), "mine").unwrap();
    // It is left alone and the model is served from a folder of its own elsewhere.
    let elsewhere = isaac_lens::shipped::shipped_model_dir(other.path())
        .unwrap()
        .unwrap();
    assert!(
        !elsewhere.starts_with(other.path()),
        "{}",
        elsewhere.display()
    );
    assert!(elsewhere.join(checkpoint::WEIGHTS_FILE).is_file());
    assert_eq!(
        std::fs::read_dir(other.path().join("shipped"))
            .unwrap()
            .count(),
        1
    );
    assert!(other.path().join("shipped/notes.txt").is_file());
}

/// The real catalog plus one item the shipped model has never seen (a modded trinket with a
/// sprite of its own), in a temporary folder.
fn catalog_with_a_new_item(dir: &Path) -> (Catalog, ItemKey) {
    let real = real_catalog();
    let copy = dir.join("catalog");
    let keys: Vec<ItemKey> = real.items().iter().map(Item::key).collect();
    let mut items: Vec<Item> = real.subset(&keys, &copy).unwrap().items().to_vec();
    let key = ItemKey::new(ItemKind::Trinket, 500);
    let mut new = items[0].clone();
    new.older_sprites.clear();
    new.kind = key.kind;
    new.id = key.id;
    new.name_en = "Checkered Shard".into();
    new.name_zh = "棋盘碎片".into();
    new.sprite = isaac_lens::catalog::sprite_file_name(key);
    // A checkered cyan and orange shard with a dark outline: unlike any real item.
    let mut sprite = image::RgbaImage::new(32, 32);
    for y in 4..28u32 {
        for x in 6..26u32 {
            let inside = (x as i32 - 16).abs() + (y as i32 - 16).abs() < 12;
            let edge = (x as i32 - 16).abs() + (y as i32 - 16).abs() == 12;
            let colour = if (x / 3 + y / 3) % 2 == 0 {
                [20, 220, 230, 255]
            } else {
                [250, 140, 20, 255]
            };
            if inside {
                sprite.put_pixel(x, y, image::Rgba(colour));
            } else if edge {
                sprite.put_pixel(x, y, image::Rgba([10, 10, 10, 255]));
            }
        }
    }
    sprite.save(copy.join(&new.sprite)).unwrap();
    items.push(new);
    let catalog = Catalog::from_items(&copy, items).unwrap();
    catalog.save().unwrap();
    (Catalog::load(&copy).unwrap(), key)
}

/// Crops of `class` cut from whole synthetic frames, as a player's boxes would cut them.
fn frame_crops(
    assets: &SynthAssets,
    class: usize,
    seeds: std::ops::Range<u64>,
) -> Vec<DynamicImage> {
    seeds
        .map(|seed| {
            let frame = frames::compose(assets, &[class], Split::Validation, seed);
            let item = &frame.items[0];
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
            let [x, y, w, h] = frames::loose_box(item.cell, frame.image.dimensions(), &mut rng);
            DynamicImage::ImageRgb8(image::imageops::crop_imm(&frame.image, x, y, w, h).to_image())
        })
        .collect()
}

#[test]
fn a_short_fine_tune_extends_the_model_to_a_new_item_from_a_few_captures() {
    let tmp = tempfile::tempdir().unwrap();
    let (catalog, key) = catalog_with_a_new_item(tmp.path());
    let catalog = Arc::new(catalog);
    let base = checkpoint::load(&shipped_dir(), &catalog, Device::Cpu).unwrap();
    assert_eq!(
        checkpoint::unknown_items(&base.manifest, &catalog),
        vec![key]
    );

    let class = catalog.items().iter().position(|i| i.key() == key).unwrap();
    let assets = SynthAssets::load(&catalog, Some(&shared().join("backgrounds"))).unwrap();
    // Six corrected captures; the check uses other frames (other rooms, scales, boxes).
    let captures: Vec<LabelledCapture> = frame_crops(&assets, class, 0..6)
        .into_iter()
        .map(|c| LabelledCapture {
            key,
            image: c.to_rgb8(),
        })
        .collect();
    let checks = frame_crops(&assets, class, 100..104);

    let recipe = base.manifest.fine_tune_recipe(&shipped_dir());
    assert!(recipe.minutes.unwrap() <= 1.0);
    // As many steps as the half minute gives at about 850 images/s, counted in epochs so
    // that what the test asserts does not depend on the machine's speed, and in f32, as on
    // a player's CPU without bfloat16, so that it does not depend on its instruction set.
    let recipe = isaac_lens::engine::Recipe {
        minutes: None,
        epochs: Some(0.44),
        precision: isaac_lens::engine::model::Precision::F32,
        ..recipe
    };
    let out = tmp.path().join("tuned");
    let (manifest, _) = common::train_on_cpu_with(catalog.clone(), recipe, &out, captures, 2);
    assert!(manifest.classes.contains(&key));
    let tuned = checkpoint::load(&out, &catalog, Device::Cpu).unwrap();
    let hits = predict::predict(&tuned, &checks, 1, Device::Cpu)
        .unwrap()
        .iter()
        .filter(|top| top[0].key == key)
        .count();
    assert!(
        hits >= 3,
        "the new item was recognised on {hits} of 4 other crops"
    );
    // The items it knew are still known.
    let dinner = image::open(shared().join("real-examples/test_00022.png")).unwrap();
    let top = &predict::predict(&tuned, &[dinner], 1, Device::Cpu).unwrap()[0][0];
    assert_eq!(top.key, ItemKey::new(ItemKind::Collectible, 23), "{top:?}");
}

/// Whatever a player starts from a trained model may not cost what it knew: a run that does
/// worse on a held-out set leaves the starting model in place and saves nothing.
#[test]
fn a_run_from_the_shipped_model_that_does_worse_keeps_the_shipped_model() {
    use isaac_lens::engine::{DeviceChoice, Engine, EngineConfig, Event, Request};
    let tmp = tempfile::tempdir().unwrap();
    let catalog = Arc::new(Catalog::load(real_catalog().dir()).unwrap());
    let base = checkpoint::read_manifest(&shipped_dir()).unwrap();
    // Nine steps at a rate that wrecks trained weights; steps, not minutes.
    let recipe = isaac_lens::engine::Recipe {
        learning_rate: 0.5,
        minutes: None,
        epochs: Some(0.02),
        validation_per_class: 1,
        ..base.continue_recipe(&shipped_dir(), &base.recipe)
    };
    assert!(recipe.keep_starting_if_worse);
    let config = EngineConfig {
        device: DeviceChoice::Cpu,
        backgrounds: Some(shared().join("backgrounds")),
        ..EngineConfig::default()
    };
    let engine = Engine::start(catalog, config, None).unwrap();
    let out = tmp.path().join("worse");
    engine
        .send(Request::Train {
            recipe: Box::new(recipe),
            out: out.clone(),
            captures: Vec::new(),
        })
        .unwrap();
    loop {
        match engine
            .next_event(std::time::Duration::from_secs(1200))
            .unwrap()
        {
            Event::TrainingKept { dir, reason } => {
                assert_eq!(dir, shipped_dir());
                assert!(reason.contains("fell from"), "{reason}");
                break;
            }
            Event::TrainingFinished { manifest, .. } => {
                panic!("a wrecked model was saved: {:?}", manifest.metrics)
            }
            Event::Error { error, .. } => panic!("{error}"),
            _ => {}
        }
    }
    assert!(
        !out.exists(),
        "nothing is saved when the starting model is kept"
    );
}

#[test]
fn continuing_from_a_trained_model_uses_a_gentler_rate_and_guards_it() {
    let base = checkpoint::read_manifest(&shipped_dir()).unwrap();
    let from_scratch = isaac_lens::engine::Recipe::default();
    let r = base.continue_recipe(&shipped_dir(), &from_scratch);
    assert!(r.keep_starting_if_worse);
    assert_eq!(r.init_from.as_deref(), Some(shipped_dir().as_path()));
    assert!(
        r.learning_rate <= base.recipe.learning_rate * checkpoint::CONTINUE_RATE + 1e-12,
        "{} from a model trained at {}",
        r.learning_rate,
        base.recipe.learning_rate
    );
    let f = base.fine_tune_recipe(&shipped_dir());
    assert!(f.keep_starting_if_worse && f.learning_rate < base.recipe.learning_rate);
}
