//! Crops of the older official art (`shared/isaac/art-versions`) as a screenshot shows them:
//! each sprite at the game's 4x on a real floor crop, in a loose box, with `labels.csv` for
//! `isaac-lens eval`. Usage: `cargo run --release --example older_art_crops -- OUT_DIR`.

use std::path::PathBuf;

use anyhow::Context as _;
use image::{RgbImage, imageops};

fn main() -> anyhow::Result<()> {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .context("usage: older_art_crops OUT_DIR")?,
    );
    let shared = isaac_lens::paths::shared_isaac_dir().context("no ../shared/isaac")?;
    let art = shared.join("art-versions");
    let manifest: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(art.join("manifest.json"))?)?;
    let floors: Vec<RgbImage> = (1..=12)
        .filter_map(|i| image::open(shared.join(format!("backgrounds/floors/bg_{i:05}.png"))).ok())
        .map(|f| f.to_rgb8())
        .collect();
    std::fs::create_dir_all(&out)?;
    let mut labels = String::from("file,kind,game_id\n");
    for (n, row) in manifest.iter().enumerate() {
        let file = row["file"].as_str().context("file")?;
        let sprite = image::open(art.join(file))?.to_rgba8();
        let big = imageops::resize(&sprite, 128, 128, imageops::FilterType::Nearest);
        // A loose box: the sprite off centre on 176 px of floor.
        let floor = &floors[n % floors.len()];
        let mut crop = image::DynamicImage::ImageRgb8(imageops::resize(
            floor,
            176,
            176,
            imageops::FilterType::Triangle,
        ))
        .to_rgba8();
        let (dx, dy) = (14 + (n as i64 * 7) % 34, 10 + (n as i64 * 11) % 38);
        // overlay blends by the sprite's alpha (semi-transparent wings stay so).
        imageops::overlay(&mut crop, &big, dx, dy);
        let crop = image::DynamicImage::ImageRgba8(crop).to_rgb8();
        let name = file.replace(".png", "_crop.png");
        crop.save(out.join(&name))?;
        labels.push_str(&format!(
            "{name},{},{}\n",
            row["kind"].as_str().context("kind")?,
            row["id"].as_u64().context("id")?
        ));
    }
    std::fs::write(out.join("labels.csv"), labels)?;
    println!("{} crops in {}", manifest.len(), out.display());
    Ok(())
}
