#![allow(clippy::unwrap_used)] // a test fails loudly on a broken fixture

mod common;

use std::path::Path;

use image::{Rgba, RgbaImage};
use isaac_lens::catalog::import::{ImportSources, import};
use isaac_lens::catalog::{Catalog, ItemKey, ItemKind};

use common::{real_catalog, shared};

fn key(kind: ItemKind, id: u32) -> ItemKey {
    ItemKey::new(kind, id)
}

#[test]
fn shared_data_imports_every_item_with_both_languages() {
    let c = real_catalog();
    assert_eq!(c.count(ItemKind::Collectible), 719);
    assert_eq!(c.count(ItemKind::Trinket), 188);
    assert_eq!(c.len(), 907);
    let cases = [
        (key(ItemKind::Collectible, 1), "The Sad Onion", "悲伤洋葱"),
        (key(ItemKind::Collectible, 270), "Leech", "水蛭"),
        (key(ItemKind::Trinket, 10), "Wiggle Worm", "蠕动虫"),
    ];
    for (k, en, zh) in cases {
        let item = c.get(k).unwrap_or_else(|| panic!("{k} missing"));
        assert_eq!(item.name_en, en);
        assert_eq!(item.name_zh, zh);
        assert!(
            !item.description_en.is_empty() && !item.description_zh.is_empty(),
            "{k} lacks a description"
        );
    }
    let onion = c.get(key(ItemKind::Collectible, 1)).unwrap();
    assert!(
        onion.description_en.contains("+0.7 Tears"),
        "{}",
        onion.description_en
    );
    assert!(
        onion.description_zh.contains("射速"),
        "{}",
        onion.description_zh
    );
    assert_eq!(onion.quality, Some(3));
    let missing_zh_name = c.items().iter().filter(|i| i.name_zh.is_empty()).count();
    assert_eq!(missing_zh_name, 0);
    // Trinkets have no quality; actives keep their charge.
    assert_eq!(c.get(key(ItemKind::Trinket, 1)).unwrap().quality, None);
    assert_eq!(
        c.get(key(ItemKind::Collectible, 33))
            .unwrap()
            .charge
            .as_deref(),
        Some("4")
    );
}

#[test]
fn sprites_keep_alpha_exactly_semi_transparent_wings_included() {
    let c = real_catalog();
    let sheet = image::open(shared().join("huiji/Collectibles_sprite.png"))
        .unwrap()
        .to_rgba8();
    // BBF (272) at (288, 416): pixel-exact, alpha included. In this sheet its alpha is 0/255 only;
    // Lost Fly (365) and Crown of Light (415) carry the semi-transparent wings and glow.
    for (id, name, semi_at_least) in [
        (272, "BBF", 0),
        (365, "Lost Fly", 90),
        (415, "Crown Of Light", 600),
    ] {
        let item = c.get(key(ItemKind::Collectible, id)).unwrap();
        assert_eq!(item.name_en, name);
        let sprite = c.sprite(item).unwrap();
        assert_eq!(sprite.dimensions(), (32, 32));
        let semi = sprite.pixels().filter(|p| p[3] > 0 && p[3] < 255).count();
        assert!(
            semi >= semi_at_least,
            "{name}: only {semi} semi-transparent pixels"
        );
        let dict: serde_json::Value = serde_json::from_slice(
            &std::fs::read(shared().join("huiji/id_mapping_dict.json")).unwrap(),
        )
        .unwrap();
        let entry = &dict[format!("collectibles_{id:03}")];
        let (x, y) = (
            entry["x"].as_u64().unwrap() as u32,
            entry["y"].as_u64().unwrap() as u32,
        );
        let cell = image::imageops::crop_imm(&sheet, x, y, 32, 32).to_image();
        assert_eq!(
            sprite.as_raw(),
            cell.as_raw(),
            "{name} differs from its sheet cell"
        );
    }
}

#[test]
fn search_is_case_and_width_insensitive_in_both_languages() {
    let c = real_catalog();
    for query in [
        "sad onion",
        "onion",
        "洋葱",
        "SAD ONION",
        "ｓａｄ ｏｎｉｏｎ",
        "悲伤洋葱",
    ] {
        let hits = c.search(query);
        assert_eq!(
            hits.first().map(|i| i.id),
            Some(1),
            "{query:?} → {:?}",
            hits.first().map(|i| &i.name_en)
        );
        assert_eq!(hits[0].kind, ItemKind::Collectible);
    }
    assert_eq!(c.find("collectible:270").unwrap().name_en, "Leech");
    assert_eq!(c.find("水蛭").unwrap().id, 270);
    assert!(c.search("zzzz-no-such-item").is_empty());
    // EID's own translation of Wiggle Worm stays findable as an alias.
    assert_eq!(
        c.find("扭扭虫").map(|i| i.key()),
        Some(key(ItemKind::Trinket, 10))
    );
    // Descriptions are searched too (Leech heals when it kills).
    assert!(
        c.search("heals")
            .iter()
            .any(|i| i.id == 270 && i.kind == ItemKind::Collectible)
    );
}

#[test]
fn reloading_round_trips_and_newer_schemas_are_refused() {
    let c = real_catalog();
    let again = Catalog::load(c.dir()).unwrap();
    assert_eq!(again.items(), c.items());
    let dir = tempfile::tempdir().unwrap();
    let json = std::fs::read_to_string(c.dir().join("catalog.json")).unwrap();
    std::fs::write(
        dir.path().join("catalog.json"),
        json.replacen("\"schema_version\": 1", "\"schema_version\": 99", 1),
    )
    .unwrap();
    let err = Catalog::load(dir.path()).unwrap_err().to_string();
    assert!(
        err.contains("newer") && err.contains("catalog.json"),
        "{err}"
    );
    std::fs::write(
        dir.path().join("catalog.json"),
        &json.as_bytes()[..json.len() / 2],
    )
    .unwrap();
    let err = Catalog::load(dir.path()).unwrap_err().to_string();
    assert!(
        err.contains("not valid JSON") && err.contains("catalog.json"),
        "{err}"
    );
}

// ------------------------------------------------------------------ huiji fixtures

/// A two-item wiki scrape: collectible 1 at (0,0) and trinket 1 at (0,0) of its own sheet.
fn write_huiji(dir: &Path, dict: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("id_mapping_dict.json"), dict).unwrap();
    let mut sheet = RgbaImage::new(64, 32);
    sheet.put_pixel(3, 3, Rgba([255, 0, 0, 128]));
    sheet.save(dir.join("Collectibles_sprite.png")).unwrap();
    RgbaImage::new(32, 32)
        .save(dir.join("Trinket_sprite.png"))
        .unwrap();
}

const GOOD_DICT: &str = r#"{
  "collectibles_001": {"x": 0, "y": 0, "en": "The Sad Onion", "zh": "悲伤洋葱", "level": "1", "type": "道具", "level2": "3", "?": "/", "desc": "射速上升。"},
  "collectibles_002": {"x": 32, "y": 0},
  "collectibles_733": {"x": 0, "y": 0, "en": "Swallowed Penny", "zh": "被吞下的硬币", "level": "1", "type": "饰品", "level2": "0", "?": "/", "desc": "受伤时生成硬币。"}
}"#;

fn import_err(sources: ImportSources, out: &Path) -> String {
    import(&sources, out, false)
        .map(|_| ())
        .unwrap_err()
        .to_string()
}

fn huiji_only(dir: &Path) -> ImportSources {
    ImportSources {
        huiji: Some(dir.to_path_buf()),
        ..Default::default()
    }
}

#[test]
fn small_huiji_fixture_imports_and_keeps_alpha() {
    let tmp = tempfile::tempdir().unwrap();
    write_huiji(&tmp.path().join("h"), GOOD_DICT);
    let (c, report) = import(
        &huiji_only(&tmp.path().join("h")),
        &tmp.path().join("out"),
        false,
    )
    .unwrap();
    assert_eq!((report.collectibles, report.trinkets), (1, 1));
    assert_eq!(report.missing_description_en.len(), 2);
    let onion = c.get(key(ItemKind::Collectible, 1)).unwrap();
    assert_eq!(
        c.sprite(onion).unwrap().get_pixel(3, 3),
        &Rgba([255, 0, 0, 128])
    );
}

#[test]
fn broken_huiji_inputs_are_clear_errors_and_leave_the_old_catalog() {
    let tmp = tempfile::tempdir().unwrap();
    let h = tmp.path().join("h");
    let out = tmp.path().join("out");
    write_huiji(&h, GOOD_DICT);
    import(&huiji_only(&h), &out, false).unwrap();
    let before = std::fs::read(out.join("catalog.json")).unwrap();

    let cases: Vec<(String, &str)> = vec![
        (
            GOOD_DICT[..GOOD_DICT.len() / 2].to_string(),
            "id_mapping_dict.json",
        ),
        (
            GOOD_DICT.replace(
                r#""x": 0, "y": 0, "en": "The Sad"#,
                r#""x": 640, "y": 0, "en": "The Sad"#,
            ),
            "outside the 64x32 sheet",
        ),
        (
            GOOD_DICT.replace(
                r#""level": "1", "type": "饰品""#,
                r#""level": "1", "type": "道具""#,
            ),
            "duplicate id collectible:1",
        ),
        (
            GOOD_DICT.replace(
                r#""level": "1", "type": "道具""#,
                r#""level": "x", "type": "道具""#,
            ),
            "bad game id",
        ),
    ];
    for (dict, expected) in cases {
        std::fs::write(h.join("id_mapping_dict.json"), dict).unwrap();
        let err = import_err(huiji_only(&h), &out);
        assert!(
            err.contains(expected),
            "{err:?} should mention {expected:?}"
        );
        assert_eq!(
            std::fs::read(out.join("catalog.json")).unwrap(),
            before,
            "old catalog changed"
        );
    }
    std::fs::write(h.join("id_mapping_dict.json"), GOOD_DICT).unwrap();

    // A corrupt sprite sheet.
    std::fs::write(
        h.join("Collectibles_sprite.png"),
        b"\x89PNG\r\n\x1a\nbroken",
    )
    .unwrap();
    let err = import_err(huiji_only(&h), &out);
    assert!(err.contains("Collectibles_sprite.png"), "{err}");
    write_huiji(&h, GOOD_DICT);

    // CSS that disagrees with the dict.
    std::fs::write(
        h.join("items.css"),
        "#collectibles_001{background-position:-32px -0px}",
    )
    .unwrap();
    let err = import_err(huiji_only(&h), &out);
    assert!(
        err.contains("items.css") && err.contains("(32, 0)"),
        "{err}"
    );
    std::fs::remove_file(h.join("items.css")).unwrap();

    // A missing folder, and an unwritable target (a path through a file).
    let err = import_err(huiji_only(&tmp.path().join("nope")), &out);
    assert!(
        err.contains("nope") && err.contains("id_mapping_dict.json"),
        "{err}"
    );
    let blocker = tmp.path().join("file");
    std::fs::write(&blocker, "x").unwrap();
    let err = import_err(huiji_only(&h), &blocker.join("catalog"));
    assert!(err.contains("file"), "{err}");

    // Nothing staged is left behind.
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn eid_tables_merge_and_broken_lua_names_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let h = tmp.path().join("h");
    write_huiji(&h, GOOD_DICT);
    let eid = tmp.path().join("eid");
    for sub in ["names", "ab+", "rep"] {
        std::fs::create_dir_all(eid.join(sub)).unwrap();
    }
    std::fs::write(
        eid.join("names/en_us.lua"),
        "local C_ID = \"5.100.\"\nlocal T_ID = \"5.350.\"\nlocal collectibles = {\n [C_ID .. 1] = \"The Sad Onion\",\n}\nEID:updateDescriptionsViaTable(collectibles, EID.ItemNames[languageCode])\nlocal trinkets = { [T_ID .. 1] = \"Swallowed Penny\" }\nEID:updateDescriptionsViaTable(trinkets, EID.ItemNames[languageCode])\n",
    )
    .unwrap();
    std::fs::write(
        eid.join("ab+/en_us.lua"),
        "EID.descriptions[languageCode].collectibles={\n {\"1\", \"The Sad Onion\", \"old\"},\n}\nEID.descriptions[languageCode].trinkets={\n {\"1\", \"Swallowed Penny\", \"Taking damage drops a coin\"},\n}\n",
    )
    .unwrap();
    std::fs::write(
        eid.join("rep/en_us.lua"),
        "local repCollectibles={\n [1] = {\"1\", \"The Sad Onion\", \"↑ {{Tears}} +0.7 Tears\"},\n}\nEID:updateDescriptionsViaTable(repCollectibles, EID.descriptions[languageCode].collectibles)\n",
    )
    .unwrap();
    let sources = ImportSources {
        huiji: Some(h.clone()),
        eid: Some(eid.clone()),
        game: None,
        art: None,
        game_files: None,
        entities: None,
    };
    let (c, _) = import(&sources, &tmp.path().join("out"), false).unwrap();
    assert_eq!(
        c.get(key(ItemKind::Collectible, 1)).unwrap().description_en,
        "↑ {{Tears}} +0.7 Tears"
    );
    assert_eq!(
        c.get(key(ItemKind::Trinket, 1)).unwrap().description_en,
        "Taking damage drops a coin"
    );

    std::fs::write(
        eid.join("rep/en_us.lua"),
        "local repCollectibles={\n [1] = {\"1\", \"x\", \"y\"},\n",
    )
    .unwrap();
    let err = import_err(sources.clone(), &tmp.path().join("out"));
    assert!(
        err.contains("rep/en_us.lua") && err.contains("line 1") && err.contains("never closed"),
        "{err}"
    );

    let err = import_err(
        ImportSources {
            eid: Some(eid),
            ..Default::default()
        },
        &tmp.path().join("out2"),
    );
    assert!(err.contains("--huiji or --game"), "{err}");
}

// ------------------------------------------------------------------- game files

fn write_game(dir: &Path) {
    std::fs::create_dir_all(dir.join("gfx/items/collectibles")).unwrap();
    std::fs::create_dir_all(dir.join("gfx/items/trinkets")).unwrap();
    std::fs::write(
        dir.join("items.xml"),
        r##"<items gfxroot="gfx/items/" version="1">
  <passive description="#THE_SAD_ONION_DESCRIPTION" gfx="Collectibles_001_TheSadOnion.png" id="1" name="#THE_SAD_ONION_NAME" />
  <active description="Reusable" gfx="Collectibles_033_TheBible.png" id="33" maxcharges="4" name="The Bible" />
  <!-- <active description="#PILLS_HERE_DESCRIPTION" id="43" name="#PILLS_HERE_NAME" /> -->
  <passive description="x" gfx="Collectibles_059.png" id="59" name="Belial" hidden="true" />
  <trinket id="10" gfx="trinket_010_WiggleWorm.png" name="#WIGGLE_WORM_NAME" description="#WIGGLE_WORM_DESCRIPTION" />
  <null id="41" name="huge growth" cache="damage range size" />
</items>"##,
    )
    .unwrap();
    std::fs::write(
        dir.join("items_metadata.xml"),
        r#"<items><item id="1" quality="3" tags=""/><item id="33" quality="3" tags=""/></items>"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("stringtable.sta"),
        r#"<?xml version="1.0" encoding="UTF-8"?>
<stringtable>
  <languages>
    <language id="21" index="0" name="Key"/>
    <language id="0" index="1" name="English"/>
    <language id="2" index="2" name="Japanese"/>
    <language id="13" index="3" name="Chinese (Simple)"/>
  </languages>
  <category name="Items">
    <key name="THE_SAD_ONION_NAME"><string>The Sad Onion</string><string>悲しいタマネギ</string><string>悲伤洋葱</string></key>
    <key name="THE_SAD_ONION_DESCRIPTION"><string>Tears up</string><string>x</string><string>射速提升</string></key>
    <key name="WIGGLE_WORM_NAME"><string>Wiggle Worm</string><string>x</string><string>蠕动虫</string></key>
    <key name="WIGGLE_WORM_DESCRIPTION"><string>Wiggle tears &amp; more</string><string>x</string><string>扭曲泪弹</string></key>
  </category>
</stringtable>"#,
    )
    .unwrap();
    // File names lower-cased on disk, as the extractor writes them.
    let mut red = RgbaImage::new(32, 32);
    red.put_pixel(0, 0, Rgba([200, 0, 0, 255]));
    red.save(dir.join("gfx/items/collectibles/collectibles_001_thesadonion.png"))
        .unwrap();
    RgbaImage::new(32, 32)
        .save(dir.join("gfx/items/collectibles/collectibles_033_thebible.png"))
        .unwrap();
    RgbaImage::new(16, 16)
        .save(dir.join("gfx/items/trinkets/trinket_010_wiggleworm.png"))
        .unwrap();
}

#[test]
fn game_files_import_visible_items_with_both_languages() {
    let tmp = tempfile::tempdir().unwrap();
    let g = tmp.path().join("resources");
    write_game(&g);
    let sources = ImportSources {
        game: Some(g.clone()),
        ..Default::default()
    };
    let (c, report) = import(&sources, &tmp.path().join("out"), false).unwrap();
    let keys: Vec<String> = c.items().iter().map(|i| i.key().to_string()).collect();
    assert_eq!(keys, ["collectible:1", "collectible:33", "trinket:10"]);
    let onion = c.get(key(ItemKind::Collectible, 1)).unwrap();
    assert_eq!(
        (onion.name_en.as_str(), onion.name_zh.as_str()),
        ("The Sad Onion", "悲伤洋葱")
    );
    assert_eq!(onion.description_en, "Tears up");
    assert_eq!(onion.quality, Some(3));
    assert_eq!(
        c.sprite(onion).unwrap().get_pixel(0, 0),
        &Rgba([200, 0, 0, 255])
    );
    let bible = c.get(key(ItemKind::Collectible, 33)).unwrap();
    assert_eq!(
        (bible.name_en.as_str(), bible.charge.as_deref()),
        ("The Bible", Some("4"))
    );
    let worm = c.get(key(ItemKind::Trinket, 10)).unwrap();
    assert_eq!(
        (worm.name_zh.as_str(), worm.description_en.as_str()),
        ("蠕动虫", "Wiggle tears & more")
    );
    assert_eq!(c.sprite(worm).unwrap().dimensions(), (32, 32));
    assert_eq!(report.missing_name_zh, vec![key(ItemKind::Collectible, 33)]);

    // Truncated XML names the file.
    let xml = std::fs::read_to_string(g.join("items.xml")).unwrap();
    std::fs::write(g.join("items.xml"), &xml[..xml.len() - 40]).unwrap();
    let err = import_err(sources.clone(), &tmp.path().join("out"));
    assert!(err.contains("items.xml"), "{err}");
    std::fs::write(g.join("items.xml"), xml.replace("id=\"33\"", "id=\"1\"")).unwrap();
    let err = import_err(sources, &tmp.path().join("out"));
    assert!(err.contains("duplicate id collectible:1"), "{err}");
}

/// Older official art comes in as more looks of the same items: kept with the item, written
/// into the catalog folder, pixel for pixel.
#[test]
fn older_art_is_imported_as_more_looks_of_the_same_items() {
    let c = real_catalog();
    let with_older: Vec<_> = c
        .items()
        .iter()
        .filter(|i| !i.older_sprites.is_empty())
        .collect();
    let sprites: usize = with_older.iter().map(|i| i.older_sprites.len()).sum();
    assert_eq!(with_older.len(), 151, "items with older art");
    assert_eq!(sprites, 169, "older sprites");
    let magic_8_ball = c.get(ItemKey::new(ItemKind::Collectible, 194)).unwrap();
    let versions: Vec<&str> = magic_8_ball
        .older_sprites
        .iter()
        .map(|o| o.version.as_str())
        .collect();
    assert!(
        versions.contains(&"rebirth") && versions.contains(&"abplus"),
        "{versions:?}"
    );
    let older = c.older_sprites(magic_8_ball).unwrap();
    let original = image::open(shared().join("art-versions/collectible_194_rebirth.png"))
        .unwrap()
        .to_rgba8();
    assert!(
        older.contains(&original),
        "the Rebirth sprite was changed on import"
    );
    assert_ne!(older[0], c.sprite(magic_8_ball).unwrap());
    // A catalog written without the art is the same items, without older looks.
    let tmp = tempfile::tempdir().unwrap();
    let plain = import(
        &ImportSources {
            art: None,
            game_files: None,
            entities: None,
            ..ImportSources::from_shared(&shared())
        },
        &tmp.path().join("plain"),
        false,
    )
    .unwrap()
    .0;
    assert_eq!(plain.len(), c.len());
    assert!(plain.items().iter().all(|i| i.older_sprites.is_empty()));
    // Nor without the game files' transformations.
    assert!(plain.transformations().is_empty());
    assert!(plain.items().iter().all(|i| i.transformations.is_empty()));
    // Nor without the real art's price font.
    assert!(plain.price_font().is_none());
    assert!(!plain.dir().join("price-font").exists());
    assert!(plain.altars().is_none());
    assert!(!plain.dir().join("altars").exists());
}

// ------------------------------------------------------------------ price font

#[test]
fn the_real_art_gives_the_shops_price_font_which_reloads_and_goes_with_a_subset() {
    use isaac_lens::catalog::price_font::Glyph;
    let c = real_catalog();
    let font = c.price_font().expect("the price font was imported");
    // 0 and 2-9, the cent sign, a heart, two hearts, three soul hearts (the dollar sign is
    // not a price); the 1 is made in the font's style and not written out.
    assert_eq!(font.len(), 13);
    let written = std::fs::read_dir(c.dir().join("price-font"))
        .unwrap()
        .count();
    assert_eq!(written, 13);
    let sheet_zero = image::open(shared().join("entities/pedestal/price_digits_bitfont_1.png"))
        .unwrap()
        .to_rgba8();
    assert_eq!(font.glyph(Glyph::Digit(0)), Some(&sheet_zero));
    assert!(font.glyph(Glyph::Digit(1)).is_some());
    let reloaded = Catalog::load(c.dir()).unwrap();
    assert_eq!(reloaded.price_font().unwrap().len(), 13);
    let tmp = tempfile::tempdir().unwrap();
    let subset = c
        .subset(&[key(ItemKind::Collectible, 1)], &tmp.path().join("one"))
        .unwrap();
    let again = Catalog::load(subset.dir()).unwrap();
    assert_eq!(
        again.price_font().unwrap().glyph(Glyph::Cent),
        font.glyph(Glyph::Cent)
    );
}

#[test]
fn the_real_art_gives_the_altars_which_reload_and_go_with_a_subset() {
    let c = real_catalog();
    let altars = c.altars().expect("the altars were imported");
    // The altar sheet's ten stands, in the art folder's order: the first is the devil
    // altar, the fourth the plain stone altar.
    assert_eq!(altars.len(), 10);
    let stone = image::open(shared().join("entities/pedestal/levelitem_001_itemaltar_3.png"))
        .unwrap()
        .to_rgba8();
    assert_eq!(altars.sprites()[3], stone);
    // The two Curse of the Blind "?" marks are kept beside the stands, in the same folder.
    assert_eq!(altars.blind_marks().len(), 2);
    assert_eq!(
        std::fs::read_dir(c.dir().join("altars")).unwrap().count(),
        12
    );
    let reloaded = Catalog::load(c.dir()).unwrap();
    assert_eq!(reloaded.altars().unwrap().len(), 10);
    assert_eq!(
        reloaded.altars().unwrap().blind_marks(),
        altars.blind_marks()
    );
    let tmp = tempfile::tempdir().unwrap();
    let subset = c
        .subset(&[key(ItemKind::Collectible, 1)], &tmp.path().join("one"))
        .unwrap();
    let again = Catalog::load(subset.dir()).unwrap();
    assert_eq!(again.altars().unwrap().sprites(), altars.sprites());
    assert_eq!(again.altars().unwrap().blind_marks(), altars.blind_marks());
}

// ------------------------------------------------------------- transformations

#[test]
fn game_files_give_items_their_transformations_with_both_names() {
    let c = real_catalog();
    let names: Vec<(u8, &str, &str, u8)> = c
        .transformations()
        .iter()
        .map(|t| (t.id, t.name_en.as_str(), t.name_zh.as_str(), t.needed))
        .collect();
    assert_eq!(names.len(), 15, "{names:?}");
    assert_eq!(names[0], (1, "Guppy", "嗝屁猫！", 3));
    assert!(
        names.contains(&(3, "Beelzebub", "别西卜！", 3)),
        "{names:?}"
    );
    // Repentance+ adds Necromancer, by a single entry in its own language files.
    assert!(
        names.contains(&(16, "Necromancer", "死灵法师！", 3)),
        "{names:?}"
    );
    let of = |kind, id| c.get(key(kind, id)).unwrap().transformations.clone();
    assert_eq!(of(ItemKind::Collectible, 145), vec![1]); // Guppy's Head
    assert_eq!(of(ItemKind::Collectible, 12), vec![2, 15]); // Magic Mushroom
    // Later versions replace earlier entries: Repentance+ adds Necromancer to the
    // Necronomicon and Conjoined to Seraphim.
    assert_eq!(of(ItemKind::Collectible, 35), vec![12, 16]);
    assert_eq!(of(ItemKind::Collectible, 390), vec![4, 10]);
    assert_eq!(of(ItemKind::Trinket, 169), vec![1]); // Kid's Drawing
    assert!(of(ItemKind::Collectible, 1).is_empty()); // The Sad Onion
    let guppy = c
        .items()
        .iter()
        .filter(|i| i.transformations.contains(&1))
        .count();
    assert_eq!(guppy, 8);
    // They survive a save and a load.
    let again = Catalog::load(c.dir()).unwrap();
    assert_eq!(again.transformations(), c.transformations());
    assert_eq!(
        again
            .get(key(ItemKind::Collectible, 35))
            .unwrap()
            .transformations,
        vec![12, 16]
    );
}

/// A game-files folder of two versions' tables: the later entry wins, a bad id is an error
/// naming the file, and a folder without tables says what it expected.
#[test]
fn transformation_tables_overlay_by_version_and_bad_ids_name_their_file() {
    let tmp = tempfile::tempdir().unwrap();
    let h = tmp.path().join("h");
    write_huiji(&h, GOOD_DICT);
    let files = tmp.path().join("game-files");
    let descriptions = files.join("eid/descriptions");
    for sub in ["ab+", "rep"] {
        std::fs::create_dir_all(descriptions.join(sub)).unwrap();
    }
    std::fs::write(
        descriptions.join("ab+/transformations.lua"),
        "EID.EntityTransformations={\n [\"5.100.1\"] = \"1\",\n [\"5.350.1\"] = \"2,3\",\n [\"5.70.10\"] = \"14\",\n}\n",
    )
    .unwrap();
    std::fs::write(
        descriptions.join("rep/transformations.lua"),
        "local repTransformations = { [\"5.100.1\"] = \"1,4\" }\nEID:updateDescriptionsViaTable(repTransformations, EID.EntityTransformations)\n",
    )
    .unwrap();
    std::fs::write(
        descriptions.join("ab+/en_us.lua"),
        "EID.descriptions[languageCode].transformations={\n \"\",\n \"Guppy\",\n \"Fun Guy\",\n}\n",
    )
    .unwrap();
    let sources = ImportSources {
        huiji: Some(h),
        game_files: Some(files.clone()),
        ..Default::default()
    };
    let (c, report) = import(&sources, &tmp.path().join("out"), false).unwrap();
    assert_eq!(
        c.get(key(ItemKind::Collectible, 1))
            .unwrap()
            .transformations,
        vec![1, 4]
    );
    assert_eq!(
        c.get(key(ItemKind::Trinket, 1)).unwrap().transformations,
        vec![2, 3]
    );
    let listed: Vec<(u8, &str)> = c
        .transformations()
        .iter()
        .map(|t| (t.id, t.name_en.as_str()))
        .collect();
    // Pills (5.70.*) are not items; ids without a name in the files get a plain one.
    assert_eq!(
        listed,
        vec![
            (1, "Guppy"),
            (2, "Fun Guy"),
            (3, "Transformation 3"),
            (4, "Transformation 4")
        ]
    );
    assert!(
        report
            .lines()
            .join("\n")
            .contains("4 transformations, counted by 2 items"),
        "{:?}",
        report.lines()
    );

    std::fs::write(
        descriptions.join("rep/transformations.lua"),
        "local t = { [\"5.100.1\"] = \"1,99\" }\nEID:updateDescriptionsViaTable(t, EID.EntityTransformations)\n",
    )
    .unwrap();
    let err = import_err(sources.clone(), &tmp.path().join("out"));
    assert!(
        err.contains("rep/transformations.lua")
            && err.contains("\"99\" is not a transformation id"),
        "{err}"
    );
    std::fs::remove_dir_all(files.join("eid")).unwrap();
    let err = import_err(sources, &tmp.path().join("out"));
    assert!(err.contains("eid/descriptions"), "{err}");
}

/// A manifest row that cannot be used is named, and the rest still come in.
#[test]
fn a_broken_art_row_is_named_and_the_rest_imported() {
    let tmp = tempfile::tempdir().unwrap();
    let art = tmp.path().join("art");
    std::fs::create_dir_all(&art).unwrap();
    let src = shared().join("art-versions");
    std::fs::copy(
        src.join("collectible_194_rebirth.png"),
        art.join("good.png"),
    )
    .unwrap();
    std::fs::write(
        art.join("manifest.json"),
        r#"[{"file":"good.png","kind":"collectible","id":194,"version":"rebirth"},
            {"file":"../../etc/passwd","kind":"collectible","id":1,"version":"rebirth"},
            {"file":"missing.png","kind":"collectible","id":2,"version":"rebirth"}]"#,
    )
    .unwrap();
    let (catalog, report) = import(
        &ImportSources {
            art: Some(art),
            ..ImportSources::from_shared(&shared())
        },
        &tmp.path().join("catalog"),
        false,
    )
    .unwrap();
    let lines = report.lines().join("\n");
    assert!(
        lines.contains("row 2: \"../../etc/passwd\" is not a file name"),
        "{lines}"
    );
    assert!(lines.contains("row 3: missing.png"), "{lines}");
    let with_older = catalog
        .items()
        .iter()
        .filter(|i| !i.older_sprites.is_empty())
        .count();
    assert_eq!(with_older, 1);
}
