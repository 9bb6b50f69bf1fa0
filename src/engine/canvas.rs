//! A float RGB canvas in 0..1: what synthesis draws scenes on and applies camera effects to.

use image::RgbImage;

/// A float RGB canvas in 0..1.
#[derive(Clone)]
pub struct Canvas {
    pub w: usize,
    pub h: usize,
    pub px: Vec<[f32; 3]>,
}

impl Canvas {
    pub fn new(w: usize, h: usize) -> Self {
        Self {
            w,
            h,
            px: vec![[0.0; 3]; w * h],
        }
    }

    pub fn blend(&mut self, x: usize, y: usize, c: [f32; 3], a: f32) {
        let p = &mut self.px[y * self.w + x];
        for k in 0..3 {
            p[k] += (c[k] - p[k]) * a;
        }
    }

    pub fn sample_bilinear(&self, x: f32, y: f32) -> [f32; 3] {
        let x = x.clamp(0.0, (self.w - 1) as f32);
        let y = y.clamp(0.0, (self.h - 1) as f32);
        let (x0, y0) = (x.floor() as usize, y.floor() as usize);
        let (x1, y1) = ((x0 + 1).min(self.w - 1), (y0 + 1).min(self.h - 1));
        let (fx, fy) = (x - x0 as f32, y - y0 as f32);
        let p = |x: usize, y: usize| self.px[y * self.w + x];
        let mut out = [0.0; 3];
        for (k, o) in out.iter_mut().enumerate() {
            let top = p(x0, y0)[k] * (1.0 - fx) + p(x1, y0)[k] * fx;
            let bottom = p(x0, y1)[k] * (1.0 - fx) + p(x1, y1)[k] * fx;
            *o = top * (1.0 - fy) + bottom * fy;
        }
        out
    }

    /// Variance of the brightness over the `side` square at (x, y), clipped to the canvas
    /// and sampled every other pixel: how busy that part of the picture is.
    pub fn variance(&self, x: f32, y: f32, side: f32) -> f32 {
        let clip = |v: f32, limit: usize| (v.max(0.0) as usize).min(limit);
        let (x0, x1) = (clip(x, self.w), clip(x + side, self.w));
        let (y0, y1) = (clip(y, self.h), clip(y + side, self.h));
        let (mut n, mut sum, mut sq) = (0.0f32, 0.0f32, 0.0f32);
        for yy in (y0..y1).step_by(2) {
            for xx in (x0..x1).step_by(2) {
                let [r, g, b] = self.px[yy * self.w + xx];
                let v = (r + g + b) / 3.0;
                n += 1.0;
                sum += v;
                sq += v * v;
            }
        }
        if n == 0.0 {
            return 0.0;
        }
        let mean = sum / n;
        sq / n - mean * mean
    }

    pub fn to_rgb(&self) -> RgbImage {
        let mut img = RgbImage::new(self.w as u32, self.h as u32);
        for (dst, src) in img.pixels_mut().zip(&self.px) {
            *dst = image::Rgb(src.map(|v| (v.clamp(0.0, 1.0) * 255.0 + 0.5) as u8));
        }
        img
    }

    /// Separable Gaussian blur, edges clamped. Both passes run over whole rows of flat
    /// channel values so the compiler can vectorise them.
    pub fn blur(&mut self, sigma: f32) {
        if sigma < 0.2 {
            return;
        }
        let radius = (sigma * 2.5).ceil() as usize;
        let kernel: Vec<f32> = (0..=2 * radius)
            .map(|i| {
                let d = i as f32 - radius as f32;
                (-(d * d) / (2.0 * sigma * sigma)).exp()
            })
            .collect();
        let sum: f32 = kernel.iter().sum();
        let kernel: Vec<f32> = kernel.iter().map(|k| k / sum).collect();
        let (w, h) = (self.w, self.h);
        let row_len = w * 3;
        let flat: &mut [f32] = self.px.as_flattened_mut();
        // Horizontal: each row padded with copies of its edge pixels.
        let mut padded = vec![0.0f32; (w + 2 * radius) * 3];
        let mut tmp = vec![0.0f32; flat.len()];
        for y in 0..h {
            let row = &flat[y * row_len..(y + 1) * row_len];
            for i in 0..radius {
                padded[i * 3..i * 3 + 3].copy_from_slice(&row[..3]);
                let right = (radius + w + i) * 3;
                padded[right..right + 3].copy_from_slice(&row[row_len - 3..]);
            }
            padded[radius * 3..(radius + w) * 3].copy_from_slice(row);
            let out = &mut tmp[y * row_len..(y + 1) * row_len];
            for (i, k) in kernel.iter().enumerate() {
                let src = &padded[i * 3..i * 3 + row_len];
                for (o, s) in out.iter_mut().zip(src) {
                    *o += s * k;
                }
            }
        }
        // Vertical: whole rows weighted and summed.
        for y in 0..h {
            let out = &mut flat[y * row_len..(y + 1) * row_len];
            out.fill(0.0);
            for (i, k) in kernel.iter().enumerate() {
                let sy = (y + i).saturating_sub(radius).min(h - 1);
                let src = &tmp[sy * row_len..(sy + 1) * row_len];
                for (o, s) in out.iter_mut().zip(src) {
                    *o += s * k;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blur_keeps_flat_colour_and_spreads_an_impulse_symmetrically() {
        let mut flat = Canvas::new(9, 7);
        flat.px.fill([0.2, 0.5, 0.9]);
        flat.blur(1.5);
        for p in &flat.px {
            for (v, want) in p.iter().zip([0.2, 0.5, 0.9]) {
                assert!((v - want).abs() < 1e-5, "{p:?}");
            }
        }
        let mut dot = Canvas::new(15, 15);
        dot.px[7 * 15 + 7] = [1.0, 0.0, 0.5];
        dot.blur(1.0);
        let total: f32 = dot.px.iter().map(|p| p[0]).sum();
        assert!((total - 1.0).abs() < 1e-4, "mass {total}");
        let at = |x: usize, y: usize| dot.px[y * 15 + x][0];
        assert!(at(7, 7) > at(8, 7) && at(8, 7) > at(9, 7) && at(9, 7) > 0.0);
        assert!((at(6, 7) - at(8, 7)).abs() < 1e-6 && (at(7, 6) - at(7, 8)).abs() < 1e-6);
        assert!((dot.px[7 * 15 + 8][2] * 2.0 - at(8, 7)).abs() < 1e-6);
    }
}
