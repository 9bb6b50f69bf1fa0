//! The desktop app under egui_kittest: tabs, catalog search in both languages, a dropped
//! image, a drawn box answered by a real model, and a training run started and cancelled.

#![allow(clippy::unwrap_used)] // a test fails loudly on a broken fixture

mod common;

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use isaac_lens::app::{AppPaths, LensApp, Settings, Tab};
use isaac_lens::catalog::{ItemKey, ItemKind};
use isaac_lens::engine::Recipe;

use common::{drag_box, drop_file, real_catalog, shared, start_app, wait_for};

/// A data folder with a 12-item catalog and a model trained on it (once per test binary).
fn data_dir() -> &'static Path {
    static DATA: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &DATA
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let data = dir.path().to_path_buf();
            let c = |id| ItemKey::new(ItemKind::Collectible, id);
            let keys = [
                c(1),
                c(2),
                c(12),
                c(17),
                c(23),
                c(115),
                c(215),
                c(270),
                c(272),
                c(33),
                ItemKey::new(ItemKind::Trinket, 10),
                ItemKey::new(ItemKind::Trinket, 1),
            ];
            let catalog = Arc::new(real_catalog().subset(&keys, &data.join("catalog")).unwrap());
            let recipe = Recipe {
                // Steps, not minutes: what it reaches does not depend on the machine.
                minutes: None,
                epochs: Some(48.0),
                validation_per_class: 2,
                ..Recipe::default()
            };
            common::train_on_cpu(catalog, recipe, &data.join("models/default"));
            (dir, data)
        })
        .1
}

fn harness() -> Harness<'static, LensApp> {
    let data = data_dir();
    let mut paths = AppPaths::from_data_dir(data);
    paths.shared = Some(shared());
    let settings = Settings {
        panel_enabled: true,
        ..Settings::default()
    };
    let mut h = start_app(LensApp::new(settings, paths));
    wait_for(&mut h, "the model to load", |app| app.model().is_some());
    h
}

/// Waits for the lookup's answer; its best item.
fn best_answer(h: &mut Harness<'static, LensApp>, what: &str) -> ItemKey {
    wait_for(h, what, |app| app.lookup().results.result.is_some());
    let result = h.state().lookup().results.result.as_ref();
    result.expect("an answer").predictions[0].key
}

/// The Run tab reopens the last run from its file (what a closed or killed app left), shows
/// what was taken and left, and takes corrections and exports into files.
#[test]
fn the_run_tab_reopens_the_last_run_and_takes_corrections() {
    use isaac_lens::capture::Signature;
    use isaac_lens::catalog::price_font::Price;
    use isaac_lens::engine::scan::Find;
    use isaac_lens::engine::{CropBox, Prediction};
    use isaac_lens::run_log::Run;
    let runs = tempfile::tempdir().unwrap();
    let find = |id: u32, x: u32| Find {
        bbox: CropBox {
            x,
            y: 300,
            w: 100,
            h: 100,
        },
        predictions: vec![Prediction {
            key: ItemKey::new(ItemKind::Collectible, id),
            score: 0.99,
        }],
        // A shop: Dinner for 15 cents, Leech for two hearts.
        price: Some(if id == 23 {
            Price::Cents(15)
        } else {
            Price::Hearts(2)
        }),
        hidden: false,
    };
    let room = Signature::of(&image::RgbaImage::from_pixel(
        480,
        270,
        image::Rgba([60, 40, 30, 255]),
    ));
    let mut run = Run::new(1_700_000_000);
    run.room_scanned(0, true, &room, &[]);
    run.room_scanned(1, false, &room, &[find(23, 300), find(270, 700)]);
    run.room_scanned(2, false, &room, &[find(270, 700)]);
    let file = runs.path().join("run_1700000000.json");
    run.save(&file).unwrap();

    let data = data_dir();
    let mut paths = AppPaths::from_data_dir(data);
    paths.runs = runs.path().to_path_buf();
    let mut h = start_app(LensApp::new(Settings::default(), paths));
    h.get_by_label("Run").click();
    h.run_steps(3);
    assert_eq!(h.state().run().started, 1_700_000_000);
    h.get_by_label("Dinner · 正餐");
    h.get_by_label("paid 15¢");
    h.get_by_label("Leech · 水蛭");
    h.get_by_label("2 hearts");
    // The shop, as a room: each item with its price and what became of it.
    h.get_by_label("Rooms with items (1)").click();
    h.run_steps(3);
    h.get_by_label("Dinner · 正餐 · 15¢");
    h.get_by_label("Leech · 水蛭 · 2 hearts");
    h.get_by_label("taken");
    h.get_by_label("left");
    h.get_by_label("I took this").click();
    h.run_steps(3);
    assert!(h.state().flush_run(std::time::Duration::from_secs(10)));
    let saved = Run::load(&file).unwrap();
    let taken: Vec<u32> = saved.taken().iter().map(|e| e.key.id).collect();
    assert_eq!(taken, vec![23, 270]);
    h.get_by_label("Export CSV").click();
    h.run_steps(2);
    let csv = std::fs::read_to_string(runs.path().join("exports/run_1700000000.csv")).unwrap();
    assert!(
        csv.starts_with(
            "list,kind,id,name_en,name_zh,frame,fate,price\ntaken,collectible,23,Dinner,正餐,1,,15c\ntaken,collectible,270,Leech,水蛭,1,,2 hearts\n"
        ),
        "{csv}"
    );
    // A new run gets a file of its own; the old one stays.
    h.get_by_label("New run").click();
    h.run_steps(2);
    assert!(h.state().run().started > 1_700_000_000);
    assert!(h.state().run().taken().is_empty());
    assert!(file.is_file());
    // Its hotkey does the same: another file again, and the app says so.
    let first_new = h.state().run().started;
    h.state_mut().new_run();
    h.run_steps(2);
    assert!(h.state().run().started > first_new);
    assert!(h.state().flush_run(std::time::Duration::from_secs(10)));
    let files = std::fs::read_dir(runs.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("run_"))
        .count();
    assert_eq!(files, 3);
    assert!(
        h.state()
            .messages()
            .iter()
            .any(|m| m.text == "A new run has begun")
    );
}

/// An HTTP GET to the overlay on 127.0.0.1: the whole answer.
fn overlay_get(url: &str, path: &str) -> String {
    use std::io::{Read as _, Write as _};
    let address = url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {address}\r\n\r\n").unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

#[test]
fn the_stream_overlay_follows_the_run_and_a_port_in_use_is_said() {
    use isaac_lens::run_log::{Correction, Run};
    let runs = tempfile::tempdir().unwrap();
    let mut run = Run::new(1_700_000_000);
    run.correct(Correction::AddTaken(ItemKey::new(
        ItemKind::Collectible,
        23,
    )));
    run.save(&runs.path().join("run_1700000000.json")).unwrap();
    // A port that is taken: the app says so and listens nowhere.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let busy = taken.local_addr().unwrap().port();
    let mut paths = AppPaths::from_data_dir(data_dir());
    paths.runs = runs.path().to_path_buf();
    let settings = Settings {
        overlay_enabled: true,
        overlay_port: busy,
        overlay_text_file: true,
        ..Settings::default()
    };
    let mut h = start_app(LensApp::new(settings, paths));
    wait_for(&mut h, "the port's error", |app| {
        app.overlay_url().is_some() || app.messages().iter().any(|m| m.text.contains("in use"))
    });
    assert!(h.state().overlay_url().is_none());
    let said: Vec<&str> = h
        .state()
        .messages()
        .iter()
        .map(|m| m.text.as_str())
        .collect();
    assert!(
        said.iter()
            .any(|m| m.contains(&format!("port {busy} on 127.0.0.1 is already in use"))),
        "{said:?}"
    );
    // Another port: the page serves the run's taken items; the text file lists them.
    drop(taken);
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    h.state_mut().settings_mut().overlay_port = free;
    h.run_steps(2);
    let url = h.state().overlay_url().expect("the overlay listens");
    assert_eq!(url, format!("http://127.0.0.1:{free}/"));
    let state = overlay_get(&url, "/state.json");
    assert!(state.contains("\"name_en\":\"Dinner\""), "{state}");
    let sprite = overlay_get(&url, "/sprite/collectible/23.png");
    assert!(sprite.starts_with("HTTP/1.1 200 OK") && sprite.contains("image/png"));
    let text = runs.path().join("overlay.txt");
    let start = std::time::Instant::now();
    while std::fs::read_to_string(&text).unwrap_or_default() != "Dinner\n" {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(10),
            "no text file"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // Turned off: nothing listens.
    h.state_mut().settings_mut().overlay_enabled = false;
    h.run_steps(2);
    assert!(h.state().overlay_url().is_none());
    assert!(std::net::TcpStream::connect(("127.0.0.1", free)).is_err());
}

#[test]
fn tabs_switch_by_label() {
    let mut h = harness();
    h.get_by_label("Catalog").click();
    h.run_steps(2);
    assert_eq!(h.state().tab(), Tab::Catalog);
    h.get_by_label("Training").click();
    h.run_steps(2);
    h.get_by_label("Start training");
    h.get_by_label("Settings").click();
    h.run_steps(2);
    h.get_by_label("Interface language");
    // Chinese interface.
    h.get_by_label("简体中文").click();
    h.run_steps(2);
    h.get_by_label("界面语言");
    h.get_by_label("识图").click();
    h.run_steps(2);
    assert_eq!(h.state().tab(), Tab::Lookup);
}

#[test]
fn catalog_search_works_in_both_languages_and_shows_readable_descriptions() {
    let mut h = harness();
    h.get_by_label("Catalog").click();
    h.run_steps(2);
    let search = h.get_by_label("Search (English or 中文)");
    search.click();
    search.type_text("onion");
    h.run_steps(2);
    assert!(h.query_by_label("The Sad Onion").is_some());
    assert!(
        h.query_by_label("Leech").is_none(),
        "Leech should be filtered out"
    );
    h.state_mut().catalog_view().query = "水蛭".into();
    h.run_steps(2);
    assert!(h.query_by_label("Leech").is_some());
    assert!(h.query_by_label("The Sad Onion").is_none());
    h.get_by_label("Leech").click();
    h.run_steps(2);
    assert_eq!(
        h.state_mut().catalog_view().selected,
        Some(ItemKey::new(ItemKind::Collectible, 270))
    );
    // The details pane shows text, never raw EID markup.
    let texts: Vec<String> = h
        .root()
        .children_recursive()
        .filter_map(|n| {
            let node = n.accesskit_node();
            node.label().or_else(|| node.value())
        })
        .collect();
    assert!(texts.iter().any(|t| t.contains("Heal")), "{texts:?}");
    assert!(
        !texts.iter().any(|t| t.contains("{{") || t.contains('#')),
        "{texts:?}"
    );
}

#[test]
fn dropped_image_and_drawn_box_show_the_item_in_the_results() {
    let mut h = harness();
    // The Dinner screenshot pasted into a bigger frame, dropped onto the window.
    let dinner = image::open(shared().join("real-examples/test_00022.png"))
        .unwrap()
        .to_rgb8();
    let mut frame = image::RgbImage::from_pixel(400, 300, image::Rgb([25, 22, 20]));
    image::imageops::overlay(&mut frame, &dinner, 100, 50);
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("frame.png");
    frame.save(&path).unwrap();
    drop_file(&mut h, &path);
    assert!(
        h.state().lookup().canvas.frame.is_some(),
        "the dropped image was not opened"
    );

    // Drag a box over the item, in the frame's pixels.
    drag_box(&mut h, [400.0, 300.0], [100.0, 50.0], [264.0, 190.0]);
    let sel = h.state().lookup().canvas.selection.expect("no box");
    assert!(
        (sel.min.x - 100.0).abs() < 3.0 && (sel.max.y - 190.0).abs() < 3.0,
        "{sel:?}"
    );
    let best = best_answer(&mut h, "the predictions");
    assert_eq!(best, ItemKey::new(ItemKind::Collectible, 23));
    // The lookup is remembered in the persisted history, newest first.
    let history = &h.state().settings().history;
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].predictions[0].key, best);
    // Shown in the Lookup tab and in the floating panel.
    assert!(
        h.query_all_by_label("1. Dinner · 正餐").count() >= 2,
        "the results list lacks Dinner"
    );

    // "This one" saves the crop with its label into the player's captures.
    h.query_all_by_label("This one").next().unwrap().click();
    h.run_steps(2);
    let labels =
        isaac_lens::corrections::read_labels(&data_dir().join("captures/labels.csv")).unwrap();
    assert_eq!(
        labels.last().map(|l| l.key),
        Some(ItemKey::new(ItemKind::Collectible, 23))
    );

    // A file that is not an image: a visible message, and the app keeps its frame.
    let bad = tmp.path().join("notes.png");
    std::fs::write(&bad, "not an image").unwrap();
    drop_file(&mut h, &bad);
    assert!(
        h.state()
            .messages()
            .iter()
            .any(|m| m.error && m.text.contains("notes.png"))
    );
    assert!(h.state().lookup().canvas.frame.is_some());
}

#[test]
fn training_starts_shows_progress_and_cancels() {
    let mut h = harness();
    h.get_by_label("Training").click();
    h.run_steps(2);
    h.state_mut().settings_mut().recipe.minutes = Some(5.0);
    h.get_by_label("Start training").click();
    h.run_steps(2);
    assert!(h.state().training().running);
    wait_for(&mut h, "training progress", |app| {
        app.training().last.as_ref().is_some_and(|p| p.step > 0)
    });
    // A lookup while the model trains: a drawn box is answered, and training goes on.
    let dinner = image::open(shared().join("real-examples/test_00022.png")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("dinner.png");
    dinner.save(&path).unwrap();
    drop_file(&mut h, &path);
    let (w, hgt) = (dinner.width() as f32, dinner.height() as f32);
    drag_box(&mut h, [w, hgt], [2.0, 2.0], [w - 2.0, hgt - 2.0]);
    let best = best_answer(&mut h, "an answer during training");
    assert_eq!(best, ItemKey::new(ItemKind::Collectible, 23));
    assert!(h.state().training().running, "the lookup stopped training");
    h.get_by_label("Training").click();
    h.run_steps(2);
    // Pause and resume: the button says which, and the state follows.
    h.get_by_label("Pause").click();
    h.run_steps(2);
    assert!(h.state().training().paused);
    h.get_by_label("Resume").click();
    h.run_steps(2);
    assert!(!h.state().training().paused);
    h.get_by_label("Cancel").click();
    wait_for(&mut h, "the cancellation", |app| !app.training().running);
    assert!(
        h.state()
            .messages()
            .iter()
            .any(|m| m.text.contains("cancelled"))
    );
    h.get_by_label("Start training");
}

#[test]
fn settings_fall_back_to_defaults_field_by_field() {
    let partial: Settings =
        serde_json::from_str(r#"{"panel_opacity": 0.5, "unknown": 1}"#).unwrap();
    assert_eq!(partial.panel_opacity, 0.5);
    assert_eq!(partial.hotkey, Settings::default().hotkey);
}

#[test]
fn settings_out_of_range_fall_back_field_by_field_and_say_so() {
    let mut s = Settings {
        torch_threads: 4_294_967_296,
        live_fps: f32::NAN,
        panel_opacity: 0.5,
        overlay_port: 80,
        ..Settings::default()
    };
    s.recipe.minutes = Some(f64::INFINITY);
    let notes = s.sanitize();
    assert_eq!(s.torch_threads, Settings::default().torch_threads);
    assert_eq!(s.live_fps, Settings::default().live_fps);
    assert_eq!(s.panel_opacity, 0.5, "a good field is kept");
    assert_eq!(s.recipe, Settings::default().recipe);
    assert_eq!(s.overlay_port, isaac_lens::overlay::DEFAULT_PORT);
    assert_eq!(notes.len(), 4, "{notes:?}");
    assert!(
        notes[0].contains("torch_threads 4294967296 is outside 0..=256"),
        "{notes:?}"
    );
    assert!(notes[1].contains("live_fps NaN"), "{notes:?}");
    assert!(
        notes[2].contains("overlay_port 80 is outside 1024..=65535"),
        "{notes:?}"
    );
    assert!(notes[3].contains("recipe: minutes inf"), "{notes:?}");
    // A sane file gives no notes.
    assert!(Settings::default().sanitize().is_empty());
}

#[test]
fn a_marked_game_picture_that_is_not_one_is_forgotten_and_named() {
    let file = r#"{"game_pictures": {
        "Window: OBS projector": {"x": 0.1, "y": 0.05, "w": 0.8, "h": 0.9},
        "Monitor: broken": {"x": 0.9, "y": 0.0, "w": 0.5, "h": 1.0}}}"#;
    let mut s: Settings = serde_json::from_str(file).unwrap();
    let notes = s.sanitize();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].contains("Monitor: broken") && notes[0].contains("inside the frame"),
        "{notes:?}"
    );
    let kept: Vec<&String> = s.game_pictures.keys().collect();
    assert_eq!(kept, ["Window: OBS projector"]);
}

#[test]
fn a_damaged_model_is_named_in_a_message_and_lookups_do_not_hang() {
    // The shipped model's manifest with an input size no network can take.
    let tmp = tempfile::tempdir().unwrap();
    let damaged = tmp.path().join("damaged");
    std::fs::create_dir(&damaged).unwrap();
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/default");
    std::fs::copy(
        shipped.join("model.safetensors"),
        damaged.join("model.safetensors"),
    )
    .unwrap();
    let manifest = std::fs::read_to_string(shipped.join("manifest.json")).unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    value["input_size"] = 4.into();
    std::fs::write(damaged.join("manifest.json"), value.to_string()).unwrap();

    let mut paths = AppPaths::from_data_dir(&tmp.path().join("data"));
    paths.catalog = real_catalog().dir().to_path_buf();
    paths.shared = Some(shared());
    let settings = Settings {
        active_model: Some(damaged.clone()),
        ..Settings::default()
    };
    let mut h = start_app(LensApp::new(settings, paths));
    wait_for(&mut h, "the load error", |app| {
        app.messages()
            .iter()
            .any(|m| m.error && m.text.contains("input_size 4"))
    });
    assert!(h.state().model().is_none());
    // A lookup now is answered with an error, not left "Recognising…".
    let frame = tmp.path().join("frame.png");
    image::RgbImage::from_pixel(200, 150, image::Rgb([90, 60, 40]))
        .save(&frame)
        .unwrap();
    drop_file(&mut h, &frame);
    h.get_by_label("Scan (F9)").click();
    h.run_steps(1);
    wait_for(&mut h, "the answer to the scan", |app| {
        !app.lookup().scan.is_pending()
    });
    assert!(
        h.state()
            .messages()
            .iter()
            .any(|m| m.error && m.text.contains("no model is loaded")),
        "{:?}",
        h.state()
            .messages()
            .iter()
            .map(|m| &m.text)
            .collect::<Vec<_>>()
    );
    assert!(h.state().lookup().scan.scanned.is_none());
    // So is a drawn box: an error, and the results stop waiting.
    drag_box(&mut h, [200.0, 150.0], [40.0, 30.0], [120.0, 110.0]);
    wait_for(&mut h, "the answer to the box", |app| {
        !app.lookup().is_pending()
    });
    assert!(
        h.state()
            .messages()
            .iter()
            .any(|m| m.error && m.text.starts_with("recognition failed: no model is loaded"))
    );
    assert!(h.state().lookup().results.result.is_none());
    assert!(
        h.query_all_by_label_contains("input_size 4")
            .next()
            .is_some()
    );
}

/// A mistyped `--model` (or a chosen model folder since deleted) is named, and the app goes
/// on with the default model instead of starting a long training run.
#[test]
fn a_missing_model_folder_is_named_and_no_training_starts() {
    let data = tempfile::tempdir().unwrap();
    let mut paths = AppPaths::from_data_dir(data.path());
    paths.catalog = real_catalog().dir().to_path_buf();
    paths.shared = Some(shared());
    let settings = Settings {
        active_model: Some(PathBuf::from("/nonexistent/model")),
        ..Settings::default()
    };
    let mut h = start_app(LensApp::new(settings, paths));
    wait_for(&mut h, "the shipped model to load", |app| {
        app.model().is_some()
    });
    let app = h.state();
    assert!(!app.training().running, "a training run was started");
    let said: Vec<&str> = app.messages().iter().map(|m| m.text.as_str()).collect();
    assert!(
        said.iter()
            .any(|m| m.contains("/nonexistent/model: no such folder")),
        "{said:?}"
    );
    assert!(app.model().unwrap().0.ends_with("shipped"));
}

/// The Catalog tab shows an item as older game versions drew it.
#[test]
fn the_catalog_shows_older_art() {
    let data = tempfile::tempdir().unwrap();
    let mut paths = AppPaths::from_data_dir(data.path());
    paths.catalog = real_catalog().dir().to_path_buf();
    paths.shared = Some(shared());
    let mut h = start_app(LensApp::new(Settings::default(), paths));
    h.get_by_label("Catalog").click();
    h.run_steps(2);
    h.state_mut().catalog_view().query = "Magic 8 Ball".into();
    h.run_steps(2);
    h.get_by_label("Magic 8 Ball").click();
    h.run_steps(3);
    assert!(h.query_by_label("As older versions drew it").is_some());
    assert!(h.query_by_label("Afterbirth+").is_some());
    assert!(h.query_by_label("Rebirth").is_some());
}
