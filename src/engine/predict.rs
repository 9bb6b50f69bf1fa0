//! From a user's crop to calibrated top-k items.

use image::{DynamicImage, RgbImage};
use serde::{Deserialize, Serialize};
use tch::{Device, Kind, Tensor};

use super::checkpoint::{Checkpoint, Manifest};
use super::model::Arch;
use crate::catalog::ItemKey;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    pub key: ItemKey,
    /// Calibrated probability that this is the item (0..1).
    pub score: f32,
}

/// Scores below this for the best item mean "not sure: is this an item?".
pub const UNSURE_BELOW: f32 = 0.35;

/// A box in image pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CropBox {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
}

impl CropBox {
    /// Cuts the box out of `img`; a box that is empty or leaves the frame is an error.
    pub fn cut(&self, img: &DynamicImage) -> Result<DynamicImage, String> {
        if self.w == 0 || self.h == 0 {
            return Err(format!("box {}x{} is empty", self.w, self.h));
        }
        let fits = self.x.checked_add(self.w).is_some_and(|r| r <= img.width())
            && self
                .y
                .checked_add(self.h)
                .is_some_and(|b| b <= img.height());
        if !fits {
            return Err(format!(
                "box {},{},{},{} is outside the {}x{} image",
                self.x,
                self.y,
                self.w,
                self.h,
                img.width(),
                img.height()
            ));
        }
        Ok(img.crop_imm(self.x, self.y, self.w, self.h))
    }
}

impl std::str::FromStr for CropBox {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let parts: Vec<u32> = s
            .split(',')
            .map(|p| p.trim().parse::<u32>())
            .collect::<Result<_, _>>()
            .map_err(|_| format!("box {s:?} is not x,y,w,h in whole pixels"))?;
        match parts.as_slice() {
            [x, y, w, h] => Ok(Self {
                x: *x,
                y: *y,
                w: *w,
                h: *h,
            }),
            _ => Err(format!("box {s:?} is not x,y,w,h")),
        }
    }
}

/// Any decoded image (grey, 16-bit, alpha) as an RGB square of `size`: alpha is flattened
/// onto dark grey, a non-square crop is padded with its own edge colour, then resized
/// smoothly (the way a capture is scaled).
pub fn model_input_from_image(img: &DynamicImage, size: u32) -> RgbImage {
    let rgba = img.to_rgba8();
    let (w, h) = rgba.dimensions();
    let mut rgb = RgbImage::new(w.max(1), h.max(1));
    for (dst, src) in rgb.pixels_mut().zip(rgba.pixels()) {
        let a = src[3] as f32 / 255.0;
        *dst = image::Rgb([0, 1, 2].map(|k| (src[k] as f32 * a + 40.0 * (1.0 - a)).round() as u8));
    }
    let side = w.max(h).max(1);
    let square = if w == h {
        rgb
    } else {
        let edge = mean_edge_colour(&rgb);
        let mut canvas = RgbImage::from_pixel(side, side, edge);
        image::imageops::overlay(
            &mut canvas,
            &rgb,
            ((side - w) / 2).into(),
            ((side - h) / 2).into(),
        );
        canvas
    };
    if side == size {
        square
    } else {
        image::imageops::resize(&square, size, size, image::imageops::FilterType::Triangle)
    }
}

fn mean_edge_colour(img: &RgbImage) -> image::Rgb<u8> {
    let (w, h) = img.dimensions();
    let mut sum = [0u64; 3];
    let mut n = 0u64;
    for (x, y, p) in img.enumerate_pixels() {
        if x == 0 || y == 0 || x + 1 == w || y + 1 == h {
            for k in 0..3 {
                sum[k] += u64::from(p[k]);
            }
            n += 1;
        }
    }
    image::Rgb(sum.map(|s| (s / n.max(1)) as u8))
}

/// A batch of `size`x`size` RGB images as a normalised NCHW float tensor.
pub fn tensor_from_images(images: &[RgbImage], size: u32, mean: [f32; 3], std: [f32; 3]) -> Tensor {
    let n = images.len() as i64;
    let s = i64::from(size);
    let mut data = Vec::with_capacity(images.len() * (size * size * 3) as usize);
    for img in images {
        debug_assert_eq!(img.dimensions(), (size, size));
        data.extend_from_slice(img.as_raw());
    }
    tensor_from_u8_nhwc(&data, n, s, mean, std)
}

/// Packed NHWC u8 pixels to a normalised NCHW float tensor.
pub fn tensor_from_u8_nhwc(data: &[u8], n: i64, s: i64, mean: [f32; 3], std: [f32; 3]) -> Tensor {
    let x = Tensor::from_slice(data)
        .view([n, s, s, 3])
        .permute([0, 3, 1, 2])
        .to_kind(Kind::Float)
        / 255.0;
    let mean = Tensor::from_slice(&mean).view([1, 3, 1, 1]);
    let std = Tensor::from_slice(&std).view([1, 3, 1, 1]);
    (x - mean) / std
}

/// The memory layout a prediction batch is fed in. Pixels arrive NHWC (channels-last
/// strides), which suits batches and the compact network; VGG16's forward of a few crops is
/// much faster NCHW (measured at 2 threads, batch 1: 23 ms against 41 ms; batches of 256 go the
/// other way, 55 against 65-71 crops/s).
pub fn prediction_layout(arch: Arch, xs: Tensor) -> Tensor {
    const SMALL_BATCH: i64 = 8;
    if arch == Arch::Vgg16 && xs.size().first().is_some_and(|&n| n <= SMALL_BATCH) {
        xs.contiguous()
    } else {
        xs
    }
}

/// Number of views averaged per crop.
pub const VIEWS: i64 = 2;

/// The views averaged for one crop: the box as drawn and a tighter centre, since players
/// draw boxes loosely.
pub fn views(img: &DynamicImage, size: u32) -> [RgbImage; VIEWS as usize] {
    let (w, h) = (img.width(), img.height());
    let (cw, ch) = ((w * 4 / 5).max(1), (h * 4 / 5).max(1));
    let centre = img.crop_imm((w - cw) / 2, (h - ch) / 2, cw, ch);
    [
        model_input_from_image(img, size),
        model_input_from_image(&centre, size),
    ]
}

/// Crops per forward pass: bounds memory whatever the number of crops.
const CHUNK: usize = 128;

/// The one inference path, for prediction and validation alike: each crop's views through
/// the network, as logits [N, VIEWS, outputs] on the CPU.
pub fn view_logits(ckpt: &Checkpoint, crops: &[DynamicImage], device: Device) -> Tensor {
    use rayon::prelude::*;
    let m = &ckpt.manifest;
    let chunks: Vec<Tensor> = crops
        .chunks(CHUNK)
        .map(|chunk| {
            let images: Vec<RgbImage> = chunk
                .par_iter()
                .flat_map_iter(|c| views(c, m.input_size))
                .collect();
            let xs = prediction_layout(
                m.arch,
                tensor_from_images(&images, m.input_size, m.mean, m.std),
            )
            .to_device(device);
            tch::no_grad(|| ckpt.net.forward_t(&xs, false))
                .to_device(Device::Cpu)
                .view([chunk.len() as i64, VIEWS, -1])
        })
        .collect();
    if chunks.is_empty() {
        return Tensor::zeros([0, VIEWS, m.outputs()], (Kind::Float, Device::Cpu));
    }
    Tensor::cat(&chunks, 0)
}

/// Calibrated probabilities averaged over views: `view_logits` is [N, VIEWS, C].
pub fn mean_view_probabilities(view_logits: &Tensor, temperature: f64) -> Tensor {
    (view_logits / temperature)
        .softmax(-1, Kind::Float)
        .mean_dim(1, false, Kind::Float)
}

/// Top-`k` items for each crop, best first.
pub fn predict(
    ckpt: &Checkpoint,
    crops: &[DynamicImage],
    top_k: usize,
    device: Device,
) -> Vec<Vec<Prediction>> {
    let m: &Manifest = &ckpt.manifest;
    if crops.is_empty() || m.classes.is_empty() {
        return Vec::new();
    }
    let probs = mean_view_probabilities(&view_logits(ckpt, crops, device), m.temperature);
    top_k_items(m, &probs, top_k)
}

/// Top-`k` items of each row of `probs` ([N, outputs]), best first; "no item" is left out.
pub fn top_k_items(m: &Manifest, probs: &Tensor, k: usize) -> Vec<Vec<Prediction>> {
    if m.classes.is_empty() || probs.size().first().is_none_or(|&n| n == 0) {
        return Vec::new();
    }
    let items = probs.narrow(1, 0, m.classes.len() as i64);
    let k = k.clamp(1, m.classes.len()) as i64;
    let (values, indices) = items.topk(k, 1, true, true);
    let values: Vec<f32> = Vec::<f32>::try_from(values.flatten(0, -1)).unwrap_or_default();
    let indices: Vec<i64> = Vec::<i64>::try_from(indices.flatten(0, -1)).unwrap_or_default();
    values
        .chunks(k as usize)
        .zip(indices.chunks(k as usize))
        .map(|(vs, is)| {
            vs.iter()
                .zip(is)
                .map(|(&score, &i)| Prediction {
                    key: m.classes[i as usize],
                    score,
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod layout_tests {
    use super::*;

    #[test]
    fn vgg16_gets_nchw_for_a_few_crops_and_nhwc_for_batches() {
        let nhwc = |n: i64| {
            tensor_from_u8_nhwc(
                &vec![7u8; (n * 8 * 8 * 3) as usize],
                n,
                8,
                [0.5; 3],
                [0.25; 3],
            )
        };
        assert!(!nhwc(2).is_contiguous(), "pixels arrive channels-last");
        let few = prediction_layout(Arch::Vgg16, nhwc(2));
        assert!(few.is_contiguous());
        assert!(!prediction_layout(Arch::Vgg16, nhwc(64)).is_contiguous());
        assert!(!prediction_layout(Arch::Compact, nhwc(2)).is_contiguous());
        // Same values either way.
        assert_eq!((few - nhwc(2)).abs().max().double_value(&[]), 0.0);
    }
}
