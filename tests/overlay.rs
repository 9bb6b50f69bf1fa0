//! The stream overlay in a real headless browser (Chromium from Debian): items published by
//! the app reach an open page through its event stream, drawn as sprites on a transparent
//! background.

#![allow(clippy::unwrap_used)] // a test fails loudly on a broken fixture

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use isaac_lens::catalog::{ItemKey, ItemKind};
use isaac_lens::overlay::{Overlay, OverlayState};
use isaac_lens::run_log::{Correction, Run};

/// A run that took these collectibles, in order.
fn run_of(ids: &[u32]) -> Run {
    let mut run = Run::new(1_700_000_000);
    for &id in ids {
        run.correct(Correction::AddTaken(ItemKey::new(
            ItemKind::Collectible,
            id,
        )));
    }
    run
}

/// Headless Chromium on `url`, doing `what` (`--dump-dom`, `--screenshot=…`). With a virtual
/// time budget it stays while the page's event stream is open, and ends once it closes.
fn chromium(url: &str, profile: &Path, what: &str) -> Child {
    Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-dev-shm-usage",
            "--disable-gpu",
            "--hide-scrollbars",
            "--default-background-color=00000000",
            "--force-device-scale-factor=1",
            "--window-size=520,240",
            "--virtual-time-budget=20000",
            what,
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium (installed by scripts/setup.sh)")
}

/// Waits until the overlay answered a request for `path` at or after `since`; returns when.
fn served_after(overlay: &Overlay, path: &str, since: Instant) -> Instant {
    let start = Instant::now();
    loop {
        if let Some((_, at)) = overlay
            .served()
            .into_iter()
            .find(|(p, at)| p == path && *at >= since)
        {
            return at;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the page never asked for {path}: {:?}",
            overlay.served()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Chromium's output once it ends, bounded.
fn finished(mut browser: Child) -> String {
    let status = common::wait_bounded(&mut browser, Duration::from_secs(60));
    assert!(status.success(), "chromium failed: {status}");
    let mut out = String::new();
    use std::io::Read as _;
    browser
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    out
}

#[cfg(target_os = "linux")]
#[test]
fn a_taken_item_reaches_an_open_overlay_page_within_a_second() {
    let catalog = common::real_catalog();
    let overlay = Overlay::start(0).unwrap();
    overlay.publish(&OverlayState::from_run(&run_of(&[145, 133]), catalog, true));
    let profile = tempfile::tempdir().unwrap();
    let opened = Instant::now();
    let browser = chromium(&overlay.url(), profile.path(), "--dump-dom");
    // The page is up and drew the run so far (it fetched the second sprite).
    served_after(&overlay, "/events", opened);
    served_after(&overlay, "/sprite/collectible/133.png", opened);
    // Dead Cat is taken: the page draws it (and so fetches its sprite) within a second.
    let published = Instant::now();
    overlay.publish(&OverlayState::from_run(
        &run_of(&[145, 133, 81]),
        catalog,
        true,
    ));
    let drawn = served_after(&overlay, "/sprite/collectible/81.png", published);
    let latency = drawn.duration_since(published);
    assert!(latency < Duration::from_secs(1), "drawn after {latency:?}");
    eprintln!("taken item drawn {latency:?} after it was published");
    // The overlay stops: the stream ends, Chromium writes the page as it stands.
    drop(overlay);
    let dom = finished(browser);
    let keys: Vec<&str> = dom
        .split("data-key=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .collect();
    assert_eq!(
        keys,
        ["collectible:145", "collectible:133", "collectible:81"],
        "{dom}"
    );
    assert!(
        dom.contains("<span>Dead Cat</span><span>嗝屁猫</span>"),
        "{dom}"
    );
    assert!(
        dom.contains("<title>Isaac Lens overlay: 3</title>"),
        "{dom}"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn the_overlay_page_draws_sprites_in_a_row_on_a_transparent_background() {
    let catalog = common::real_catalog();
    let overlay = Overlay::start(0).unwrap();
    overlay.publish(&OverlayState::from_run(
        &run_of(&[145, 133, 81, 187]),
        catalog,
        true,
    ));
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("overlay");
    std::fs::create_dir_all(&dir).unwrap();
    let shot = dir.join("overlay.png");
    let _ = std::fs::remove_file(&shot);
    let profile = tempfile::tempdir().unwrap();
    let opened = Instant::now();
    let browser = chromium(
        &overlay.url(),
        profile.path(),
        &format!("--screenshot={}", shot.display()),
    );
    served_after(&overlay, "/sprite/collectible/187.png", opened);
    std::thread::sleep(Duration::from_millis(300));
    drop(overlay);
    finished(browser);
    let png = image::open(&shot).unwrap().to_rgba8();
    eprintln!("screenshot: {}", shot.display());
    assert_eq!(png.dimensions(), (520, 240));
    // Names below the sprites: white, outlined in black.
    let below = |x0: u32, x1: u32| {
        (x0..x1)
            .flat_map(|x| (72..110).map(move |y| (x, y)))
            .filter(|&(x, y)| {
                let p = png.get_pixel(x, y);
                p[3] > 200 && p[0] > 200 && p[1] > 200 && p[2] > 200
            })
            .count()
    };
    assert!(below(6, 126) > 30, "no name under the first sprite");
    // Nothing drawn below the names or right of the fourth item: see-through.
    for (x, y) in [(0, 0), (519, 0), (519, 239), (0, 239), (515, 40)] {
        assert_eq!(
            png.get_pixel(x, y)[3],
            0,
            "pixel {x},{y} is not transparent"
        );
    }
    // Each sprite, 32 px drawn at 64 px without smoothing, in cells 120 px wide and 6 apart
    // from x = 6 (the sprite centred: + 28), 6 px from the top.
    for (cell, id) in [145u32, 133, 81, 187].into_iter().enumerate() {
        let item = catalog
            .get(ItemKey::new(ItemKind::Collectible, id))
            .unwrap();
        let sprite = catalog.sprite(item).unwrap();
        let (left, top) = (6 + 28 + 126 * cell as u32, 6);
        let (mut opaque, mut alike) = (0, 0);
        for (sx, sy, p) in sprite.enumerate_pixels() {
            if p[3] < 250 {
                continue;
            }
            opaque += 1;
            let q = png.get_pixel(left + 2 * sx + 1, top + 2 * sy + 1);
            if (0..3).all(|c| p[c].abs_diff(q[c]) <= 8) && q[3] > 245 {
                alike += 1;
            }
        }
        assert!(
            alike * 10 >= opaque * 9,
            "item {id}: {alike} of {opaque} sprite pixels drawn where expected"
        );
    }
}
