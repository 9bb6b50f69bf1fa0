//! Development aid: the items a scan misses on the real-room validation frames, with what
//! stands nearest each (`cargo run --release --example scan_misses -- MODEL_DIR [FRAMES]
//! [--renderer]`; with `--renderer`, the renderer's validation frames).
use isaac_lens::catalog::Catalog;
use isaac_lens::engine::checkpoint;
use isaac_lens::engine::scan::{ScanOptions, scan};
use isaac_lens::engine::scan_validation::{room_frames, validation_frames};
use isaac_lens::engine::synth::SynthAssets;
use tch::Device;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let model = args
        .get(1)
        .ok_or_else(|| anyhow::anyhow!("usage: scan_misses MODEL_DIR [FRAMES]"))?;
    let count: usize = args.get(2).map_or(Ok(80), |s| s.parse())?;
    tch::set_num_threads(2);
    let catalog = Catalog::load(&isaac_lens::paths::default_catalog_dir())?;
    let shared = isaac_lens::paths::default_backgrounds();
    let assets = SynthAssets::load(&catalog, shared.as_deref())?;
    let ckpt = checkpoint::load(model.as_ref(), &catalog, Device::Cpu)?;
    let frames = if args.iter().any(|a| a == "--renderer") {
        validation_frames(&assets, count, 1)
    } else {
        room_frames(&assets, count, 2)
            .ok_or_else(|| anyhow::anyhow!("needs shared/isaac's rooms and entities"))?
    };
    for (i, frame) in frames.iter().enumerate() {
        let finds = scan(&ckpt, &frame.image, 3, ScanOptions::default(), Device::Cpu)?;
        for item in &frame.items {
            let [x, y, w, h] = item.cell;
            let (cx, cy) = (x + w / 2, y + h / 2);
            let found = finds.iter().any(|f| {
                let b = f.bbox;
                b.x <= cx && cx <= b.x + b.w && b.y <= cy && cy <= b.y + b.h
            });
            if !found {
                let near: Vec<String> = frame
                    .things
                    .iter()
                    .filter(|t| {
                        let [tx, ty, tw, th] = t.cell;
                        let (tcx, tcy) = (tx + tw / 2, ty + th / 2);
                        tcx.abs_diff(cx) < 2 * w && tcy.abs_diff(cy) < 2 * h
                    })
                    .map(|t| t.what.to_string())
                    .collect();
                println!(
                    "frame {i}: missed {} ({:?}) at {:?} of {}x{}; near: {near:?}",
                    catalog.items()[item.class].name_en,
                    item.placement,
                    item.cell,
                    frame.image.width(),
                    frame.image.height()
                );
            }
        }
    }
    Ok(())
}
