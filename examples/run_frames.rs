//! Frames of a short run for `scripts/screenshots.sh`: a held-out real room with three items
//! (then the first taken) and a shop (then one item bought), The D6 in the HUD; 960 wide.
//! `cargo run --release --example run_frames -- OUT_DIR` (the data folder's catalog,
//! `../shared/isaac/backgrounds`).

#[path = "support/data.rs"]
mod data;

use isaac_lens::engine::room_shots::RoomScene;

fn main() -> anyhow::Result<()> {
    let out = std::path::PathBuf::from(
        std::env::args()
            .nth(1)
            .ok_or_else(|| anyhow::anyhow!("usage: run_frames OUT_DIR"))?,
    );
    std::fs::create_dir_all(&out)?;
    let (catalog, assets) = data::catalog_and_assets()?;
    let class = |id: u32| data::class_of(&catalog, id);
    let scene = |kind: usize, seed: u64| {
        RoomScene::first_with(&assets, kind, 3, seed)
            .ok_or_else(|| anyhow::anyhow!("no room of kind {kind}"))
    };
    let (room, shop) = (scene(2, 40)?, scene(1, 20)?);
    for (name, scene, items) in [
        ("a1", &room, [Some(1), Some(118), Some(23)]),
        ("a2", &room, [None, Some(118), Some(23)]),
        ("b1", &shop, [Some(133), Some(12), Some(81)]),
        ("b2", &shop, [Some(133), Some(12), None]),
    ] {
        let mut classes: Vec<Option<usize>> = items.iter().map(|i| i.and_then(class)).collect();
        classes.resize(scene.spots().len(), None);
        scene
            .shot(&assets, &classes, class(105), 960)
            .save(out.join(format!("{name}.png")))?;
    }
    Ok(())
}
