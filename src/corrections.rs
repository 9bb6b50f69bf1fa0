//! Labelled crops: the player's own corrected captures (saved by the app, mixed into
//! training) and evaluation sets. Both are a folder of images plus a `labels.csv` with
//! columns `file,kind,game_id` (file relative to the CSV).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::catalog::{ItemKey, ItemKind};
use crate::engine::recipe::LabelledCapture;

pub const LABELS_FILE: &str = "labels.csv";

#[derive(Debug, thiserror::Error)]
pub enum LabelsError {
    #[error("{}: {}", crate::quote::path(path), crate::quote::message(message))]
    File { path: PathBuf, message: String },
}

fn file_error(path: &Path, message: impl std::fmt::Display) -> LabelsError {
    LabelsError::File {
        path: path.to_path_buf(),
        message: message.to_string(),
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LabelRow {
    pub file: String,
    pub kind: String,
    pub game_id: u32,
}

/// One labelled file: its path (resolved against the CSV's folder) and its item.
#[derive(Clone, Debug, PartialEq)]
pub struct Labelled {
    pub path: PathBuf,
    pub key: ItemKey,
}

/// Reads `file,kind,game_id` rows (other columns are ignored); any bad row is an error.
pub fn read_labels(csv_path: &Path) -> Result<Vec<Labelled>, LabelsError> {
    let (rows, problems) = read_labels_skipping(csv_path)?;
    match problems.into_iter().next() {
        Some(first) => Err(file_error(csv_path, first)),
        None => Ok(rows),
    }
}

/// Reads the rows that parse; each bad row is described in the second list instead.
pub fn read_labels_skipping(csv_path: &Path) -> Result<(Vec<Labelled>, Vec<String>), LabelsError> {
    if csv_path.is_dir() {
        return Err(file_error(csv_path, "is a folder, not a labels CSV file"));
    }
    let mut reader = csv::Reader::from_path(csv_path).map_err(|e| file_error(csv_path, e))?;
    let base = csv_path.parent().unwrap_or(Path::new("."));
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (i, row) in reader.deserialize::<LabelRow>().enumerate() {
        let parsed = row.map_err(|e| e.to_string()).and_then(|row| {
            let kind: ItemKind = row.kind.parse().map_err(|e| format!("{e}"))?;
            Ok(Labelled {
                path: base.join(&row.file),
                key: ItemKey::new(kind, row.game_id),
            })
        });
        match parsed {
            Ok(l) => out.push(l),
            Err(e) => problems.push(format!("row {}: {e}", i + 2)),
        }
    }
    Ok((out, problems))
}

/// The player's captures in `dir` as training samples, and a note for each row or image that
/// was skipped (the rest still load).
pub fn load_labelled(dir: &Path) -> (Vec<LabelledCapture>, Vec<String>) {
    let csv_path = dir.join(LABELS_FILE);
    if !csv_path.is_file() {
        return (Vec::new(), Vec::new());
    }
    let (rows, mut notes) = match read_labels_skipping(&csv_path) {
        Ok((rows, problems)) => (
            rows,
            problems
                .into_iter()
                .map(|p| format!("{}: {p}", csv_path.display()))
                .collect(),
        ),
        Err(e) => (Vec::new(), vec![e.to_string()]),
    };
    let mut captures = Vec::new();
    for l in rows {
        match crate::imageio::open(&l.path) {
            Ok(img) => captures.push(LabelledCapture {
                key: l.key,
                image: img.to_rgb8(),
            }),
            Err(e) => notes.push(format!("{}: {e}", l.path.display())),
        }
    }
    (captures, notes)
}

/// Saves a corrected crop into the player's dataset and appends its label.
pub fn save_capture(
    dir: &Path,
    key: ItemKey,
    crop: &image::DynamicImage,
) -> Result<PathBuf, LabelsError> {
    std::fs::create_dir_all(dir).map_err(|e| file_error(dir, e))?;
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let name = format!("{}_{}_{stamp}.png", key.kind, key.id);
    let path = dir.join(&name);
    let mut png = Vec::new();
    crop.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(|e| file_error(&path, e))?;
    crate::fsutil::write_atomic(&path, &png).map_err(|e| file_error(&path, e))?;
    let csv_path = dir.join(LABELS_FILE);
    let mut text = std::fs::read_to_string(&csv_path).unwrap_or_default();
    if text.is_empty() {
        text.push_str("file,kind,game_id\n");
    } else if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&format!("{name},{},{}\n", key.kind, key.id));
    crate::fsutil::write_atomic(&csv_path, text.as_bytes())
        .map_err(|e| file_error(&csv_path, e))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_captures_come_back_labelled() {
        let dir = tempfile::tempdir().unwrap();
        let key = ItemKey::new(ItemKind::Collectible, 270);
        let img = image::DynamicImage::ImageRgb8(image::RgbImage::from_pixel(
            40,
            30,
            image::Rgb([200, 10, 10]),
        ));
        save_capture(dir.path(), key, &img).unwrap();
        save_capture(dir.path(), ItemKey::new(ItemKind::Trinket, 10), &img).unwrap();
        let rows = read_labels(&dir.path().join(LABELS_FILE)).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].key, key);
        let (loaded, skipped) = load_labelled(dir.path());
        assert!(skipped.is_empty(), "{skipped:?}");
        assert_eq!(loaded[1].key, ItemKey::new(ItemKind::Trinket, 10));
        assert_eq!(loaded[0].image.dimensions(), (40, 30));
    }

    #[test]
    fn bad_rows_name_the_file_and_row() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("labels.csv");
        std::fs::write(
            &csv,
            "file,kind,game_id\na.png,collectible,1\nb.png,pill,3\n",
        )
        .unwrap();
        let err = read_labels(&csv).unwrap_err().to_string();
        assert!(
            err.contains("labels.csv") && err.contains("row 3") && err.contains("pill"),
            "{err}"
        );
    }

    #[test]
    fn a_bad_row_skips_only_itself_when_loading_training_captures() {
        let dir = tempfile::tempdir().unwrap();
        let img = image::DynamicImage::ImageRgb8(image::RgbImage::from_pixel(
            8,
            8,
            image::Rgb([1, 2, 3]),
        ));
        save_capture(dir.path(), ItemKey::new(ItemKind::Collectible, 1), &img).unwrap();
        save_capture(dir.path(), ItemKey::new(ItemKind::Collectible, 2), &img).unwrap();
        let csv = dir.path().join(LABELS_FILE);
        let mut text = std::fs::read_to_string(&csv).unwrap();
        text.push_str("x.png,pill,3\nmissing.png,collectible,4\n");
        std::fs::write(&csv, text).unwrap();
        let (loaded, skipped) = load_labelled(dir.path());
        assert_eq!(loaded.len(), 2, "the good rows still load");
        assert_eq!(skipped.len(), 2, "{skipped:?}");
        assert!(
            skipped[0].contains("row 4") && skipped[0].contains("pill"),
            "{skipped:?}"
        );
        assert!(skipped[1].contains("missing.png"), "{skipped:?}");
    }
}
