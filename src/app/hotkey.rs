//! The global hotkeys: freeze, scan and new run (they work while the game or capture viewer
//! has focus).

use global_hotkey::hotkey::HotKey;
use global_hotkey::{GlobalHotKeyEvent, GlobalHotKeyManager, HotKeyState};

pub struct Hotkey {
    _manager: GlobalHotKeyManager,
    pub id: u32,
}

impl Hotkey {
    pub fn register(text: &str) -> Result<Self, String> {
        let hotkey: HotKey = text.parse().map_err(|e| format!("not a hotkey: {e}"))?;
        let manager = GlobalHotKeyManager::new().map_err(|e| e.to_string())?;
        manager.register(hotkey).map_err(|e| e.to_string())?;
        Ok(Self {
            _manager: manager,
            id: hotkey.id(),
        })
    }
}

/// Ids of the hotkeys pressed since the last call (one queue serves every hotkey).
pub fn pressed_ids() -> Vec<u32> {
    GlobalHotKeyEvent::receiver()
        .try_iter()
        .filter(|e| e.state == HotKeyState::Pressed)
        .map(|e| e.id)
        .collect()
}

/// The global hotkeys, each when it could be registered: freeze, scan, new run.
#[derive(Default)]
pub struct Hotkeys {
    keys: [Option<Hotkey>; 3],
}

/// Which hotkeys were pressed since the last call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pressed {
    pub freeze: bool,
    pub scan: bool,
    pub new_run: bool,
}

impl Hotkeys {
    /// Registers `texts` (freeze, scan, new run; texts like "Ctrl+Shift+F8", an empty one for
    /// none); for each, whether it worked or why not.
    pub fn register(texts: [&str; 3]) -> (Self, [Result<(), String>; 3]) {
        let registered = texts.map(|text| {
            if text.trim().is_empty() {
                Ok(None)
            } else {
                Hotkey::register(text).map(Some)
            }
        });
        let said =
            std::array::from_fn(|i| registered[i].as_ref().map(|_| ()).map_err(Clone::clone));
        (
            Self {
                keys: registered.map(|r| r.ok().flatten()),
            },
            said,
        )
    }

    /// Which were pressed since the last call.
    pub fn pressed(&self) -> Pressed {
        let ids = pressed_ids();
        let hit = |h: &Option<Hotkey>| h.as_ref().is_some_and(|h| ids.contains(&h.id));
        Pressed {
            freeze: hit(&self.keys[0]),
            scan: hit(&self.keys[1]),
            new_run: hit(&self.keys[2]),
        }
    }
}
