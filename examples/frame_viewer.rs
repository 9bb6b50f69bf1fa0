//! A stand-in for a capture-card viewer: a plain window showing one image at 1:1, used by
//! `scripts/screenshots.sh` so the app has a real window to capture.
//! `cargo run --release --example frame_viewer -- BACKGROUND [CROP] [TITLE]`: the background
//! 960 wide (a room render: 960x600), with CROP ("-" for none) (a real item capture) pasted in the middle.

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args
        .first()
        .ok_or_else(|| anyhow::anyhow!("usage: frame_viewer BACKGROUND [CROP] [TITLE]"))?;
    let title = args
        .get(2)
        .cloned()
        .unwrap_or_else(|| "Capture viewer".into());
    let background = isaac_lens::imageio::open(std::path::Path::new(path))?.to_rgba8();
    // 960 wide, keeping the picture's shape (a 16:10 room render stays 960x600).
    let height = (960 * background.height() / background.width().max(1)).max(1);
    let mut img = image::imageops::resize(
        &background,
        960,
        height,
        image::imageops::FilterType::Triangle,
    );
    if let Some(crop) = args.get(1).filter(|c| c.as_str() != "-") {
        let crop = isaac_lens::imageio::open(std::path::Path::new(crop))?.to_rgba8();
        let (x, y) = (
            (960 - crop.width() as i64) / 2,
            (i64::from(height) - crop.height() as i64) / 2,
        );
        image::imageops::overlay(&mut img, &crop, x, y);
    }
    let (w, h) = (img.width() as f32, img.height() as f32);
    let state = tempfile::tempdir()?;
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title(&title)
            .with_inner_size([w, h]),
        renderer: eframe::Renderer::Glow,
        // Each picture sizes its own window: eframe would restore the last picture's size
        // from its saved state, so the state lives in a folder of this run only.
        persistence_path: Some(state.path().to_path_buf()),
        ..Default::default()
    };
    let mut texture: Option<egui::TextureHandle> = None;
    eframe::run_ui_native(&title, options, move |ui, _frame| {
        let t = texture.get_or_insert_with(|| {
            let colour = egui::ColorImage::from_rgba_unmultiplied(
                [img.width() as usize, img.height() as usize],
                img.as_raw(),
            );
            ui.ctx()
                .load_texture("frame", colour, egui::TextureOptions::NEAREST)
        });
        egui::CentralPanel::default()
            .frame(egui::Frame::NONE)
            .show(ui, |ui| {
                ui.add(egui::Image::new((t.id(), egui::vec2(w, h))));
            });
    })
    .map_err(|e| anyhow::anyhow!("{e}"))
}
