//! The global freeze and scan hotkeys (they work while the game or capture viewer has
//! focus).

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

/// The freeze and the scan hotkey, each when it could be registered.
#[derive(Default)]
pub struct Hotkeys {
    freeze: Option<Hotkey>,
    scan: Option<Hotkey>,
}

impl Hotkeys {
    /// Registers `freeze` and `scan` (texts like "Ctrl+Shift+F8"); each that worked, or why
    /// not, in that order.
    pub fn register(freeze: &str, scan: &str) -> (Self, [Result<(), String>; 2]) {
        let f = Hotkey::register(freeze);
        let s = Hotkey::register(scan);
        let said = [
            f.as_ref().map(|_| ()).map_err(Clone::clone),
            s.as_ref().map(|_| ()).map_err(Clone::clone),
        ];
        (
            Self {
                freeze: f.ok(),
                scan: s.ok(),
            },
            said,
        )
    }

    /// Which were pressed since the last call: (freeze, scan).
    pub fn pressed(&self) -> (bool, bool) {
        let ids = pressed_ids();
        let hit = |h: &Option<Hotkey>| h.as_ref().is_some_and(|h| ids.contains(&h.id));
        (hit(&self.freeze), hit(&self.scan))
    }
}
