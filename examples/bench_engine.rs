//! Side-by-side engine measurements for BENCHMARKS.md:
//! `cargo run --release --example bench_engine -- [what] [--arch compact|vgg16] [--size N] [--precision f32|bf16]`
//! what: synth (samples/s), train (optimiser steps on pre-rendered batches, images/s),
//! predict (batch-1 forward latency, median of 200, and batched crops/s).

use std::time::Instant;

use isaac_lens::catalog::Catalog;
use isaac_lens::engine::checkpoint::{self, Manifest};
use isaac_lens::engine::model::{Arch, Precision};
use isaac_lens::engine::predict::{prediction_layout, tensor_from_images};
use isaac_lens::engine::recipe::{MEAN, Metrics, Recipe, STD};
use isaac_lens::engine::synth::{
    SampleSpec, Split, Style, SynthAssets, SynthOptions, render_many, sample_seed,
};
use tch::nn::OptimizerConfig;
use tch::{Device, Kind, Tensor, nn};

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() -> anyhow::Result<()> {
    let what = std::env::args().nth(1).unwrap_or_else(|| "all".into());
    let arch = match arg("--arch").as_deref() {
        Some("vgg16") => Arch::Vgg16,
        _ => Arch::Compact,
    };
    let size: u32 = arg("--size")
        .and_then(|s| s.parse().ok())
        .unwrap_or(arch.default_input_size());
    let precision = match arg("--precision").as_deref() {
        Some("f32") => Precision::F32,
        Some("bf16") => Precision::Bf16,
        _ => Precision::Auto,
    };
    let threads: i32 = arg("--threads").and_then(|s| s.parse().ok()).unwrap_or(1);
    let batch: usize = arg("--batch").and_then(|s| s.parse().ok()).unwrap_or(64);
    tch::set_num_threads(threads);
    let catalog = Catalog::load(&isaac_lens::paths::default_catalog_dir())?;
    let shared = isaac_lens::paths::default_backgrounds();
    let assets = SynthAssets::load(&catalog, shared.as_deref())?;
    let classes = catalog.len();
    let samples: u64 = arg("--samples").and_then(|s| s.parse().ok()).unwrap_or(512);
    let specs: Vec<SampleSpec> = (0..samples)
        .map(|i| SampleSpec {
            class: Some(i as usize % classes),
            style: if i % 5 < 2 {
                Style::Phone
            } else {
                Style::Screenshot
            },
            split: Split::Train,
            seed: sample_seed(7, i),
        })
        .collect();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
    if what == "synth" || what == "all" {
        let t = Instant::now();
        let images = pool.install(|| render_many(&assets, &specs, size, &SynthOptions::default()));
        let dt = t.elapsed().as_secs_f64();
        println!(
            "synth: {} samples at {size}px in {dt:.2}s on 1 thread = {:.0} samples/s",
            images.len(),
            images.len() as f64 / dt
        );
    }
    let images = pool.install(|| render_many(&assets, &specs, size, &SynthOptions::default()));
    let labels: Vec<i64> = specs.iter().map(|s| s.class.unwrap_or(0) as i64).collect();
    let manifest = Manifest {
        format_version: checkpoint::FORMAT_VERSION,
        arch,
        input_size: size,
        mean: MEAN,
        std: STD,
        classes: catalog.items().iter().map(|i| i.key()).collect(),
        started_from: None,
        temperature: 1.0,
        recipe: Recipe {
            precision,
            ..Recipe::for_arch(arch)
        },
        metrics: Metrics::default(),
        training_seconds: 0.0,
        created_unix: 0,
    };
    let ckpt = checkpoint::fresh(manifest, Device::Cpu);
    let params: i64 = ckpt
        .vs
        .trainable_variables()
        .iter()
        .map(|t| t.numel() as i64)
        .sum();
    println!(
        "model: {} at {size}px, {params} parameters, torch threads {threads}, training in {:?}",
        arch.as_str(),
        precision.training_kind(Device::Cpu)
    );
    if what == "train" || what == "all" {
        let mut opt = nn::AdamW::default().build(&ckpt.vs, 1e-3)?;
        let steps = if arch == Arch::Vgg16 { 6 } else { 30 };
        let mut times = Vec::new();
        for step in 0..steps + 2 {
            let start = (step * batch) % (images.len() - batch);
            let xs = tensor_from_images(&images[start..start + batch], size, MEAN, STD)?;
            let ys = Tensor::from_slice(&labels[start..start + batch]);
            let t = Instant::now();
            let loss = ckpt.net.forward_t(&xs, true).cross_entropy_for_logits(&ys);
            opt.backward_step(&loss);
            if step >= 2 {
                times.push(t.elapsed().as_secs_f64());
            }
        }
        let per_step = median(times);
        println!(
            "train: batch {batch}, median step {:.1} ms = {:.0} images/s",
            per_step * 1e3,
            batch as f64 / per_step
        );
    }
    if what == "predict" || what == "all" {
        // The layouts `predict` feeds (see `prediction_layout`).
        let one = prediction_layout(arch, tensor_from_images(&images[..1], size, MEAN, STD)?);
        let mut times = Vec::new();
        for i in 0..220 {
            let t = Instant::now();
            let out = tch::no_grad(|| ckpt.net.forward_t(&one, false).softmax(-1, Kind::Float));
            let _ = out.double_value(&[0, 0]);
            if i >= 20 {
                times.push(t.elapsed().as_secs_f64());
            }
        }
        println!(
            "predict: batch 1 forward median {:.3} ms",
            median(times) * 1e3
        );
        let many = prediction_layout(arch, tensor_from_images(&images[..256], size, MEAN, STD)?);
        let t = Instant::now();
        for _ in 0..3 {
            let _ = tch::no_grad(|| ckpt.net.forward_t(&many, false));
        }
        println!(
            "predict: batch 256 = {:.0} crops/s",
            768.0 / t.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
