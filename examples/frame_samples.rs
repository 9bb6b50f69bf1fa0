//! Development aid: writes whole synthetic game frames (the second validation set's source)
//! and the crops a player's boxes cut from them, to look at.
//! `cargo run --release --example frame_samples -- OUT_DIR [FRAMES]` (the data folder's catalog).
use image::DynamicImage;
use isaac_lens::catalog::Catalog;
use isaac_lens::engine::frames;
use isaac_lens::engine::synth::{Split, SynthAssets};
use rand::SeedableRng;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let out = std::path::PathBuf::from(
        args.next()
            .ok_or_else(|| anyhow::anyhow!("usage: frame_samples OUT_DIR [FRAMES]"))?,
    );
    let count: u64 = args.next().map(|n| n.parse()).transpose()?.unwrap_or(3);
    let catalog = Catalog::load(&isaac_lens::paths::default_catalog_dir())?;
    let shared = isaac_lens::paths::shared_isaac_dir().map(|d| d.join("backgrounds"));
    let assets = SynthAssets::load(&catalog, shared.as_deref())?;
    std::fs::create_dir_all(&out)?;
    for f in 0..count {
        let classes: Vec<usize> = (0..4)
            .map(|i| ((f * 97 + i * 211) as usize) % catalog.len())
            .collect();
        let frame = frames::compose(&assets, &classes, Split::Validation, f);
        frame.image.save(out.join(format!("frame_{f}.png")))?;
        let mut rng = rand::rngs::StdRng::seed_from_u64(f);
        for (i, item) in frame.items.iter().enumerate() {
            let [x, y, w, h] = frames::loose_box(item.cell, frame.image.dimensions(), &mut rng);
            DynamicImage::ImageRgb8(image::imageops::crop_imm(&frame.image, x, y, w, h).to_image())
                .save(out.join(format!(
                    "frame_{f}_crop_{i}_{}.png",
                    catalog.items()[item.class].name_en.replace(' ', "_")
                )))?;
        }
    }
    println!("wrote {count} frames to {}", out.display());
    Ok(())
}
