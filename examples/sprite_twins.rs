//! Development aid: catalog items whose sprites are (nearly) the same picture.
//! `cargo run --release --example sprite_twins -- [THRESHOLD]`
use isaac_lens::catalog::Catalog;

fn main() -> anyhow::Result<()> {
    let threshold: f32 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(8.0);
    let catalog = Catalog::load(&isaac_lens::paths::default_catalog_dir())?;
    let items = catalog.items();
    // Premultiplied RGB on a mid grey: what the eye sees of the sprite.
    let pics: Vec<Vec<f32>> = items
        .iter()
        .map(|i| {
            let s = catalog.sprite(i)?;
            Ok(s.pixels()
                .flat_map(|p| {
                    let a = p[3] as f32 / 255.0;
                    [0, 1, 2].map(|k| p[k] as f32 * a + 96.0 * (1.0 - a))
                })
                .collect())
        })
        .collect::<anyhow::Result<_>>()?;
    let mut pairs = Vec::new();
    for i in 0..pics.len() {
        for j in i + 1..pics.len() {
            let d: f32 = pics[i]
                .iter()
                .zip(&pics[j])
                .map(|(a, b)| (a - b).abs())
                .sum::<f32>()
                / pics[i].len() as f32;
            if d < threshold {
                pairs.push((d, i, j));
            }
        }
    }
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (d, i, j) in &pairs {
        println!(
            "{d:6.2}  {} {}  ~  {} {}",
            items[*i].key(),
            items[*i].name_en,
            items[*j].key(),
            items[*j].name_en
        );
    }
    println!("{} pairs under {threshold}", pairs.len());
    Ok(())
}
