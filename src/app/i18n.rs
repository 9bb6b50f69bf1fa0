//! Interface text in English and Simplified Chinese.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Language {
    #[default]
    English,
    Chinese,
}

impl Language {
    pub fn label(self) -> &'static str {
        match self {
            Language::English => "English",
            Language::Chinese => "简体中文",
        }
    }
}

/// The text for `key` in `lang`. Every key the app uses is checked against this table by a
/// test; an unknown key at run time is logged and shown as itself.
pub fn tr(lang: Language, key: &'static str) -> &'static str {
    let Some((en, zh)) = lookup(key) else {
        tracing::warn!("no interface text for {key:?}");
        return key;
    };
    match lang {
        Language::English => en,
        Language::Chinese => zh,
    }
}

/// The English and Chinese text for `key`.
fn lookup(key: &str) -> Option<(&'static str, &'static str)> {
    TEXTS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|&(_, en, zh)| (en, zh))
}

/// Every interface text: key, English, Chinese.
const TEXTS: &[(&str, &str, &str)] = &[
    ("tab.lookup", "Lookup", "识图"),
    ("tab.catalog", "Catalog", "图鉴"),
    ("tab.training", "Training", "训练"),
    ("tab.settings", "Settings", "设置"),
    ("source", "Source", "来源"),
    ("refresh", "Refresh list", "刷新列表"),
    ("open_image", "Open image…", "打开图片…"),
    ("paste", "Paste image", "粘贴图片"),
    ("live", "Live", "实时"),
    ("freeze", "Freeze frame", "定格"),
    ("unfreeze", "Resume live", "继续实时"),
    (
        "drop_hint",
        "Drop a screenshot or photo here, paste one, open a file, or pick a monitor or window above. Then drag a box around an item.",
        "把截图或照片拖到这里、粘贴、打开文件，或在上方选择显示器或窗口；然后框选一个道具。",
    ),
    (
        "box_hint",
        "Drag a box around an item · scroll to zoom · right-drag to pan",
        "框选道具 · 滚轮缩放 · 右键拖动平移",
    ),
    ("scan", "Scan", "扫描"),
    ("companion", "Companion", "陪玩模式"),
    (
        "companion_hint",
        "Scan by itself whenever the room changes, and list the room's items in the floating panel",
        "房间变化时自动扫描，并在浮动面板中列出房间里的道具",
    ),
    ("no_items_found", "No items found", "未找到道具"),
    ("items_found", "item(s) found", "个道具"),
    ("room_items", "Items in this room", "本房间的道具"),
    ("scan_hotkey", "Scan hotkey", "扫描快捷键"),
    ("unsure", "unsure", "不确定"),
    ("results", "Top 10", "前十结果"),
    (
        "not_sure",
        "Not sure: is this an item?",
        "不确定：这是道具吗？",
    ),
    ("recognising", "Recognising…", "识别中…"),
    ("recent", "Recent lookups", "最近识别"),
    (
        "correct_it",
        "Wrong? Pick the right item:",
        "不对？选择正确的道具：",
    ),
    ("this_one", "This one", "就是它"),
    (
        "saved_label",
        "Saved to your training captures",
        "已保存到你的训练截图",
    ),
    ("search", "Search (English or 中文)", "搜索（英文或中文）"),
    ("quality", "Quality", "品质"),
    ("charge", "Charge", "充能"),
    ("no_selection", "Select an item", "请选择一个道具"),
    ("recipe", "Recipe", "训练方案"),
    ("arch", "Architecture", "网络结构"),
    ("minutes", "Minutes", "分钟"),
    ("samples", "Samples per class per epoch", "每类每轮样本数"),
    ("batch", "Batch size", "批大小"),
    ("recipe_defaults", "Default recipe", "恢复默认配方"),
    ("focus", "Hard items drawn more often", "难认道具多抽样"),
    ("precision", "Precision while training", "训练精度"),
    ("augment", "Augmentations", "数据增强"),
    (
        "use_captures",
        "Mix in my corrected captures",
        "混入我纠正过的截图",
    ),
    ("start", "Start training", "开始训练"),
    ("finetune", "Fine-tune current model", "微调当前模型"),
    (
        "kept_model",
        "Kept the model it started from, since the new one did worse on a held-out set:",
        "新模型在保留验证集上表现更差，已保留原模型：",
    ),
    (
        "start_from_current",
        "Start from the current model",
        "从当前模型开始",
    ),
    (
        "extend_model",
        "Extend the model (fine-tune)",
        "扩展模型（微调）",
    ),
    (
        "unknown_items",
        "The catalog has items this model does not know; it never answers them until it is extended:",
        "图鉴中有此模型不认识的道具；扩展模型之前不会识别它们：",
    ),
    ("pause", "Pause", "暂停"),
    ("resume", "Resume", "继续"),
    ("stop", "Stop and keep", "停止并保存"),
    ("cancel", "Cancel", "取消"),
    ("preview", "Preview samples", "预览样本"),
    ("checkpoints", "Checkpoints", "模型存档"),
    ("use_model", "Use this model", "使用此模型"),
    ("in_use", "in use", "使用中"),
    ("loss", "Loss", "损失"),
    ("accuracy", "Accuracy", "准确率"),
    ("language", "Interface language", "界面语言"),
    ("hotkey", "Freeze hotkey", "定格快捷键"),
    ("device", "Device", "设备"),
    (
        "threads",
        "Torch threads (0 = auto)",
        "Torch 线程数（0 = 自动）",
    ),
    ("data_folder", "Data folder", "数据文件夹"),
    ("panel", "Floating results panel", "悬浮结果面板"),
    ("opacity", "Opacity", "不透明度"),
    ("compact", "Names only", "仅显示名称"),
    (
        "restart_note",
        "Device, threads and data folder apply after a restart.",
        "设备、线程数和数据文件夹在重启后生效。",
    ),
    (
        "importing",
        "Importing the item catalog…",
        "正在导入道具图鉴…",
    ),
    ("import", "Import catalog", "导入图鉴"),
    (
        "no_catalog",
        "No item catalog yet. Choose the sources to import:",
        "还没有道具图鉴。请选择导入来源：",
    ),
    (
        "first_training",
        "No model yet: training one in the background",
        "还没有模型：正在后台训练",
    ),
    ("dismiss", "Dismiss", "关闭"),
    ("live_fps", "Live capture frames/s", "实时捕获帧率"),
    (
        "box_too_small",
        "The box is too small: drag around one item.",
        "框太小了：请框住一个道具。",
    ),
];

#[cfg(test)]
mod tests {
    /// Every `tr(lang, "key")`, `tr(..., "key")` and `.t("key")` in the app's sources names a
    /// key of the table, so a misspelt key fails here instead of showing as raw text.
    #[test]
    fn every_key_the_app_uses_is_in_the_table() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/app");
        let mut checked = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let source = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            // Comments mention calls too; only code counts.
            let text: String = source
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            for (i, _) in text.match_indices("tr(").chain(text.match_indices(".t(")) {
                let rest = &text[i..];
                let Some(close) = rest.find(')') else {
                    continue;
                };
                let call = &rest[..close];
                // The key is the last string literal before the closing parenthesis.
                let Some(end) = call.rfind('"') else { continue };
                let Some(start) = call[..end].rfind('"') else {
                    continue;
                };
                let key = &call[start + 1..end];
                assert!(
                    super::lookup(key).is_some(),
                    "unknown interface key {key:?}"
                );
                checked += 1;
            }
        }
        assert!(checked > 50, "only {checked} keys found");
        assert_eq!(super::tr(super::Language::Chinese, "tab.lookup"), "识图");
        assert!(super::lookup("tab.lookp").is_none());
        let mut keys: Vec<&str> = super::TEXTS.iter().map(|(k, _, _)| *k).collect();
        keys.sort_unstable();
        let before = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), before, "a key is in the table twice");
    }
}
