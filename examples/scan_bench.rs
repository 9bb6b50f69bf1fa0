//! Scan accuracy and speed with the model in MODEL_DIR, on two validation sets:
//! `cargo run --release --example scan_bench -- MODEL_DIR [FRAMES] [--rooms N] [--save DIR]`
//! (thresholds from PROPOSE, KEEP, MIN_TOP, BARE, BARE_COLLECTIBLE, STAND_KEEP, STAND_TOP,
//! CENTRE and SHOULDER when set)
//! (the data folder's catalog). The renderer's frames on held-out backgrounds (FRAMES of
//! them), then N frames built from held-out real room renders and held-out real art
//! (`scan_validation::room_frames`, 0 to skip; 120 by default). Prints found-and-right,
//! found-wrong, false finds per frame and what they fell on, and the median scan time of the
//! 1920x1080 frames and of all frames.
#[path = "support/data.rs"]
mod data;

use isaac_lens::engine::altar::AltarFinder;
use isaac_lens::engine::blind::BlindFinder;
use isaac_lens::engine::checkpoint;
use isaac_lens::engine::price::PriceReader;
use isaac_lens::engine::scan::{ScanOptions, scan};
use isaac_lens::engine::scan_validation::{
    ScanCase, ScanScore, blind_room_frames, room_frames, validation_frames,
};
use tch::Device;

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let model = args
        .get(1)
        .ok_or_else(|| anyhow::anyhow!("usage: scan_bench MODEL_DIR [FRAMES]"))?;
    let count: usize = args.get(2).map_or(Ok(140), |s| s.parse())?;
    // Thresholds from the environment, the scan's own by default. BARE=0 BARE_COLLECTIBLE=0
    // STAND_KEEP=1 STAND_TOP=1 CENTRE=0 turns the altar rules off (the scan before them);
    // BARE=0.4 BARE_COLLECTIBLE=0 CENTRE=0, the scan before centring; BARE_COLLECTIBLE=0,
    // collectibles and trinkets alike; SHOULDER=2, peaks only.
    let env = |name: &str, default: f32| -> anyhow::Result<f32> {
        Ok(std::env::var(name)
            .ok()
            .map_or(Ok(default), |s| s.parse())?)
    };
    let defaults = ScanOptions::default();
    let propose = env("PROPOSE", defaults.propose)?;
    let keep = env("KEEP", defaults.keep)?;
    let min_top = env("MIN_TOP", defaults.min_top)?;
    let bare_top = env("BARE", defaults.bare_top)?;
    let bare_collectible_top = env("BARE_COLLECTIBLE", defaults.bare_collectible_top)?;
    let stand_keep = env("STAND_KEEP", defaults.stand_keep)?;
    let stand_top = env("STAND_TOP", defaults.stand_top)?;
    let centre_below = env("CENTRE", defaults.centre_below)?;
    let shoulder = env("SHOULDER", defaults.shoulder)?;
    let save = data::flag(&args, "--save");
    tch::set_num_threads(2);
    let (catalog, assets) = data::catalog_and_assets()?;
    let ckpt = checkpoint::load(model.as_ref(), &catalog, Device::Cpu)?;
    let rooms: usize = data::flag(&args, "--rooms").map_or(Ok(120), |s| s.parse())?;
    let reader = catalog.price_font().map(PriceReader::new);
    let altars = catalog.altars().map(AltarFinder::new);
    // BLIND=0: no looking for a hidden item's "?".
    let blind = catalog
        .altars()
        .and_then(BlindFinder::new)
        .filter(|_| std::env::var("BLIND").as_deref() != Ok("0"));
    if altars.is_none() {
        anyhow::bail!("the catalog has no altars: import it with --entities");
    }
    let options = ScanOptions {
        propose,
        keep,
        min_top,
        prices: reader.as_ref(),
        altars: altars.as_ref(),
        bare_top,
        bare_collectible_top,
        stand_keep,
        stand_top,
        centre_below,
        shoulder,
        blind: blind.as_ref(),
    };
    println!("== renderer frames (held-out backgrounds): {count}");
    let frames = validation_frames(&assets, count, 1);
    run_set(
        &ckpt,
        &frames,
        options,
        save.map(|d| format!("{d}/renderer")),
    )?;
    if rooms > 0 {
        println!("== real rooms and held-out real art: {rooms}");
        let frames = room_frames(&assets, rooms, 2).ok_or_else(|| {
            anyhow::anyhow!("the real-room set needs shared/isaac's backgrounds and entities")
        })?;
        run_set(&ckpt, &frames, options, save.map(|d| format!("{d}/rooms")))?;
        // Curse of the Blind: each of the catalog's marks in place of every item.
        let marks = catalog.altars().map_or(&[][..], |a| a.blind_marks());
        for (n, mark) in marks.iter().enumerate() {
            let count = rooms.div_ceil(3);
            println!(
                "== hidden items (mark {n}, {}x{}) in real rooms: {count}",
                mark.width(),
                mark.height()
            );
            let frames = blind_room_frames(&assets, count, 4, mark).ok_or_else(|| {
                anyhow::anyhow!("the hidden-item set needs shared/isaac's backgrounds and entities")
            })?;
            run_set(
                &ckpt,
                &frames,
                options,
                save.map(|d| format!("{d}/hidden{n}")),
            )?;
        }
    }
    Ok(())
}

fn run_set(
    ckpt: &checkpoint::Checkpoint,
    frames: &[ScanCase],
    options: ScanOptions<'_>,
    save: Option<String>,
) -> anyhow::Result<()> {
    let mut score = ScanScore::default();
    let mut by_items = vec![ScanScore::default(); 7];
    let mut wide = ScanScore::default();
    let (mut all_ms, mut hd_ms) = (Vec::new(), Vec::new());
    for (i, frame) in frames.iter().enumerate() {
        let start = std::time::Instant::now();
        let finds = scan(ckpt, &frame.image, 10, options, Device::Cpu)?;
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        all_ms.push(ms);
        if frame.image.width() == 1920 && frame.image.height() == 1080 {
            hd_ms.push(ms);
        }
        score.add(frame, &finds, &ckpt.manifest.classes);
        by_items[frame.items.len().min(6)].add(frame, &finds, &ckpt.manifest.classes);
        if frame.image.width() >= 960 {
            wide.add(frame, &finds, &ckpt.manifest.classes);
        }
        if let Some(dir) = &save {
            std::fs::create_dir_all(dir)?;
            frame.image.save(format!("{dir}/frame{i:03}.png"))?;
            let json = serde_json::to_string(&finds)?;
            std::fs::write(format!("{dir}/frame{i:03}.json"), json)?;
        }
    }
    println!("{}", serde_json::to_string(&score)?);
    println!(
        "found and right {:.1}%, found wrong {}, false finds per frame {:.2} (on: {})",
        score.recall() * 100.0,
        score.found_wrong,
        score.false_per_frame(),
        score.false_on_line()
    );
    for (what, s) in [
        ("all frames", &score),
        ("frames 960 px wide or more", &wide),
    ] {
        println!(
            "prices, {what}: {} of {} items for sale found read right ({:.1}%), {} wrong, {} \
             read under items not for sale, {} under false finds",
            s.prices_right,
            s.priced,
            s.prices_right as f64 * 100.0 / s.priced.max(1) as f64,
            s.prices_wrong,
            s.prices_invented,
            s.false_finds_priced
        );
    }
    for (n, s) in by_items.iter().enumerate() {
        println!(
            "  {n} items: {} frames, right {}/{}, wrong {}, false {}",
            s.frames, s.found_right, s.items, s.found_wrong, s.false_finds
        );
    }
    println!(
        "scan time: median {:.0} ms over {} frames; 1920x1080 median {:.0} ms over {}",
        median(&mut all_ms),
        all_ms.len(),
        median(&mut hd_ms),
        hd_ms.len()
    );
    Ok(())
}
