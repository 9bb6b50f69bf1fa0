//! Development aid: which held-out crops the model misses, and how other prediction views
//! would score. `[ALL_VIEWS=1] [VAL_SEED=N] cargo run --release --example val_misses -- MODEL_DIR`
//! (the data folder's catalog; two crops per item and style).
use image::{DynamicImage, RgbImage};
use isaac_lens::catalog::Catalog;
use isaac_lens::engine::checkpoint;
use isaac_lens::engine::checkpoint::Checkpoint;
use isaac_lens::engine::predict::model_input_from_image;
use isaac_lens::engine::predict::tensor_from_images;
use isaac_lens::engine::synth::{Style, SynthAssets, render_many};
use isaac_lens::engine::validate::validation_specs;
use tch::{Device, Kind, Tensor};

fn crop_frac(img: &DynamicImage, f: f32, dx: f32, dy: f32) -> DynamicImage {
    let (w, h) = (img.width(), img.height());
    let (cw, ch) = (
        ((w as f32 * f) as u32).max(1),
        ((h as f32 * f) as u32).max(1),
    );
    let x = (((w - cw) as f32) * (0.5 + dx)) as u32;
    let y = (((h - ch) as f32) * (0.5 + dy)) as u32;
    img.crop_imm(x, y, cw, ch)
}

/// A view: share of the crop kept, and its centre's shift (fractions of the slack).
type View = (f32, f32, f32);

/// Logits of model-ready images, in batches of 256.
fn logits_for(ckpt: &Checkpoint, images: &[RgbImage]) -> anyhow::Result<Tensor> {
    let m = &ckpt.manifest;
    let mut chunks: Vec<Tensor> = Vec::new();
    for c in images.chunks(256) {
        let xs = tensor_from_images(c, m.input_size, m.mean, m.std)?;
        chunks.push(tch::no_grad(|| ckpt.net.forward_t(&xs, false)));
    }
    Ok(Tensor::cat(&chunks, 0))
}

fn main() -> anyhow::Result<()> {
    tch::set_num_threads(2);
    let model = std::env::args()
        .nth(1)
        .ok_or_else(|| anyhow::anyhow!("usage: val_misses MODEL_DIR"))?;
    let catalog = Catalog::load(&isaac_lens::paths::default_catalog_dir())?;
    let shared = isaac_lens::paths::default_backgrounds();
    let assets = SynthAssets::load(&catalog, shared.as_deref())?;
    let ckpt = checkpoint::load(model.as_ref(), &catalog, Device::Cpu)?;
    let m = &ckpt.manifest;
    let classes = catalog.len();
    let seed: u64 = std::env::var("VAL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(m.recipe.seed);
    let specs = validation_specs(classes, 2, seed);
    let specs: Vec<_> = specs.into_iter().filter(|s| s.class.is_some()).collect();
    let imgs = render_many(&assets, &specs, m.input_size * 3, &m.recipe.synth);
    let view_sets: Vec<(&str, Vec<View>)> = if std::env::var("ALL_VIEWS").is_err() {
        vec![("full+c80", vec![(1.0, 0.0, 0.0), (0.8, 0.0, 0.0)])]
    } else {
        vec![
            ("full+c80", vec![(1.0, 0.0, 0.0), (0.8, 0.0, 0.0)]),
            (
                "full+c90+c80",
                vec![(1.0, 0.0, 0.0), (0.9, 0.0, 0.0), (0.8, 0.0, 0.0)],
            ),
            (
                "full+c80+c65",
                vec![(1.0, 0.0, 0.0), (0.8, 0.0, 0.0), (0.65, 0.0, 0.0)],
            ),
            (
                "full+c85+c70",
                vec![(1.0, 0.0, 0.0), (0.85, 0.0, 0.0), (0.7, 0.0, 0.0)],
            ),
            ("c90+c75", vec![(0.9, 0.0, 0.0), (0.75, 0.0, 0.0)]),
            (
                "full+c80+c80shift",
                vec![
                    (1.0, 0.0, 0.0),
                    (0.8, 0.0, 0.0),
                    (0.8, -0.3, -0.3),
                    (0.8, 0.3, 0.3),
                ],
            ),
        ]
    };
    let labels: Vec<i64> = specs.iter().map(|s| s.class.unwrap_or(0) as i64).collect();
    let lab = Tensor::from_slice(&labels);
    let mut grid = RgbImage::from_pixel(6 * 3 * 96, 8 * 96, image::Rgb([255, 255, 255]));
    let mut grid_n = 0usize;
    for (name, views) in &view_sets {
        let v = views.len() as i64;
        let inputs: Vec<RgbImage> = imgs
            .iter()
            .flat_map(|img| {
                let d = DynamicImage::ImageRgb8(img.clone());
                views
                    .iter()
                    .map(|&(f, dx, dy)| {
                        model_input_from_image(&crop_frac(&d, f, dx, dy), m.input_size)
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        let logits = logits_for(&ckpt, &inputs)?.view([specs.len() as i64, v, -1]);
        let probs =
            (logits / m.temperature)
                .softmax(-1, Kind::Float)
                .mean_dim(1, false, Kind::Float);
        let items = probs.narrow(1, 0, classes as i64);
        let pred = items.argmax(1, false);
        let ok: Vec<bool> = Vec::<bool>::try_from(pred.eq_tensor(&lab))?;
        let preds: Vec<i64> = Vec::<i64>::try_from(&pred)?;
        for style in [Style::Screenshot, Style::Phone] {
            let idx: Vec<usize> = (0..specs.len())
                .filter(|&i| specs[i].style == style)
                .collect();
            let hits = idx.iter().filter(|&&i| ok[i]).count();
            println!(
                "{name:>20} {style:?}: {hits}/{} = {:.2}%",
                idx.len(),
                100.0 * hits as f64 / idx.len() as f64
            );
        }
        if *name == "full+c80" {
            for i in 0..specs.len() {
                if !ok[i] {
                    let t = &catalog.items()[labels[i] as usize];
                    let p = &catalog.items()[preds[i] as usize];
                    println!(
                        "MISS {:?} {} {} -> {} {}",
                        specs[i].style,
                        t.key(),
                        t.name_en,
                        p.key(),
                        p.name_en
                    );
                    if specs[i].style == Style::Screenshot && grid_n < 48 {
                        let (gx, gy) = ((grid_n % 6) * 3 * 96, (grid_n / 6) * 96);
                        image::imageops::overlay(&mut grid, &imgs[i], gx as i64, gy as i64);
                        for (k, c) in [labels[i] as usize, preds[i] as usize].iter().enumerate() {
                            let s = image::imageops::resize(
                                &assets.sprites[*c],
                                96,
                                96,
                                image::imageops::FilterType::Nearest,
                            );
                            let mut bg = image::RgbaImage::from_pixel(
                                96,
                                96,
                                image::Rgba([60, 60, 60, 255]),
                            );
                            image::imageops::overlay(&mut bg, &s, 0, 0);
                            let rgb = DynamicImage::ImageRgba8(bg).to_rgb8();
                            image::imageops::overlay(
                                &mut grid,
                                &rgb,
                                (gx + 96 * (k + 1)) as i64,
                                gy as i64,
                            );
                        }
                        grid_n += 1;
                    }
                }
            }
        }
    }
    let sheet = std::env::temp_dir().join("val_misses.png");
    grid.save(&sheet)?;
    println!(
        "contact sheet of screenshot-like misses: {}",
        sheet.display()
    );
    Ok(())
}
