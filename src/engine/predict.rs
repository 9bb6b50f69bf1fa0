//! From a user's crop to calibrated top-k items.

use image::{DynamicImage, RgbImage};
use serde::{Deserialize, Serialize};
use tch::{Device, Kind, Tensor};

use super::EngineError;
use super::checkpoint::{Checkpoint, Manifest};
use super::model::{Arch, Network};
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
    /// Cuts the box out of `img` (any image type); a box that is empty or leaves the image
    /// is an error. The one crop cut of drawn boxes, finds and scan candidates.
    pub fn cut<I>(&self, img: &I) -> Result<I, String>
    where
        I: image::GenericImageView + CutFrom,
    {
        let (width, height) = img.dimensions();
        if self.w == 0 || self.h == 0 {
            return Err(format!("box {}x{} is empty", self.w, self.h));
        }
        let fits = self.x.checked_add(self.w).is_some_and(|r| r <= width)
            && self.y.checked_add(self.h).is_some_and(|b| b <= height);
        if !fits {
            return Err(format!(
                "box {},{},{},{} is outside the {width}x{height} image",
                self.x, self.y, self.w, self.h,
            ));
        }
        Ok(img.cut_from(*self))
    }
}

/// Images a [`CropBox`] can be cut from, into an image of the same type.
pub trait CutFrom: Sized {
    fn cut_from(&self, b: CropBox) -> Self;
}

impl CutFrom for DynamicImage {
    fn cut_from(&self, b: CropBox) -> Self {
        self.crop_imm(b.x, b.y, b.w, b.h)
    }
}

impl CutFrom for image::RgbaImage {
    fn cut_from(&self, b: CropBox) -> Self {
        image::imageops::crop_imm(self, b.x, b.y, b.w, b.h).to_image()
    }
}

impl CutFrom for RgbImage {
    fn cut_from(&self, b: CropBox) -> Self {
        image::imageops::crop_imm(self, b.x, b.y, b.w, b.h).to_image()
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
pub fn tensor_from_images(
    images: &[RgbImage],
    size: u32,
    mean: [f32; 3],
    std: [f32; 3],
) -> Result<Tensor, EngineError> {
    let n = images.len() as i64;
    let s = i64::from(size);
    let mut data = Vec::with_capacity(images.len() * (size * size * 3) as usize);
    for img in images {
        debug_assert_eq!(img.dimensions(), (size, size));
        data.extend_from_slice(img.as_raw());
    }
    tensor_from_u8_nhwc(&data, n, s, s, mean, std)
}

/// Packed NHWC u8 pixels (`n` images of `h`x`w`) to a normalised NCHW float tensor: the one
/// normalisation of training, prediction and scanning.
pub fn tensor_from_u8_nhwc(
    data: &[u8],
    n: i64,
    h: i64,
    w: i64,
    mean: [f32; 3],
    std: [f32; 3],
) -> Result<Tensor, EngineError> {
    normalised(&unit_tensor_from_u8_nhwc(data, n, h, w)?, mean, std)
}

/// Packed NHWC u8 pixels to an NCHW float tensor of 0..1 (before normalisation).
pub fn unit_tensor_from_u8_nhwc(
    data: &[u8],
    n: i64,
    h: i64,
    w: i64,
) -> Result<Tensor, EngineError> {
    Ok(Tensor::f_from_slice(data)?
        .f_view([n, h, w, 3])?
        .f_permute([0, 3, 1, 2])?
        .f_to_kind(Kind::Float)?
        .f_div_scalar(255.0)?)
}

/// 0..1 RGB (NCHW) to the network's input: per channel, less `mean`, over `std`.
pub fn normalised(xs: &Tensor, mean: [f32; 3], std: [f32; 3]) -> Result<Tensor, EngineError> {
    let mean = Tensor::f_from_slice(&mean)?.f_view([1, 3, 1, 1])?;
    let std = Tensor::f_from_slice(&std)?.f_view([1, 3, 1, 1])?;
    Ok(xs
        .f_sub(&mean.f_to_device(xs.device())?)?
        .f_div(&std.f_to_device(xs.device())?)?)
}

/// The network's forward pass for prediction, its one failure turned into an error. tch's
/// `nn` layers have no fallible forward, so a libtorch failure there (a tensor too large for
/// memory, a broken build) is a panic; this is the one place it is caught, for every
/// inference path (prediction, scanning, validation).
pub fn network_forward(
    net: &dyn Network,
    what: impl FnOnce(&dyn Network) -> Tensor,
) -> Result<Tensor, EngineError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| tch::no_grad(|| what(net))))
        .map_err(|panic| EngineError::from_panic(&panic))
}

/// The memory layout a prediction batch is fed in. Pixels arrive NHWC (channels-last
/// strides), which suits batches and the compact network; VGG16's forward of a few crops is
/// much faster NCHW, while large batches go the other way (BENCHMARKS.md history, prediction).
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
pub fn view_logits(
    ckpt: &Checkpoint,
    crops: &[DynamicImage],
    device: Device,
) -> Result<Tensor, EngineError> {
    use rayon::prelude::*;
    let m = &ckpt.manifest;
    let mut chunks: Vec<Tensor> = Vec::with_capacity(crops.len().div_ceil(CHUNK));
    for chunk in crops.chunks(CHUNK) {
        let images: Vec<RgbImage> = chunk
            .par_iter()
            .flat_map_iter(|c| views(c, m.input_size))
            .collect();
        let xs = prediction_layout(
            m.arch,
            tensor_from_images(&images, m.input_size, m.mean, m.std)?,
        )
        .f_to_device(device)?;
        let logits = network_forward(ckpt.net.as_ref(), |net| net.forward_t(&xs, false))?;
        chunks.push(
            logits
                .f_to_device(Device::Cpu)?
                .f_view([chunk.len() as i64, VIEWS, -1])?,
        );
    }
    if chunks.is_empty() {
        return Ok(Tensor::f_zeros(
            [0, VIEWS, m.outputs()],
            (Kind::Float, Device::Cpu),
        )?);
    }
    Ok(Tensor::f_cat(&chunks, 0)?)
}

/// Calibrated probabilities averaged over views: `view_logits` is [N, VIEWS, C].
pub fn mean_view_probabilities(
    view_logits: &Tensor,
    temperature: f64,
) -> Result<Tensor, EngineError> {
    Ok(view_logits
        .f_div_scalar(temperature)?
        .f_softmax(-1, Kind::Float)?
        .f_mean_dim(1, false, Kind::Float)?)
}

/// Top-`k` items for each crop, best first.
pub fn predict(
    ckpt: &Checkpoint,
    crops: &[DynamicImage],
    top_k: usize,
    device: Device,
) -> Result<Vec<Vec<Prediction>>, EngineError> {
    let m: &Manifest = &ckpt.manifest;
    if crops.is_empty() || m.classes.is_empty() {
        return Ok(Vec::new());
    }
    let probs = mean_view_probabilities(&view_logits(ckpt, crops, device)?, m.temperature)?;
    top_k_items(m, &probs, top_k)
}

/// Top-`k` items of each row of `probs` ([N, outputs]), best first; "no item" is left out.
pub fn top_k_items(
    m: &Manifest,
    probs: &Tensor,
    k: usize,
) -> Result<Vec<Vec<Prediction>>, EngineError> {
    if m.classes.is_empty() || probs.size().first().is_none_or(|&n| n == 0) {
        return Ok(Vec::new());
    }
    let items = probs.f_narrow(1, 0, m.classes.len() as i64)?;
    let k = k.clamp(1, m.classes.len()) as i64;
    let (values, indices) = items.f_topk(k, 1, true, true)?;
    let values = Vec::<f32>::try_from(values.f_flatten(0, -1)?)?;
    let indices = Vec::<i64>::try_from(indices.f_flatten(0, -1)?)?;
    values
        .chunks(k as usize)
        .zip(indices.chunks(k as usize))
        .map(|(vs, is)| {
            vs.iter()
                .zip(is)
                .map(|(&score, &i)| {
                    let key = usize::try_from(i).ok().and_then(|i| m.classes.get(i));
                    let key = key.ok_or_else(|| {
                        EngineError::Other(format!("the network answered class {i}"))
                    })?;
                    Ok(Prediction { key: *key, score })
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
                8,
                [0.5; 3],
                [0.25; 3],
            )
            .unwrap()
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
