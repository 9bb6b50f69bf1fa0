//! The stream overlay: a page on loopback only (127.0.0.1) that OBS adds as a browser
//! source. It shows the run's taken items as sprites in rows on a transparent background,
//! names below them if asked, and updates through server-sent events (the page waits on
//! one open response; nothing polls). Also the plain-text list for OBS text sources.
//!
//! A plain `std::net` server: OBS and a browser or two are its only clients, so a thread
//! each, at most [`MAX_CLIENTS`], is simpler than an async runtime.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::catalog::Catalog;
use crate::run_log::Run;

/// The port the overlay listens on unless Settings say otherwise.
pub const DEFAULT_PORT: u16 = 7787;
/// Ports a player may choose (below 1024 needs privileges on most systems).
pub const PORTS: std::ops::RangeInclusive<u16> = 1024..=65535;
/// Connections served at once; more are answered 503 and closed.
const MAX_CLIENTS: usize = 32;
/// An idle event stream gets a comment this often, so that a closed page is noticed.
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// A request's head must arrive within this, and be at most this long.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
const MAX_REQUEST: usize = 8 * 1024;

/// One item on the overlay.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OverlayItem {
    /// `kind:id`, as the catalog writes keys.
    pub key: String,
    pub name_en: String,
    pub name_zh: String,
    /// Where the page fetches its sprite (empty when the catalog has none).
    pub sprite_url: String,
    #[serde(skip)]
    sprite: Option<PathBuf>,
}

/// What the overlay shows: the run's taken items, in the order taken.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct OverlayState {
    /// Names are shown below the sprites.
    pub names: bool,
    pub items: Vec<OverlayItem>,
}

impl OverlayState {
    /// The items `run` took, named and drawn from `catalog`.
    pub fn from_run(run: &Run, catalog: &Catalog, names: bool) -> Self {
        let items = run
            .taken()
            .into_iter()
            .map(|entry| {
                let key = entry.key.to_string();
                let item = catalog.get(entry.key);
                let sprite = item.map(|item| catalog.sprite_path(item));
                OverlayItem {
                    sprite_url: if sprite.is_some() {
                        format!("/sprite/{}/{}.png", entry.key.kind, entry.key.id)
                    } else {
                        String::new()
                    },
                    name_en: item.map_or_else(|| key.clone(), |i| i.name_en.clone()),
                    name_zh: item.map_or_else(String::new, |i| i.name_zh.clone()),
                    key,
                    sprite,
                }
            })
            .collect();
        Self { names, items }
    }

    /// One item a line, for an OBS text source (Chinese names where asked and known).
    pub fn text(&self, chinese: bool) -> String {
        self.items
            .iter()
            .map(|i| {
                let name = if chinese && !i.name_zh.is_empty() {
                    &i.name_zh
                } else {
                    &i.name_en
                };
                format!("{name}\n")
            })
            .collect()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OverlayError {
    #[error("port {0} on 127.0.0.1 is already in use: choose another overlay port in Settings")]
    PortInUse(u16),
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Listen { port: u16, source: io::Error },
}

/// The published state, as the page receives it.
struct Published {
    version: u64,
    json: String,
    sprites: HashMap<String, PathBuf>,
}

struct Shared {
    published: Mutex<Published>,
    changed: Condvar,
    stop: AtomicBool,
    clients: AtomicUsize,
    port: u16,
    /// The latest requests answered: path and when (what a page fetched, for the curious).
    served: Mutex<std::collections::VecDeque<(String, Instant)>>,
}

impl Shared {
    fn published(&self) -> MutexGuard<'_, Published> {
        // A panic while holding the lock leaves plain data: still readable.
        self.published
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Requests remembered by [`Overlay::served`].
const SERVED_KEPT: usize = 64;

/// The running overlay server; stopped when dropped.
pub struct Overlay {
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

impl Overlay {
    /// Listens on 127.0.0.1:`port` (0: any free port) and serves `state` until dropped.
    pub fn start(port: u16) -> Result<Self, OverlayError> {
        let listener =
            TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).map_err(|source| {
                match source.kind() {
                    io::ErrorKind::AddrInUse => OverlayError::PortInUse(port),
                    _ => OverlayError::Listen { port, source },
                }
            })?;
        let port = listener
            .local_addr()
            .map_err(|source| OverlayError::Listen { port, source })?
            .port();
        let shared = Arc::new(Shared {
            published: Mutex::new(Published {
                version: 0,
                json: page_json(&OverlayState::default()),
                sprites: HashMap::new(),
            }),
            changed: Condvar::new(),
            stop: AtomicBool::new(false),
            clients: AtomicUsize::new(0),
            port,
            served: Mutex::new(std::collections::VecDeque::new()),
        });
        let accept_shared = shared.clone();
        let accept = std::thread::Builder::new()
            .name("overlay".into())
            .spawn(move || accept_loop(&listener, &accept_shared))
            .map_err(|source| OverlayError::Listen { port, source })?;
        Ok(Self {
            shared,
            accept: Some(accept),
        })
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.shared.port
    }

    /// The page's address, for OBS.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port())
    }

    /// Pages (and other requests) connected now.
    pub fn clients(&self) -> usize {
        self.shared.clients.load(Ordering::SeqCst)
    }

    /// The latest requests answered (at most 64), oldest first: path and when.
    pub fn served(&self) -> Vec<(String, Instant)> {
        self.shared
            .served
            .lock()
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Shows `state` on every open page now.
    pub fn publish(&self, state: &OverlayState) {
        let json = page_json(state);
        let mut published = self.shared.published();
        if published.json == json {
            return;
        }
        published.version += 1;
        published.json = json;
        published.sprites = state
            .items
            .iter()
            .filter_map(|i| Some((i.sprite_url.clone(), i.sprite.clone()?)))
            .collect();
        drop(published);
        self.shared.changed.notify_all();
    }
}

impl Drop for Overlay {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.shared.changed.notify_all();
        // The accept loop blocks in accept(): a connection of our own wakes it.
        let _ = TcpStream::connect_timeout(
            &SocketAddr::from((Ipv4Addr::LOCALHOST, self.shared.port)),
            Duration::from_secs(1),
        );
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
        // Event streams wake on the notify above and end; wait for them, bounded.
        let start = Instant::now();
        while self.clients() > 0 && start.elapsed() < Duration::from_secs(2) {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

fn page_json(state: &OverlayState) -> String {
    serde_json::to_string(state).unwrap_or_else(|_| "{\"names\":false,\"items\":[]}".into())
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(mut stream) = stream else { continue };
        if shared.clients.load(Ordering::SeqCst) >= MAX_CLIENTS {
            let _ = respond(
                &mut stream,
                "503 Service Unavailable",
                "text/plain",
                b"busy",
            );
            continue;
        }
        shared.clients.fetch_add(1, Ordering::SeqCst);
        let client = shared.clone();
        let spawned = std::thread::Builder::new()
            .name("overlay client".into())
            .spawn(move || {
                if let Err(e) = serve(stream, &client) {
                    tracing::debug!("overlay client: {e}");
                }
                client.clients.fetch_sub(1, Ordering::SeqCst);
            });
        if spawned.is_err() {
            shared.clients.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// Answers one request (an event stream lasts until the page goes or the overlay stops).
fn serve(mut stream: TcpStream, shared: &Shared) -> io::Result<()> {
    stream.set_read_timeout(Some(REQUEST_TIMEOUT))?;
    stream.set_write_timeout(Some(REQUEST_TIMEOUT))?;
    let Some(head) = read_head(&mut stream)? else {
        return respond(&mut stream, "400 Bad Request", "text/plain", b"bad request");
    };
    let mut lines = head.lines();
    let mut request = lines.next().unwrap_or_default().split_whitespace();
    let (method, target) = (request.next().unwrap_or(""), request.next().unwrap_or(""));
    // A page on another site could reach loopback by DNS rebinding: only our own names.
    let host_ok = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("host"))
        .is_some_and(|(_, host)| {
            let host = host.trim();
            let name = host.rsplit_once(':').map_or(host, |(name, _)| name);
            matches!(name, "127.0.0.1" | "localhost")
        });
    if !host_ok {
        return respond(&mut stream, "403 Forbidden", "text/plain", b"loopback only");
    }
    if method != "GET" {
        return respond(
            &mut stream,
            "405 Method Not Allowed",
            "text/plain",
            b"GET only",
        );
    }
    let path = target.split('?').next().unwrap_or("");
    if let Ok(mut served) = shared.served.lock() {
        if served.len() == SERVED_KEPT {
            served.pop_front();
        }
        served.push_back((path.to_string(), Instant::now()));
    }
    match path {
        "/" | "/index.html" => respond(
            &mut stream,
            "200 OK",
            "text/html; charset=utf-8",
            PAGE.as_bytes(),
        ),
        "/state.json" => {
            let json = shared.published().json.clone();
            respond(
                &mut stream,
                "200 OK",
                "application/json; charset=utf-8",
                json.as_bytes(),
            )
        }
        "/events" => events(stream, shared),
        _ if path.starts_with("/sprite/") => {
            let file = shared.published().sprites.get(path).cloned();
            match file.map(std::fs::read) {
                Some(Ok(bytes)) => respond(&mut stream, "200 OK", "image/png", &bytes),
                _ => respond(
                    &mut stream,
                    "404 Not Found",
                    "text/plain",
                    b"no such sprite",
                ),
            }
        }
        _ => respond(&mut stream, "404 Not Found", "text/plain", b"not found"),
    }
}

/// The request's head (up to the blank line), or None when it is not one.
fn read_head(stream: &mut TcpStream) -> io::Result<Option<String>> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf)?;
        if n == 0 || head.len() + n > MAX_REQUEST {
            return Ok(None);
        }
        head.extend_from_slice(&buf[..n]);
    }
    Ok(String::from_utf8(head).ok())
}

fn respond(stream: &mut TcpStream, status: &str, kind: &str, body: &[u8]) -> io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()
}

/// A server-sent event stream: the state now, then each new state as it is published.
fn events(mut stream: TcpStream, shared: &Shared) -> io::Result<()> {
    stream.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: keep-alive\r\n\r\nretry: 2000\n\n",
    )?;
    let mut sent = None;
    loop {
        let mut published = shared.published();
        while sent == Some(published.version) && !shared.stop.load(Ordering::SeqCst) {
            let (guard, wait) = shared
                .changed
                .wait_timeout(published, KEEP_ALIVE)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            published = guard;
            if wait.timed_out() && sent == Some(published.version) {
                drop(published);
                stream.write_all(b": keep-alive\n\n")?;
                stream.flush()?;
                published = shared.published();
            }
        }
        if shared.stop.load(Ordering::SeqCst) {
            return Ok(());
        }
        let message = format!("data: {}\n\n", published.json);
        sent = Some(published.version);
        drop(published);
        stream.write_all(message.as_bytes())?;
        stream.flush()?;
    }
}

/// The overlay page: sprites in rows on a transparent background, names below them when
/// the state asks; `?size=N` sets the sprite size in pixels (16 to 256, default 64).
const PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Isaac Lens overlay</title>
<style>
  html, body { margin: 0; background: transparent; }
  #items { display: flex; flex-wrap: wrap; gap: 6px; padding: 6px; }
  .item { display: flex; flex-direction: column; align-items: center; width: calc(var(--size) + 56px); }
  .item img { width: var(--size); height: var(--size); image-rendering: pixelated; }
  .item span { font: 600 13px/1.2 "Noto Sans CJK SC", "Noto Sans", sans-serif; color: #fff;
               text-align: center; text-shadow: 0 0 3px #000, 0 0 3px #000; margin-top: 1px; }
</style>
</head>
<body>
<div id="items"></div>
<script>
  const size = Math.min(256, Math.max(16, parseInt(new URLSearchParams(location.search).get("size")) || 64));
  document.documentElement.style.setProperty("--size", size + "px");
  const list = document.getElementById("items");
  function show(state) {
    list.replaceChildren(...state.items.map(item => {
      const cell = document.createElement("div");
      cell.className = "item";
      cell.dataset.key = item.key;
      if (item.sprite_url) {
        const img = document.createElement("img");
        img.src = item.sprite_url;
        img.alt = item.name_en;
        cell.append(img);
      }
      if (state.names || !item.sprite_url) {
        for (const text of [item.name_en, item.name_zh].filter(t => t)) {
          const name = document.createElement("span");
          name.textContent = text;
          cell.append(name);
        }
      }
      return cell;
    }));
    document.title = "Isaac Lens overlay: " + state.items.length;
  }
  new EventSource("/events").onmessage = e => show(JSON.parse(e.data));
</script>
</body>
</html>
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn get(port: u16, path: &str, host: &str) -> String {
        let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        write!(stream, "GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n").unwrap();
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        answer
    }

    #[test]
    fn the_page_is_served_to_loopback_names_only() {
        let overlay = Overlay::start(0).unwrap();
        let port = overlay.port();
        let page = get(port, "/", &format!("127.0.0.1:{port}"));
        assert!(page.starts_with("HTTP/1.1 200 OK"), "{page}");
        assert!(page.contains("new EventSource(\"/events\")"));
        assert!(get(port, "/", "localhost").starts_with("HTTP/1.1 200"));
        assert!(get(port, "/", "evil.example:7787").starts_with("HTTP/1.1 403"));
        assert!(get(port, "/nothing", "localhost").starts_with("HTTP/1.1 404"));
        assert!(get(port, "/sprite/collectible/1.png", "localhost").starts_with("HTTP/1.1 404"));
        let state = get(port, "/state.json", "localhost");
        assert!(state.ends_with("{\"names\":false,\"items\":[]}"), "{state}");
    }

    #[test]
    fn an_open_event_stream_gets_each_new_state_at_once() {
        let overlay = Overlay::start(0).unwrap();
        let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, overlay.port())).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        write!(stream, "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
        let mut seen = String::new();
        let read_until = |stream: &mut TcpStream, seen: &mut String, what: &str| {
            let mut buf = [0u8; 4096];
            while !seen.contains(what) {
                let n = stream.read(&mut buf).unwrap();
                assert!(n > 0, "stream ended: {seen}");
                seen.push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        };
        read_until(
            &mut stream,
            &mut seen,
            "data: {\"names\":false,\"items\":[]}\n\n",
        );
        assert!(seen.contains("Content-Type: text/event-stream"), "{seen}");
        let state = OverlayState {
            names: true,
            items: vec![OverlayItem {
                key: "collectible:81".into(),
                name_en: "Dead Cat".into(),
                name_zh: "嗝屁猫".into(),
                sprite_url: String::new(),
                sprite: None,
            }],
        };
        let published = Instant::now();
        overlay.publish(&state);
        read_until(&mut stream, &mut seen, "\"name_en\":\"Dead Cat\"");
        assert!(published.elapsed() < Duration::from_secs(1));
        // The same state again sends nothing new; the overlay's end closes the stream.
        overlay.publish(&state);
        drop(overlay);
        let mut rest = String::new();
        let _ = stream.read_to_string(&mut rest);
        assert!(!rest.contains("data:"), "{rest}");
    }

    #[test]
    fn a_port_in_use_is_named() {
        let first = Overlay::start(0).unwrap();
        let error = Overlay::start(first.port()).err().unwrap();
        assert!(matches!(error, OverlayError::PortInUse(p) if p == first.port()));
        assert!(error.to_string().contains(&first.port().to_string()));
    }

    #[test]
    fn text_lists_one_item_a_line_in_the_language_asked() {
        let item = |en: &str, zh: &str| OverlayItem {
            key: "collectible:1".into(),
            name_en: en.into(),
            name_zh: zh.into(),
            sprite_url: String::new(),
            sprite: None,
        };
        let state = OverlayState {
            names: true,
            items: vec![item("The Sad Onion", "悲伤洋葱"), item("Unknown", "")],
        };
        assert_eq!(state.text(false), "The Sad Onion\nUnknown\n");
        assert_eq!(state.text(true), "悲伤洋葱\nUnknown\n");
    }
}
