//! The frames of the dark-frame check: a real capture (`real-examples/test_00013.png`, Ouija
//! Board on its pedestal) pasted at (900, 500) on a 1920x1080 real room render (`normal.png`),
//! on a flat (19,19,19) frame (`dark.png`, a dark room or a fade) and that frame in grey
//! levels (`grey.png`). Usage: `cargo run --release --example dark_frames -- OUT_DIR`.

use std::path::PathBuf;

use anyhow::Context as _;
use image::{DynamicImage, RgbImage, imageops};

fn main() -> anyhow::Result<()> {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .context("usage: dark_frames OUT_DIR")?,
    );
    let shared = isaac_lens::paths::shared_isaac_dir().context("no ../shared/isaac")?;
    let item = image::open(shared.join("real-examples/test_00013.png"))?.to_rgb8();
    let room = image::open(shared.join("backgrounds/rooms/Shop_1.jpg"))?;
    std::fs::create_dir_all(&out)?;
    let mut normal = room
        .resize_exact(1920, 1080, imageops::FilterType::Triangle)
        .to_rgb8();
    imageops::overlay(&mut normal, &item, 900, 500);
    normal.save(out.join("normal.png"))?;
    let mut dark = RgbImage::from_pixel(1920, 1080, image::Rgb([19, 19, 19]));
    imageops::overlay(&mut dark, &item, 900, 500);
    dark.save(out.join("dark.png"))?;
    DynamicImage::ImageRgb8(dark)
        .to_luma8()
        .save(out.join("grey.png"))?;
    println!("normal.png, dark.png, grey.png in {}", out.display());
    Ok(())
}
