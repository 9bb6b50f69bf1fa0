//! Bounded fuzzing (proptest) of every reader that takes files from outside: the three
//! importers' parsers (game XML and string table, EID Lua, the Huiji dictionary and CSS), the
//! catalog and checkpoint manifest readers, and image decoding. Inputs are the real samples
//! from `../shared/isaac` and small fixtures, mutated (bytes overwritten, inserted, removed,
//! chunks repeated, the file cut short). Every case must end in a value or a one-line error
//! naming the file, never a panic, an abort or a hang. The number of cases is fixed, so the
//! suite runs in bounded time in `make test`; `PROPTEST_CASES=5000` runs a longer campaign.

#![allow(clippy::unwrap_used)] // a test fails loudly on a broken fixture

mod common;

use std::path::PathBuf;

use isaac_lens::catalog::{Catalog, eid, game, huiji, lua};
use proptest::prelude::*;

use common::shared;

/// One mutation of a byte string.
#[derive(Clone, Debug)]
enum Edit {
    Set(usize, u8),
    Insert(usize, u8),
    Remove(usize, usize),
    Repeat(usize, usize),
    Truncate(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (any::<usize>(), any::<u8>()).prop_map(|(p, b)| Edit::Set(p, b)),
        3 => (any::<usize>(), prop_oneof![Just(b'{'), Just(b'<'), Just(b'"'), Just(b'['), any::<u8>()])
            .prop_map(|(p, b)| Edit::Insert(p, b)),
        2 => (any::<usize>(), 1usize..64).prop_map(|(p, n)| Edit::Remove(p, n)),
        1 => (any::<usize>(), 1usize..4096).prop_map(|(p, n)| Edit::Repeat(p, n)),
        1 => any::<usize>().prop_map(Edit::Truncate),
    ]
}

fn mutate(original: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut b = original.to_vec();
    for e in edits {
        let len = b.len().max(1);
        match *e {
            Edit::Set(p, v) if !b.is_empty() => b[p % len] = v,
            Edit::Insert(p, v) => b.insert(p % (b.len() + 1), v),
            Edit::Remove(p, n) if !b.is_empty() => {
                let at = p % len;
                b.drain(at..(at + n).min(b.len()));
            }
            Edit::Repeat(p, n) if !b.is_empty() => {
                let at = p % len;
                let chunk = b[at..(at + n).min(b.len())].to_vec();
                b.splice(at..at, chunk);
            }
            Edit::Truncate(p) => b.truncate(p % len),
            _ => {}
        }
    }
    b
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    prop::collection::vec(edit(), 1..12)
}

/// An error must be one line and name the file it is about.
fn assert_names_file(message: &str, file: &str) {
    assert!(!message.contains('\n'), "multi-line error: {message}");
    assert!(
        message.contains(file),
        "error does not name {file}: {message}"
    );
}

fn read(path: PathBuf) -> Vec<u8> {
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 200,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// A game resources folder holding the three sample files, one replaced by `bytes`.
fn game_dir(replace: &str, bytes: &[u8]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for name in ["items.xml", "items_metadata.xml", "stringtable.sta"] {
        let data = if name == replace {
            bytes.to_vec()
        } else {
            read(
                shared()
                    .join("game-file-samples")
                    .join(format!("{name}.excerpt")),
            )
        };
        std::fs::write(dir.path().join(name), data).unwrap();
    }
    dir
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn game_files_never_panic(which in 0usize..3, edits in edits()) {
        let name = ["items.xml", "items_metadata.xml", "stringtable.sta"][which];
        let original = read(shared().join("game-file-samples").join(format!("{name}.excerpt")));
        let dir = game_dir(name, &mutate(&original, &edits));
        if let Err(e) = game::read_dir(dir.path()) {
            assert!(!e.to_string().contains('\n'), "{e}");
        }
    }

    #[test]
    fn lua_reader_never_panics(edits in edits(), depth in 0usize..3000) {
        let original = read(shared().join("eid/names/en_us.lua"));
        let mut bytes = mutate(&original[..original.len().min(6000)], &edits);
        // Deep nesting, as a hostile file would have.
        bytes.splice(0..0, std::iter::repeat_n(b'{', depth));
        let text = String::from_utf8_lossy(&bytes);
        let _ = lua::parse(&text);
    }

    #[test]
    fn eid_folder_never_panics(edits in edits()) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("names")).unwrap();
        let original = read(shared().join("eid/names/zh_cn.lua"));
        let path = dir.path().join("names/zh_cn.lua");
        std::fs::write(&path, mutate(&original, &edits)).unwrap();
        if let Err(e) = eid::read_dir(dir.path()) {
            assert_names_file(&e.to_string(), "zh_cn.lua");
        }
    }

    #[test]
    fn huiji_dictionary_and_css_never_panic(css in any::<bool>(), edits in edits()) {
        let dir = tempfile::tempdir().unwrap();
        for name in ["Collectibles_sprite.png", "Trinket_sprite.png", "id_mapping_dict.json", "items.css", "trinket.css"] {
            let from = shared().join("huiji").join(name);
            let to = dir.path().join(name);
            if std::fs::hard_link(&from, &to).is_err() {
                std::fs::copy(&from, &to).unwrap();
            }
        }
        let name = if css { "items.css" } else { "id_mapping_dict.json" };
        let original = read(shared().join("huiji").join(name));
        let path = dir.path().join(name);
        std::fs::remove_file(&path).unwrap();
        std::fs::write(&path, mutate(&original, &edits)).unwrap();
        if let Err(e) = huiji::read_dir(dir.path()) {
            assert_names_file(&e.to_string(), name);
        }
    }

    #[test]
    fn catalog_reader_never_panics(edits in edits()) {
        let dir = tempfile::tempdir().unwrap();
        let original = r#"{"schema_version":1,"items":[{"kind":"collectible","id":1,"name_en":"The Sad Onion","name_zh":"悲伤洋葱","description_en":"Tears up","description_zh":"射速提高","quality":3,"charge":null,"sprite":"sprites/collectible_001.png"}]}"#.as_bytes();
        std::fs::write(dir.path().join("catalog.json"), mutate(original, &edits)).unwrap();
        std::fs::create_dir_all(dir.path().join("sprites")).unwrap();
        image::RgbaImage::new(32, 32).save(dir.path().join("sprites/collectible_001.png")).unwrap();
        // The error names the catalog file, or the sprite file an edited entry points to.
        if let Err(e) = Catalog::load(dir.path()) {
            let e = e.to_string();
            let names_sprite = e.starts_with(&format!("{}/", dir.path().display()))
                && e.contains(": sprite of ");
            if !names_sprite {
                assert_names_file(&e, dir.path().join("catalog.json").to_str().unwrap());
            }
        }
    }

    #[test]
    fn manifest_reader_never_panics(edits in edits()) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("manifest.json"), mutate(&fixture_manifest(), &edits)).unwrap();
        if let Err(e) = isaac_lens::engine::read_manifest(dir.path()) {
            assert_names_file(&e.to_string(), "manifest.json");
        }
    }

    #[test]
    fn image_decoding_never_panics(which in 0usize..2, edits in edits()) {
        let original = if which == 0 {
            read(shared().join("real-examples/test_00013.png"))
        } else {
            read(shared().join("backgrounds/rooms/Shop_1.jpg"))
        };
        let bytes = mutate(&original, &edits);
        if let Ok(img) = isaac_lens::imageio::decode(&bytes) {
            prop_assert!(img.width() <= isaac_lens::imageio::MAX_SIDE);
        }
    }
}

/// A valid manifest (as `train` writes it), for mutation.
fn fixture_manifest() -> Vec<u8> {
    let manifest = isaac_lens::engine::Manifest {
        format_version: isaac_lens::engine::checkpoint::FORMAT_VERSION,
        arch: isaac_lens::engine::model::Arch::Compact,
        input_size: 32,
        mean: [0.45, 0.42, 0.4],
        std: [0.27, 0.26, 0.26],
        classes: vec![isaac_lens::catalog::ItemKey::new(
            isaac_lens::catalog::ItemKind::Collectible,
            1,
        )],
        started_from: None,
        temperature: 0.5,
        recipe: isaac_lens::engine::Recipe::default(),
        metrics: isaac_lens::engine::Metrics::default(),
        training_seconds: 1.0,
        created_unix: 0,
    };
    serde_json::to_vec_pretty(&manifest).unwrap()
}

#[test]
fn deeply_nested_lua_is_refused_with_its_line() {
    let text = format!("local t = {}{}", "{".repeat(10_000), "}".repeat(10_000));
    let e = lua::parse(&text).unwrap_err();
    assert_eq!(e.line, 1);
    assert!(e.message.contains("nested more than"), "{}", e.message);
    // Through the importer the file is named too.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("names")).unwrap();
    std::fs::write(dir.path().join("names/en_us.lua"), text).unwrap();
    let e = eid::read_dir(dir.path()).unwrap_err().to_string();
    assert_names_file(&e, "en_us.lua");
    assert!(e.contains("line 1"), "{e}");
}

#[test]
fn duplicate_dictionary_keys_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["Collectibles_sprite.png", "Trinket_sprite.png"] {
        std::fs::copy(shared().join("huiji").join(name), dir.path().join(name)).unwrap();
    }
    let entry = r#"{"x":32,"y":0,"en":"The Sad Onion","zh":"悲伤洋葱","type":"道具","level":"1","level2":"3","?":"/","desc":"","new_id":0}"#;
    std::fs::write(
        dir.path().join("id_mapping_dict.json"),
        format!(r#"{{"collectibles_001":{entry},"collectibles_001":{entry}}}"#),
    )
    .unwrap();
    let e = huiji::read_dir(dir.path()).unwrap_err().to_string();
    assert_names_file(&e, "id_mapping_dict.json");
    assert!(e.contains("collectibles_001") && e.contains("twice"), "{e}");
}

/// Found by `game_files_never_panic`: an end tag broken across lines made the XML error quote
/// the lines, so the message ran over several.
#[test]
fn xml_errors_quoting_broken_lines_stay_on_one_line() {
    let original = read(shared().join("game-file-samples/stringtable.sta.excerpt"));
    let text = String::from_utf8(original).unwrap();
    let broken = text.replacen("</string>", "</stri\"/>\n    <language id=\">", 1);
    assert_ne!(broken, text, "the excerpt has a </string>");
    let dir = game_dir("stringtable.sta", broken.as_bytes());
    let message = game::read_dir(dir.path()).unwrap_err().to_string();
    assert!(message.contains("stringtable.sta"), "{message}");
    assert!(message.contains("XML error near byte"), "{message}");
    assert!(!message.contains('\n'), "multi-line error: {message}");
}
