//! The second probe round: each failure a careless or hostile user found, as a test that
//! failed before its fix. Nothing the player owns is lost, nothing crashes, every number is
//! checked and every error is one readable line.

#![allow(clippy::unwrap_used)] // a test fails loudly on a broken fixture

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Display, bin, one_line, p, real_catalog, run, shared, stderr_lines, wait_bounded};
use image::{DynamicImage, RgbImage};

fn shipped_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("models/default")
}

/// A copy of the shipped checkpoint in `to`.
fn copy_model(to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for f in ["manifest.json", "model.safetensors"] {
        std::fs::copy(shipped_dir().join(f), to.join(f)).unwrap();
    }
}

/// Names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn real_example() -> PathBuf {
    shared().join("real-examples/test_00013.png")
}

#[test]
fn out_folders_holding_anything_of_the_players_are_never_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let catalog = p(real_catalog().dir());
    let train_into = |out: &Path| {
        run(
            tmp.path(),
            &[
                "train",
                "--catalog",
                catalog,
                "--minutes",
                "0.02",
                "--validation-per-class",
                "1",
                "--out",
                p(out),
            ],
        )
    };
    // The issue's repro: a project folder that happens to hold a manifest.json.
    let w = tmp.path().join("W");
    std::fs::create_dir_all(w.join("src")).unwrap();
    std::fs::write(w.join("manifest.json"), r#"{"name":"x"}"#).unwrap();
    std::fs::write(w.join("src/index.js"), "x").unwrap();
    std::fs::write(w.join("README.md"), "p").unwrap();
    let (code, _, stderr, _) = train_into(&w);
    assert_eq!(code, 1, "{stderr}");
    one_line(&stderr);
    assert!(stderr.contains("holds other files (README.md"), "{stderr}");
    assert_eq!(names(&w), ["README.md", "manifest.json", "src"]);
    assert_eq!(
        std::fs::read_to_string(w.join("src/index.js")).unwrap(),
        "x"
    );

    // A note the player kept inside a real model folder.
    let model = tmp.path().join("model");
    copy_model(&model);
    std::fs::write(model.join("notes.txt"), "floor 3").unwrap();
    let (code, _, stderr, _) = train_into(&model);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("(notes.txt "), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(model.join("notes.txt")).unwrap(),
        "floor 3"
    );

    // An --out that is a symbolic link to a model folder.
    #[cfg(unix)]
    {
        let real = tmp.path().join("real");
        copy_model(&real);
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let (code, _, stderr, _) = train_into(&link);
        assert_eq!(code, 1, "{stderr}");
        assert!(stderr.contains("is a symbolic link"), "{stderr}");
        assert!(link.symlink_metadata().unwrap().file_type().is_symlink());
    }

    // A catalog folder with a note in it.
    let cat = tmp.path().join("catalog");
    let import = |out: &Path| {
        run(
            tmp.path(),
            &[
                "catalog",
                "import",
                "--huiji",
                p(&shared().join("huiji")),
                "--out",
                p(out),
            ],
        )
    };
    assert_eq!(import(&cat).0, 0);
    std::fs::write(cat.join("notes.txt"), "mine").unwrap();
    let (code, _, stderr, _) = import(&cat);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("(notes.txt "), "{stderr}");
    assert!(cat.join("notes.txt").is_file() && cat.join("catalog.json").is_file());
}

/// The state a crash between the two renames of a save leaves: no model folder, the old
/// model set aside, the new one half-written.
#[test]
fn a_model_lost_between_the_renames_of_a_save_comes_back() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let models = data.join("models");
    copy_model(&models.join(".default.old.4294967.tmp"));
    let half = models.join(".default.4294966.tmp");
    std::fs::create_dir_all(&half).unwrap();
    std::fs::write(half.join("model.safetensors"), "half").unwrap();
    let (code, stdout, stderr, _) = run(
        &data,
        &[
            "predict",
            "--catalog",
            p(real_catalog().dir()),
            "--json",
            p(&real_example()),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("Ouija Board"), "{stdout}");
    assert_eq!(
        std::fs::read(models.join("default/model.safetensors")).unwrap(),
        std::fs::read(shipped_dir().join("model.safetensors")).unwrap()
    );
    let (_, stdout, _, _) = run(&data, &["info", "--model-dir"]);
    assert_eq!(stdout.trim(), p(&models.join("default")));

    // A model named by --model, lost the same way.
    copy_model(&tmp.path().join(".mine.old.4294967.tmp"));
    let mine = tmp.path().join("mine");
    let (code, _, stderr, _) = run(
        &data,
        &[
            "predict",
            "--catalog",
            p(real_catalog().dir()),
            "--model",
            p(&mine),
            p(&real_example()),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(mine.join("manifest.json").is_file());
}

#[test]
fn a_dark_or_grey_frame_is_scanned_and_its_item_found() {
    let tmp = tempfile::tempdir().unwrap();
    let crop = image::open(real_example()).unwrap().to_rgb8();
    let mut frames = Vec::new();
    for (name, fill) in [("dark", [19u8, 19, 19]), ("black", [0, 0, 0])] {
        let mut frame = RgbImage::from_pixel(1920, 1080, image::Rgb(fill));
        image::imageops::overlay(&mut frame, &crop, 900, 500);
        let colour = tmp.path().join(format!("{name}.png"));
        frame.save(&colour).unwrap();
        let grey = tmp.path().join(format!("{name}-grey.png"));
        DynamicImage::ImageRgb8(frame)
            .to_luma8()
            .save(&grey)
            .unwrap();
        frames.extend([colour, grey]);
    }
    let mut args = vec!["scan", "--json", "--catalog", p(real_catalog().dir())];
    args.extend(frames.iter().map(|f| p(f)));
    let (code, stdout, stderr, _) = run(tmp.path(), &args);
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), frames.len());
    for line in lines {
        let items = line["items"].as_array().unwrap();
        let ouija = items
            .iter()
            .filter(|f| f["predictions"][0]["id"] == 115)
            .count();
        assert_eq!(ouija, 1, "{line}");
        assert_eq!(items.len(), 1, "no other finds on a plain floor: {line}");
        // Where it was pasted.
        let b = &items[0]["box"];
        let cx = b[0].as_f64().unwrap() + b[2].as_f64().unwrap() / 2.0;
        let cy = b[1].as_f64().unwrap() + b[3].as_f64().unwrap() / 2.0;
        let (w, h) = crop.dimensions();
        assert!(
            (900.0..900.0 + f64::from(w)).contains(&cx)
                && (500.0..500.0 + f64::from(h)).contains(&cy),
            "{line}"
        );
    }
}

#[test]
fn synth_checks_its_numbers_and_never_writes_among_other_files() {
    let tmp = tempfile::tempdir().unwrap();
    let catalog = p(real_catalog().dir());
    let out = tmp.path().join("samples");
    for (flag, value, expect) in [
        ("--size", "100000", "size 100000 is outside 16..=256"),
        ("--size", "4096", "size 4096 is outside"),
        ("--size", "0", "size 0 is outside"),
        ("--per-class", "0", "per-class 0 is outside 1..=1000"),
        ("--per-class", "100000000", "per-class 100000000 is outside"),
    ] {
        let arg = format!("{flag}={value}");
        let (code, _, stderr, took) = run(
            tmp.path(),
            &["synth", "--catalog", catalog, "--out", p(&out), &arg],
        );
        assert_eq!(code, 1, "{flag} {value}: {stderr}");
        one_line(&stderr);
        assert!(stderr.contains(expect), "{flag} {value}: {stderr}");
        assert!(took < Duration::from_secs(30), "{flag} {value}: {took:?}");
        assert!(!out.exists());
    }
    let synth = |out: &Path, classes: &str| {
        run(
            tmp.path(),
            &[
                "synth",
                "--catalog",
                catalog,
                "--per-class",
                "1",
                "--classes",
                classes,
                "--out",
                p(out),
            ],
        )
    };
    // A folder of the player's pictures is refused, not written among.
    let mine = tmp.path().join("pictures");
    std::fs::create_dir_all(&mine).unwrap();
    std::fs::write(mine.join("holiday.png"), "x").unwrap();
    let (code, _, stderr, _) = synth(&mine, "2");
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("holds other files"), "{stderr}");
    assert_eq!(names(&mine), ["holiday.png"]);
    // Its own output is replaced whole.
    assert_eq!(synth(&out, "2").0, 0);
    assert_eq!(names(&out).len(), 3, "{:?}", names(&out));
    assert_eq!(synth(&out, "1").0, 0);
    assert_eq!(names(&out).len(), 2, "{:?}", names(&out));
    assert!(out.join("sheet.png").is_file());
}

#[test]
fn a_truncated_jpeg_fails_like_a_truncated_png() {
    let tmp = tempfile::tempdir().unwrap();
    let mut bytes = Vec::new();
    image::open(real_example())
        .unwrap()
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Jpeg,
        )
        .unwrap();
    let cut = tmp.path().join("cut.jpg");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let whole = tmp.path().join("whole.jpg");
    std::fs::write(&whole, &bytes).unwrap();
    let catalog = p(real_catalog().dir());
    for command in ["scan", "predict"] {
        let (code, stdout, stderr, _) = run(
            tmp.path(),
            &[command, "--json", "--catalog", catalog, p(&cut), p(&whole)],
        );
        assert_eq!(code, 1, "{command}: {stderr}");
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines.len(), 2, "{command}: {stdout}");
        assert!(lines[0].contains("truncated"), "{command}: {stdout}");
        assert!(!lines[1].contains("error"), "the rest still done: {stdout}");
    }
}

#[test]
fn top_zero_is_refused_by_predict_as_by_scan() {
    let tmp = tempfile::tempdir().unwrap();
    for command in ["predict", "scan"] {
        let (code, _, stderr, _) = run(tmp.path(), &[command, "--top", "0", p(&real_example())]);
        assert_eq!(code, 2, "{command}: {stderr}");
        assert!(
            stderr.contains("top 0 is outside 1..=50"),
            "{command}: {stderr}"
        );
    }
}

#[test]
fn a_game_picture_outside_the_frame_is_refused_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, _, stderr, _) = run(
        tmp.path(),
        &["scan", "--game-picture", "0.6,0,0.5,1", p(&real_example())],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("game picture 0.6,0,0.5,1") && stderr.contains("inside the frame"),
        "{stderr}"
    );
}

#[test]
fn eval_names_a_labels_folder_and_labels_of_items_the_catalog_lacks() {
    let tmp = tempfile::tempdir().unwrap();
    let catalog = p(real_catalog().dir());
    let (code, _, stderr, _) = run(
        tmp.path(),
        &["eval", "--catalog", catalog, "--labels", p(tmp.path())],
    );
    assert_eq!(code, 1, "{stderr}");
    one_line(&stderr);
    assert!(
        stderr.contains("is a folder, not a labels CSV file"),
        "{stderr}"
    );

    std::fs::copy(real_example(), tmp.path().join("a.png")).unwrap();
    let labels = tmp.path().join("labels.csv");
    std::fs::write(
        &labels,
        "file,kind,game_id\na.png,collectible,115\na.png,collectible,9999\n",
    )
    .unwrap();
    let (code, stdout, stderr, _) = run(
        tmp.path(),
        &["eval", "--catalog", catalog, "--labels", p(&labels)],
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(stdout.contains("top-1: 1/1"), "scored without it: {stdout}");
    assert!(
        stderr.contains("collectible:9999, which the catalog does not hold"),
        "{stderr}"
    );
}

#[test]
fn errors_quote_a_few_hundred_characters_of_any_input() {
    let tmp = tempfile::tempdir().unwrap();
    let catalog = p(real_catalog().dir());
    let long = "x".repeat(5_000_000);
    let labels = tmp.path().join("labels.csv");
    std::fs::write(
        &labels,
        format!("file,kind,game_id\n{long}.png,collectible,1\n"),
    )
    .unwrap();
    let (code, stdout, stderr, _) = run(
        tmp.path(),
        &["eval", "--catalog", catalog, "--labels", p(&labels)],
    );
    assert_eq!(code, 1, "{}", &stderr[..stderr.len().min(500)]);
    assert!(
        stdout.len() + stderr.len() < 4000,
        "{} bytes",
        stdout.len() + stderr.len()
    );

    let model = tmp.path().join("model");
    copy_model(&model);
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(model.join("manifest.json")).unwrap()).unwrap();
    manifest["arch"] = long.clone().into();
    std::fs::write(model.join("manifest.json"), manifest.to_string()).unwrap();
    let (code, _, stderr, _) = run(
        tmp.path(),
        &[
            "predict",
            "--catalog",
            catalog,
            "--model",
            p(&model),
            p(&real_example()),
        ],
    );
    assert_eq!(code, 1);
    one_line(&stderr);
    assert!(stderr.len() < 2000, "{} bytes", stderr.len());
    assert!(stderr.contains("bad manifest"), "{stderr}");
}

/// Copies the files (not folders) of `from` into a new folder `to`.
fn copy_files(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

#[test]
fn import_reads_a_dictionary_with_a_bom_and_names_eid_files_it_cannot_read() {
    let tmp = tempfile::tempdir().unwrap();
    let huiji = tmp.path().join("huiji");
    copy_files(&shared().join("huiji"), &huiji);
    let dict = huiji.join("id_mapping_dict.json");
    let mut bytes = "\u{feff}".as_bytes().to_vec();
    bytes.extend(std::fs::read(&dict).unwrap());
    std::fs::write(&dict, bytes).unwrap();
    let eid = tmp.path().join("eid");
    copy_files(&shared().join("eid/names"), &eid.join("names"));
    std::fs::remove_file(eid.join("names/zh_cn.lua")).unwrap();
    std::fs::create_dir_all(eid.join("names/zh_cn.lua")).unwrap();
    std::fs::create_dir_all(eid.join("rep")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("en_us.lua", eid.join("rep/en_us.lua")).unwrap();
    let out = tmp.path().join("catalog");
    let (code, stdout, stderr, _) = run(
        tmp.path(),
        &[
            "catalog",
            "import",
            "--huiji",
            p(&huiji),
            "--eid",
            p(&eid),
            "--out",
            p(&out),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("imported 719 collectibles and 188 trinkets"),
        "{stdout}"
    );
    assert!(
        stdout.contains("names/zh_cn.lua: not a readable file"),
        "{stdout}"
    );
    #[cfg(unix)]
    assert!(
        stdout.contains("rep/en_us.lua: not a readable file"),
        "{stdout}"
    );

    let (code, stdout, stderr, _) = run(tmp.path(), &["catalog", "--catalog", p(&out), "show", ""]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stderr.contains("no item matches"), "{stderr}");
}

#[test]
fn info_and_predict_work_where_the_data_folder_cannot_be_written() {
    let tmp = tempfile::tempdir().unwrap();
    // Root may write anywhere; a folder below a file cannot be made by anyone.
    let file = tmp.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let data = file.join("data");
    let (code, stdout, stderr, _) = run(&data, &["info"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("classes; validation top-1"), "{stdout}");
    let (code, stdout, stderr, _) = run(
        &data,
        &[
            "predict",
            "--json",
            "--catalog",
            p(real_catalog().dir()),
            p(&real_example()),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("Ouija Board"), "{stdout}");
}

#[test]
fn explicit_bf16_on_a_cpu_that_only_emulates_it_is_warned_about() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("notes.txt");
    std::fs::write(&file, "mine").unwrap();
    let (code, _, stderr, _) = run(
        tmp.path(),
        &[
            "train",
            "--catalog",
            p(real_catalog().dir()),
            "--device",
            "cpu",
            "--precision",
            "bf16",
            "--out",
            p(&file),
        ],
    );
    assert_eq!(code, 1, "{stderr}");
    let warned = stderr.contains("no native bfloat16");
    assert_eq!(
        warned,
        !isaac_lens::engine::model::cpu_has_native_bf16(),
        "{stderr}"
    );
}

#[cfg(unix)]
#[test]
fn a_second_ctrl_c_cancels_training_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("model");
    let mut child = Command::new(bin())
        .env("ISAAC_LENS_DATA", tmp.path())
        .args([
            "train",
            "--catalog",
            p(real_catalog().dir()),
            "--minutes",
            "5",
            "--out",
            p(&out),
        ])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let lines = stderr_lines(&mut child);
    let started = Instant::now();
    let mut seen = Vec::new();
    while !seen.iter().any(|l: &String| l.contains("Ctrl-C")) {
        assert!(started.elapsed() < Duration::from_secs(120), "{seen:?}");
        if let Ok(line) = lines.recv_timeout(Duration::from_secs(1)) {
            seen.push(line);
        }
    }
    let interrupt = || {
        Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap()
    };
    interrupt();
    std::thread::sleep(Duration::from_millis(500));
    interrupt();
    let status = wait_bounded(&mut child, Duration::from_secs(60));
    assert_eq!(status.code(), Some(1));
    let rest: Vec<String> = lines.try_iter().collect();
    assert!(
        rest.iter()
            .any(|l| l.contains("cancelled; nothing was saved")),
        "{rest:?}"
    );
    assert!(!out.exists());
}

#[test]
fn dropping_the_engine_mid_training_cancels_the_job_and_joins_its_workers() {
    use isaac_lens::catalog::{ItemKey, ItemKind};
    use isaac_lens::engine::{DeviceChoice, Engine, EngineConfig, Event, Phase, Recipe, Request};
    let tmp = tempfile::tempdir().unwrap();
    let keys: Vec<ItemKey> = [1, 2, 3]
        .map(|id| ItemKey::new(ItemKind::Collectible, id))
        .into();
    let catalog = std::sync::Arc::new(
        real_catalog()
            .subset(&keys, &tmp.path().join("catalog"))
            .unwrap(),
    );
    let config = EngineConfig {
        device: DeviceChoice::Cpu,
        torch_threads: 1,
        synthesis: Some(isaac_lens::engine::Synthesis::Alongside(1)),
        backgrounds: Some(shared().join("backgrounds")),
    };
    let mut engine = Engine::start(catalog, config, None).unwrap();
    let out = tmp.path().join("model");
    engine
        .send(Request::Train {
            recipe: Box::new(Recipe {
                minutes: Some(10.0),
                ..Recipe::default()
            }),
            out: out.clone(),
            captures: Vec::new(),
        })
        .unwrap();
    loop {
        match engine.next_event(Duration::from_secs(120)).unwrap() {
            Event::TrainingProgress(p) if p.phase == Phase::Training && p.step > 0 => break,
            Event::Error { error, .. } => panic!("{error}"),
            _ => {}
        }
    }
    assert!(
        engine.shutdown(Duration::from_secs(60)),
        "a worker kept running"
    );
    assert!(!engine.is_alive());
    assert!(engine.send(Request::LoadModel(shipped_dir())).is_err());
    assert!(!out.exists(), "a cancelled job saves nothing");
}

#[cfg(target_os = "linux")]
#[test]
fn a_window_closed_by_another_program_ends_the_app_without_a_panic() {
    let display = Display::start(false);
    let tmp = tempfile::tempdir().unwrap();
    let mut app = Command::new(bin())
        .env("DISPLAY", &display.name)
        .env("ISAAC_LENS_DATA", tmp.path())
        .env_remove("WAYLAND_DISPLAY")
        .args(["--catalog", p(real_catalog().dir()), "app"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = stderr_lines(&mut app);
    let started = Instant::now();
    let window = loop {
        assert!(started.elapsed() < Duration::from_secs(60), "no window");
        let found = Command::new("xdotool")
            .env("DISPLAY", &display.name)
            .args(["search", "--name", "Isaac Lens"])
            .output()
            .expect("xdotool (installed by scripts/setup.sh)");
        let id = String::from_utf8_lossy(&found.stdout)
            .lines()
            .next()
            .map(str::to_string);
        if let Some(id) = id {
            break id;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    // Let it draw a few frames, then destroy its window from outside.
    std::thread::sleep(Duration::from_secs(3));
    let closed = Command::new("xdotool")
        .env("DISPLAY", &display.name)
        .args(["windowclose", &window])
        .status()
        .unwrap();
    assert!(closed.success());
    let status = wait_bounded(&mut app, Duration::from_secs(60));
    std::thread::sleep(Duration::from_millis(200));
    let said: Vec<String> = lines.try_iter().collect();
    assert!(!said.iter().any(|l| l.contains("panicked")), "{said:#?}");
    assert!(status.success(), "{status:?}: {said:#?}");
}
