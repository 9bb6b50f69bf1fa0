//! Development aid: writes whole synthetic game frames (the second validation set's source)
//! and the crops a player's boxes cut from them, to look at; and `windows.png`, training
//! samples cut from whole frames (`frames::render_window`: the top half items, the bottom
//! half no item), with their render time against the crop renderer's; and `room_N.png`,
//! frames of the real-room scan validation, and `blind_room_N.png`, the same under the Curse of
//! the Blind.
//! `cargo run --release --example frame_samples -- OUT_DIR [FRAMES]` (the data folder's catalog).
use image::DynamicImage;
use isaac_lens::catalog::Catalog;
use isaac_lens::engine::frames;
use isaac_lens::engine::synth::{self, SampleSpec, Split, Style, SynthAssets, SynthOptions};
use rand::SeedableRng;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let out = std::path::PathBuf::from(
        args.next()
            .ok_or_else(|| anyhow::anyhow!("usage: frame_samples OUT_DIR [FRAMES]"))?,
    );
    let count: u64 = args.next().map(|n| n.parse()).transpose()?.unwrap_or(3);
    let catalog = Catalog::load(&isaac_lens::paths::default_catalog_dir())?;
    let shared = isaac_lens::paths::default_backgrounds();
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
    // Frames of the real-room scan validation: one of each kind.
    if let Some(rooms) = isaac_lens::engine::scan_validation::room_frames(&assets, 4, 2) {
        for (i, room) in rooms.iter().enumerate() {
            room.image.save(out.join(format!("room_{i}.png")))?;
        }
    }
    // Curse of the Blind: a shop and a choice room with the catalog's last mark (its "?") in
    // place of every item.
    let mark = catalog.altars().and_then(|a| a.blind_marks().last());
    let blind =
        mark.and_then(|m| isaac_lens::engine::scan_validation::blind_room_frames(&assets, 3, 4, m));
    for (i, room) in blind.iter().flatten().enumerate() {
        room.image.save(out.join(format!("blind_room_{i}.png")))?;
    }
    window_sheet(&assets, &out)?;
    println!("wrote {count} frames to {}", out.display());
    Ok(())
}

fn window_sheet(assets: &SynthAssets, out: &std::path::Path) -> anyhow::Result<()> {
    let options = SynthOptions::default();
    let spec = |i: u32| SampleSpec {
        class: (i < 32).then_some((i as usize * 131) % assets.classes()),
        style: if i % 4 == 3 {
            Style::Phone
        } else {
            Style::Screenshot
        },
        split: Split::Train,
        seed: u64::from(i) + 1000,
    };
    let mut sheet = image::RgbImage::new(8 * 66, 8 * 66);
    let start = std::time::Instant::now();
    for i in 0..64u32 {
        let img = frames::render_window(assets, spec(i), 64, &options);
        image::imageops::overlay(
            &mut sheet,
            &img,
            i64::from(i % 8 * 66),
            i64::from(i / 8 * 66),
        );
    }
    let window_ms = start.elapsed().as_secs_f64() * 1000.0 / 64.0;
    let start = std::time::Instant::now();
    for i in 0..64u32 {
        let _ = synth::render(assets, spec(i), 64, &options);
    }
    let crop_ms = start.elapsed().as_secs_f64() * 1000.0 / 64.0;
    println!("render at 64 px: {window_ms:.2} ms per frame window, {crop_ms:.2} ms per crop");
    sheet.save(out.join("windows.png"))?;
    Ok(())
}
