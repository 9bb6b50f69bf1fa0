//! Image decoding with limits: user files may be huge, truncated or hostile.

use std::io::Cursor;
use std::path::Path;

use image::{DynamicImage, ImageFormat, ImageReader, Limits};

/// Largest side accepted (a 8K capture is 7680 wide); guards against decompression bombs.
pub const MAX_SIDE: u32 = 16_384;
/// Decoding buffers at most this large: an 8K RGBA frame takes 133 MB.
const MAX_ALLOC: u64 = 512 << 20;

#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot decode: {0}")]
    Decode(#[from] image::ImageError),
    #[error("cannot decode: {0}")]
    Damaged(&'static str),
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    limits
}

pub fn open(path: &Path) -> Result<DynamicImage, ImageError> {
    let size = std::fs::metadata(path)?.len();
    if size > MAX_ALLOC {
        return Err(ImageError::Damaged(
            "the file is larger than 512 MiB, more than any frame needs",
        ));
    }
    decode(&std::fs::read(path)?)
}

pub fn decode(bytes: &[u8]) -> Result<DynamicImage, ImageError> {
    let mut reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format()?;
    if reader.format() == Some(ImageFormat::Jpeg) && !jpeg_is_whole(bytes) {
        return Err(ImageError::Damaged(
            "the JPEG file is truncated (it ends before its image does)",
        ));
    }
    reader.limits(limits());
    Ok(reader.decode()?)
}

/// Whether a JPEG holds its end marker after its last scan. The decoder fills a cut-off
/// image with grey without a word, and a grey frame would be scanned as an empty room.
/// Inside a scan's data 0xFF is always escaped, so neither marker appears there by chance;
/// an embedded thumbnail's markers come before the main image's last scan.
fn jpeg_is_whole(bytes: &[u8]) -> bool {
    const START_OF_SCAN: [u8; 2] = [0xFF, 0xDA];
    const END_OF_IMAGE: [u8; 2] = [0xFF, 0xD9];
    let Some(last_scan) = bytes.windows(2).rposition(|w| w == START_OF_SCAN) else {
        return false;
    };
    bytes[last_scan..].windows(2).any(|w| w == END_OF_IMAGE)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg_bytes() -> Vec<u8> {
        let img =
            image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8 * 4, y as u8 * 5, 90]));
        let mut out = Vec::new();
        DynamicImage::ImageRgb8(img)
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Jpeg)
            .unwrap();
        out
    }

    #[test]
    fn a_truncated_jpeg_is_an_error_not_a_grey_image() {
        let whole = jpeg_bytes();
        assert_eq!(decode(&whole).unwrap().width(), 64);
        for keep in [whole.len() - 2, whole.len() * 2 / 3, whole.len() / 3] {
            let err = decode(&whole[..keep]).unwrap_err().to_string();
            assert!(err.contains("truncated"), "{keep}: {err}");
        }
        // Bytes after the end marker (some cameras append data) do no harm.
        let mut padded = whole.clone();
        padded.extend_from_slice(&[0u8; 100]);
        assert_eq!(decode(&padded).unwrap().height(), 48);
    }
}
