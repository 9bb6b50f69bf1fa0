//! Development aid: why the scan goes wrong on a validation set. Each false find with its
//! best item, score, price and altar match; each item not found and named right with what a
//! loose scan (low thresholds, no altar rule) finds there, so a miss is told apart as never
//! proposed or cut by a threshold; and the altar match of every item found.
//! `cargo run --release --example scan_diag -- MODEL_DIR [FRAMES] [--renderer] [--save DIR]`
//! (the real-room set by default; `--save` writes a crop around each miss).
#[path = "support/data.rs"]
mod data;

use isaac_lens::engine::altar::AltarFinder;
use isaac_lens::engine::blind::BlindFinder;
use isaac_lens::engine::checkpoint;
use isaac_lens::engine::price::PriceReader;
use isaac_lens::engine::scan::{Find, ScanOptions, game_area, scan};
use isaac_lens::engine::scan_validation::{room_frames, validation_frames};
use tch::Device;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let model = args
        .get(1)
        .ok_or_else(|| anyhow::anyhow!("usage: scan_diag MODEL_DIR [FRAMES] [--renderer]"))?;
    let count: usize = args.get(2).map_or(Ok(200), |s| s.parse())?;
    let save = data::flag(&args, "--save");
    tch::set_num_threads(2);
    let (catalog, assets) = data::catalog_and_assets()?;
    let ckpt = checkpoint::load(model.as_ref(), &catalog, Device::Cpu)?;
    let reader = catalog.price_font().map(PriceReader::new);
    let altars = catalog
        .altars()
        .map(AltarFinder::new)
        .ok_or_else(|| anyhow::anyhow!("the catalog has no altars: import with --entities"))?;
    let frames = if args.iter().any(|a| a == "--renderer") {
        validation_frames(&assets, count, 1)
    } else {
        room_frames(&assets, count, 2).ok_or_else(|| anyhow::anyhow!("needs rooms"))?
    };
    let blind = catalog.altars().and_then(BlindFinder::new);
    let options = ScanOptions {
        prices: reader.as_ref(),
        altars: Some(&altars),
        blind: blind.as_ref(),
        ..ScanOptions::default()
    };
    let loose = ScanOptions {
        propose: 0.05,
        keep: 0.05,
        min_top: 0.02,
        altars: None,
        blind: None,
        ..options
    };
    let classes = &ckpt.manifest.classes;
    let name = |f: &Find| {
        f.predictions.first().map_or(String::new(), |p| {
            let item = catalog.get(p.key).map_or("?", |i| i.name_en.as_str());
            format!("{item} {:.2}", p.score)
        })
    };
    let centre = |f: &Find| {
        let b = f.bbox;
        (b.x as f32 + b.w as f32 / 2.0, b.y as f32 + b.h as f32 / 2.0)
    };
    for (i, frame) in frames.iter().enumerate() {
        let rgb = frame.image.to_rgb8();
        let Some(area) = game_area(&rgb) else {
            continue;
        };
        let w = rgb.width();
        let altar = |f: &Find| altars.match_below(&rgb, area, &f.bbox);
        let finds = scan(&ckpt, &frame.image, 5, options, Device::Cpu)?;
        let on = |f: &Find, cell: [u32; 4]| {
            let [x, y, cw, ch] = cell.map(|v| v as f32);
            let (fx, fy) = centre(f);
            (fx - x - cw / 2.0).abs().max((fy - y - ch / 2.0).abs()) <= cw / 2.0
        };
        // With --save, the frame around a find (three times its box).
        let save_around = |f: &Find, what: &str| -> anyhow::Result<()> {
            let Some(dir) = save else { return Ok(()) };
            std::fs::create_dir_all(dir)?;
            let b = f.bbox;
            let (x0, y0) = (b.x.saturating_sub(b.w), b.y.saturating_sub(b.h));
            frame
                .image
                .crop_imm(x0, y0, 3 * b.w, 3 * b.h)
                .save(format!("{dir}/{what}{i:03}_{}.png", b.x))?;
            Ok(())
        };
        for f in finds
            .iter()
            .filter(|f| !frame.items.iter().any(|it| on(f, it.cell)))
        {
            println!(
                "FALSE frame {i} w{w}: {} price {:?} altar {:.2}",
                name(f),
                f.price,
                altar(f)
            );
            save_around(f, "false")?;
        }
        let mut loose_finds = None;
        for item in &frame.items {
            let near: Vec<&Find> = finds.iter().filter(|f| on(f, item.cell)).collect();
            let right = near
                .iter()
                .any(|f| f.predictions.first().map(|p| p.key) == classes.get(item.class).copied());
            if let Some(f) = near.first() {
                let stands = altar(f);
                println!(
                    "FOUND frame {i} w{w} {:?} {} price {:?} altar {stands:.2}",
                    item.placement,
                    name(f),
                    f.price,
                );
                if stands < 0.6 && f.price.is_none() {
                    save_around(f, "bare")?;
                }
            }
            if right {
                continue;
            }
            let loose_finds = match &mut loose_finds {
                Some(found) => found,
                None => loose_finds.insert(scan(&ckpt, &frame.image, 5, loose, Device::Cpu)?),
            };
            let loosely: Vec<String> = loose_finds
                .iter()
                .filter(|f| on(f, item.cell))
                .map(|f| format!("{} altar {:.2}", name(f), altar(f)))
                .collect();
            println!(
                "MISS frame {i} w{w} {} ({:?}) sprite {} px: loose scan {loosely:?}",
                catalog.items()[item.class].name_en,
                item.placement,
                item.cell[2],
            );
            if let Some(dir) = save {
                std::fs::create_dir_all(dir)?;
                let [x, y, cw, ch] = item.cell;
                let (x0, y0) = (x.saturating_sub(cw), y.saturating_sub(ch));
                frame
                    .image
                    .crop_imm(x0, y0, 3 * cw, 3 * ch)
                    .save(format!("{dir}/miss{i:03}_{x}.png"))?;
            }
        }
    }
    Ok(())
}
