//! Chinese text needs a CJK font: the system's, found by platform, behind egui's own.

use std::path::PathBuf;
use std::sync::Arc;

/// Candidate CJK fonts and the face index to use (Noto's collection holds SC at index 2).
fn candidates() -> Vec<(PathBuf, u32)> {
    let mut out: Vec<(PathBuf, u32)> = Vec::new();
    if let Some(p) = std::env::var_os("ISAAC_LENS_CJK_FONT") {
        out.push((PathBuf::from(p), 0));
    }
    #[cfg(target_os = "windows")]
    {
        let fonts = std::env::var_os("WINDIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(r"C:\Windows"))
            .join("Fonts");
        out.push((fonts.join("msyh.ttc"), 0));
        out.push((fonts.join("msyh.ttf"), 0));
        out.push((fonts.join("simhei.ttf"), 0));
        out.push((fonts.join("simsun.ttc"), 0));
    }
    #[cfg(target_os = "macos")]
    {
        out.push((PathBuf::from("/System/Library/Fonts/PingFang.ttc"), 0));
        out.push((PathBuf::from("/System/Library/Fonts/STHeiti Medium.ttc"), 0));
        out.push((PathBuf::from("/Library/Fonts/Arial Unicode.ttf"), 0));
    }
    #[cfg(all(unix, not(target_os = "macos")))]
    {
        for dir in [
            "/usr/share/fonts/opentype/noto",
            "/usr/share/fonts/noto-cjk",
            "/usr/share/fonts/google-noto-cjk",
        ] {
            out.push((PathBuf::from(dir).join("NotoSansCJK-Regular.ttc"), 2));
        }
        out.push((
            PathBuf::from("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
            0,
        ));
        out.push((
            PathBuf::from("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
            0,
        ));
    }
    out
}

/// Adds the first CJK font found as a fallback for every family. Returns its path, or None
/// when there is none (Chinese then shows as boxes, and the app says so).
pub fn install_cjk_font(ctx: &egui::Context) -> Option<PathBuf> {
    let (path, index, bytes) = candidates()
        .into_iter()
        .find_map(|(path, index)| std::fs::read(&path).ok().map(|bytes| (path, index, bytes)))?;
    let mut fonts = egui::FontDefinitions::default();
    let mut data = egui::FontData::from_owned(bytes);
    data.index = index;
    fonts.font_data.insert("cjk".to_owned(), Arc::new(data));
    for family in [egui::FontFamily::Proportional, egui::FontFamily::Monospace] {
        fonts
            .families
            .entry(family)
            .or_default()
            .push("cjk".to_owned());
    }
    ctx.set_fonts(fonts);
    Some(path)
}
