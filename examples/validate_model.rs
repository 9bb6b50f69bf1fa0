//! Validates checkpoints on the same held-out sets (both validation ways, the default
//! recipe's seed and size), side by side: `cargo run --release --example validate_model --
//! MODEL_DIR...` (the data folder's catalog).
use isaac_lens::catalog::Catalog;
use isaac_lens::engine::synth::SynthAssets;
use isaac_lens::engine::{Recipe, checkpoint, validate};
use tch::Device;

fn main() -> anyhow::Result<()> {
    tch::set_num_threads(2);
    let catalog = Catalog::load(&isaac_lens::paths::default_catalog_dir())?;
    let shared = isaac_lens::paths::default_backgrounds();
    let assets = SynthAssets::load(&catalog, shared.as_deref())?;
    let recipe = Recipe::default();
    for dir in std::env::args().skip(1) {
        let ckpt = checkpoint::load(dir.as_ref(), &catalog, Device::Cpu)?;
        let Some(v) = validate::validate(&ckpt, &assets, &recipe, Device::Cpu, &|| false)? else {
            continue;
        };
        for s in &v.styles {
            println!(
                "{dir}: {:?} {:?} top-1 {:.2}% ({} crops)",
                s.set,
                s.style,
                s.top1 * 100.0,
                s.samples
            );
        }
        println!(
            "{dir}: mean top score {:.2} items, {:.2} no item",
            v.mean_top_score_items, v.mean_top_score_no_item
        );
    }
    Ok(())
}
