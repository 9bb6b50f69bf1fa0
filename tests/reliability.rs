//! Bad input from a new user's hands: output folders that hold something else, damaged
//! checkpoints, numbers out of range. Nothing the player owns is lost, every command ends with
//! a one-line error and a non-zero exit, and nothing waits without a bound.

#![allow(clippy::unwrap_used)] // a test fails loudly on a broken fixture

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{one_line, p, real_catalog, run, shared};

fn shipped_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("models/default")
}

#[test]
fn import_never_replaces_a_folder_of_other_files_or_its_own_source() {
    let tmp = tempfile::tempdir().unwrap();
    let huiji = shared().join("huiji");
    // A folder of the player's own files.
    let mine = tmp.path().join("mine");
    std::fs::create_dir_all(&mine).unwrap();
    std::fs::write(mine.join("run-notes.txt"), "floor 3: D6").unwrap();
    let (code, _, stderr, _) = run(
        tmp.path(),
        &["catalog", "import", "--huiji", p(&huiji), "--out", p(&mine)],
    );
    assert_eq!(code, 1, "{stderr}");
    one_line(&stderr);
    assert!(stderr.contains("holds other files"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(mine.join("run-notes.txt")).unwrap(),
        "floor 3: D6"
    );

    // The source of the same run.
    let copy = tmp.path().join("huiji-copy");
    std::fs::create_dir_all(&copy).unwrap();
    for f in std::fs::read_dir(&huiji).unwrap() {
        let f = f.unwrap();
        std::fs::copy(f.path(), copy.join(f.file_name())).unwrap();
    }
    let (code, _, stderr, _) = run(
        tmp.path(),
        &["catalog", "import", "--huiji", p(&copy), "--out", p(&copy)],
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("reads from"), "{stderr}");
    assert!(copy.join("id_mapping_dict.json").is_file());

    // An empty dictionary does not silently replace a full catalog.
    let catalog = tmp.path().join("catalog");
    let (code, _, stderr, _) = run(
        tmp.path(),
        &[
            "catalog",
            "import",
            "--huiji",
            p(&huiji),
            "--out",
            p(&catalog),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let empty = tmp.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    for f in ["Collectibles_sprite.png", "Trinket_sprite.png"] {
        std::fs::copy(huiji.join(f), empty.join(f)).unwrap();
    }
    std::fs::write(empty.join("id_mapping_dict.json"), "{}").unwrap();
    let (code, _, stderr, _) = run(
        tmp.path(),
        &[
            "catalog",
            "import",
            "--huiji",
            p(&empty),
            "--out",
            p(&catalog),
        ],
    );
    assert_eq!(code, 1, "{stderr}");
    one_line(&stderr);
    assert!(
        stderr.contains("would drop 907 of its 907 items"),
        "{stderr}"
    );
    let kept = isaac_lens::catalog::Catalog::load(&catalog).unwrap();
    assert_eq!(kept.len(), 907);
}

#[test]
fn train_refuses_an_output_that_is_a_file_or_a_folder_of_other_files() {
    let tmp = tempfile::tempdir().unwrap();
    let catalog = real_catalog().dir();
    let train_into = |out: &Path| {
        run(
            tmp.path(),
            &[
                "train",
                "--catalog",
                p(catalog),
                "--minutes",
                "1",
                "--out",
                p(out),
            ],
        )
    };
    let file = tmp.path().join("notes.txt");
    std::fs::write(&file, "mine").unwrap();
    let (code, _, stderr, took) = train_into(&file);
    assert_eq!(code, 1, "{stderr}");
    one_line(&stderr);
    assert!(stderr.contains("is a file"), "{stderr}");
    assert!(
        took < Duration::from_secs(30),
        "refused only after {took:?}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine");
    // Nothing hidden was left beside it.
    let names: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["notes.txt".to_string()], "{names:?}");

    let folder = tmp.path().join("photos");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("a.jpg"), "x").unwrap();
    let (code, _, stderr, _) = train_into(&folder);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("holds other files"), "{stderr}");
    assert!(folder.join("a.jpg").is_file());
}

#[test]
fn numbers_out_of_range_are_one_line_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let catalog = p(real_catalog().dir());
    let image = shared().join("real-examples/test_00013.png");
    let (code, _, stderr, _) = run(
        tmp.path(),
        &[
            "predict",
            "--catalog",
            catalog,
            "--threads",
            "4294967296",
            p(&image),
        ],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("4294967296"), "{stderr}");
    for (flag, value, expect) in [
        ("--minutes", "inf", "minutes inf is outside"),
        ("--minutes", "NaN", "minutes NaN is outside"),
        ("--minutes", "-1", "minutes -1 is outside"),
        (
            "--batch-size",
            "99999999999",
            "batch size 99999999999 is outside",
        ),
        ("--learning-rate", "NaN", "learning rate NaN is outside"),
        ("--input-size", "4", "input size 4 is outside"),
        (
            "--validation-per-class",
            "0",
            "validation per class 0 is outside",
        ),
    ] {
        let out = tmp.path().join("model");
        // `--minutes=-1`: a negative value has to be attached to its flag.
        let arg = format!("{flag}={value}");
        let (code, _, stderr, took) = run(
            tmp.path(),
            &["train", "--catalog", catalog, "--out", p(&out), &arg],
        );
        assert_eq!(code, 1, "{flag} {value}: {stderr}");
        one_line(&stderr);
        assert!(stderr.contains(expect), "{flag} {value}: {stderr}");
        assert!(
            took < Duration::from_secs(30),
            "{flag} {value}: refused after {took:?}"
        );
        assert!(!out.exists());
    }
}

/// A copy of the shipped checkpoint with its manifest and weights edited.
fn damaged_model(
    dir: &Path,
    manifest_edit: impl Fn(&mut serde_json::Value),
    weights_edit: impl Fn(&str, tch::Tensor) -> tch::Tensor,
) -> PathBuf {
    let out = dir.join("damaged");
    std::fs::create_dir_all(&out).unwrap();
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(shipped_dir().join("manifest.json")).unwrap())
            .unwrap();
    manifest_edit(&mut manifest);
    std::fs::write(
        out.join("manifest.json"),
        serde_json::to_vec(&manifest).unwrap(),
    )
    .unwrap();
    let tensors: Vec<(String, tch::Tensor)> =
        tch::Tensor::read_safetensors(shipped_dir().join("model.safetensors"))
            .unwrap()
            .into_iter()
            .map(|(name, t)| {
                let t = weights_edit(&name, t);
                (name, t)
            })
            .collect();
    tch::Tensor::write_safetensors(&tensors, out.join("model.safetensors")).unwrap();
    out
}

/// Makes a damaged checkpoint in the given folder.
type MakeModel = Box<dyn Fn(&Path) -> PathBuf>;

#[test]
fn damaged_checkpoints_end_in_a_clear_error_not_a_hang() {
    let catalog = p(real_catalog().dir());
    let image = shared().join("real-examples/test_00013.png");
    let labels = shared().join("real-examples/labels.csv");
    let keep = |_: &str, t: tch::Tensor| t;
    let cases: Vec<(&str, MakeModel)> = vec![
        (
            "not 32-bit float",
            Box::new(move |d| {
                damaged_model(
                    d,
                    |_| {},
                    |n, t| {
                        if n == "head.weight" {
                            t.to_kind(tch::Kind::Int)
                        } else {
                            t
                        }
                    },
                )
            }),
        ),
        (
            "has shape [1]",
            Box::new(move |d| {
                damaged_model(
                    d,
                    |_| {},
                    |n, t| {
                        if n == "head.bias" {
                            t.narrow(0, 0, 1)
                        } else {
                            t
                        }
                    },
                )
            }),
        ),
        (
            "holds NaN or infinite numbers",
            Box::new(move |d| {
                damaged_model(
                    d,
                    |_| {},
                    |n, t| {
                        if n == "head.weight" {
                            t.full_like(f64::NAN)
                        } else {
                            t
                        }
                    },
                )
            }),
        ),
        (
            "input_size 0 is outside",
            Box::new(move |d| damaged_model(d, |m| m["input_size"] = 0.into(), keep)),
        ),
        (
            "input_size 4 is outside",
            Box::new(move |d| damaged_model(d, |m| m["input_size"] = 4.into(), keep)),
        ),
        (
            "input_size 100000 is outside",
            Box::new(move |d| damaged_model(d, |m| m["input_size"] = 100000.into(), keep)),
        ),
        (
            "temperature 0 is outside",
            Box::new(move |d| damaged_model(d, |m| m["temperature"] = 0.into(), keep)),
        ),
        (
            "temperature -1 is outside",
            Box::new(move |d| damaged_model(d, |m| m["temperature"] = (-1).into(), keep)),
        ),
    ];
    for (expect, make) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let model = make(tmp.path());
        for command in ["predict", "eval"] {
            let args: Vec<&str> = match command {
                "predict" => vec![
                    "predict",
                    "--catalog",
                    catalog,
                    "--model",
                    p(&model),
                    p(&image),
                ],
                _ => vec![
                    "eval",
                    "--catalog",
                    catalog,
                    "--model",
                    p(&model),
                    "--labels",
                    p(&labels),
                ],
            };
            let (code, _, stderr, took) = run(tmp.path(), &args);
            assert_eq!(code, 1, "{command} {expect}: {stderr}");
            one_line(&stderr);
            assert!(stderr.contains(expect), "{command} {expect}: {stderr}");
            assert!(stderr.contains("damaged"), "names the model: {stderr}");
            assert!(
                took < Duration::from_secs(60),
                "{command} {expect}: {took:?}"
            );
        }
    }
}
