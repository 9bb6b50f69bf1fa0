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

/// The text for `key` in `lang`.
pub fn tr(lang: Language, key: Text) -> &'static str {
    let (en, zh) = key.pair();
    match lang {
        Language::English => en,
        Language::Chinese => zh,
    }
}

/// A price as the player reads it: `15¢`, `2 hearts`, `3 soul hearts`.
pub fn price_label(lang: Language, price: crate::catalog::price_font::Price) -> String {
    use crate::catalog::price_font::Price;
    match (lang, price) {
        (_, Price::Cents(c)) => format!("{c}¢"),
        (Language::English, Price::Hearts(1)) => "1 heart".into(),
        (Language::English, Price::Hearts(n)) => format!("{n} hearts"),
        (Language::English, Price::SoulHearts(1)) => "1 soul heart".into(),
        (Language::English, Price::SoulHearts(n)) => format!("{n} soul hearts"),
        (Language::Chinese, Price::Hearts(n)) => format!("{n}颗红心"),
        (Language::Chinese, Price::SoulHearts(n)) => format!("{n}颗魂心"),
    }
}

/// Every piece of interface text: a variant, so a misspelt or missing text does not compile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Text {
    TabLookup,
    OlderArt,
    Transformations,
    TabRun,
    TransformationProgress,
    ThisRun,
    NewRun,
    PastRun,
    BackToRun,
    ExportJson,
    ExportCsv,
    Exported,
    AddTaken,
    Add,
    PastRuns,
    Open,
    ActiveItem,
    NoneSeen,
    Taken,
    Remove,
    SeenLeft,
    Rerolled,
    Paid,
    RoomsWithItems,
    WasTaken,
    WasLeft,
    TookThis,
    LearningRate,
    AugPhone,
    AugPedestals,
    AugGlow,
    AugEntities,
    AugDark,
    AugFrames,
    AugBlur,
    AugNoise,
    AugColour,
    AugMoire,
    AugPerspective,
    WaitingForSource,
    MarkGamePicture,
    MarkGamePictureHint,
    MarkGamePictureBox,
    ClearGamePicture,
    GamePictureMarked,
    ShowUnsure,
    HideUnsure,
    TabCatalog,
    TabTraining,
    TabSettings,
    Source,
    Refresh,
    OpenImage,
    Paste,
    Live,
    Freeze,
    Unfreeze,
    DropHint,
    BoxHint,
    Scan,
    Companion,
    CompanionHint,
    NoItemsFound,
    HiddenItem,
    HiddenItemHint,
    ItemsFound,
    RoomItems,
    ScanHotkey,
    Unsure,
    Results,
    NotSure,
    Recognising,
    Recent,
    CorrectIt,
    ThisOne,
    SavedLabel,
    Search,
    Quality,
    Charge,
    NoSelection,
    Recipe,
    Arch,
    Minutes,
    Samples,
    Batch,
    RecipeDefaults,
    Focus,
    Precision,
    Augment,
    UseCaptures,
    Start,
    Finetune,
    KeptModel,
    StartFromCurrent,
    ExtendModel,
    UnknownItems,
    Pause,
    Resume,
    Stop,
    Cancel,
    Preview,
    Checkpoints,
    UseModel,
    InUse,
    Loss,
    Accuracy,
    Language,
    Hotkey,
    Device,
    Threads,
    DataFolder,
    Panel,
    Opacity,
    Compact,
    RestartNote,
    Importing,
    Import,
    NoCatalog,
    FirstTraining,
    Dismiss,
    LiveFps,
    BoxTooSmall,
    Overlay,
    OverlayPort,
    OverlayNames,
    OverlayTextFile,
    OverlayOff,
    CopyAddress,
    NewRunHotkey,
    NewRunStarted,
}

impl Text {
    /// The English and Chinese text.
    fn pair(self) -> (&'static str, &'static str) {
        match self {
            Text::ShowUnsure => ("unsure: show", "个不确定：显示"),
            Text::HideUnsure => ("Hide the unsure ones", "隐藏不确定的"),
            Text::WaitingForSource => (
                "The source closed: waiting for it to come back…",
                "捕获源已关闭：等待它重新出现…",
            ),
            Text::MarkGamePicture => ("Mark game picture", "标出游戏画面"),
            Text::MarkGamePictureHint => (
                "When the game does not fill this source (a window on the desktop, a title bar): drag a box around the game's picture once; scans of this source look there only",
                "当游戏画面没有占满此来源（桌面上的窗口、标题栏）时：框出一次游戏画面，之后扫描只看那里",
            ),
            Text::MarkGamePictureBox => (
                "Drag a box around the game's picture (Esc: cancel)",
                "框出游戏画面（Esc：取消）",
            ),
            Text::ClearGamePicture => ("Forget game picture", "清除游戏画面"),
            Text::GamePictureMarked => (
                "Game picture marked for this source: scans look there only",
                "已为此来源标出游戏画面：扫描只看那里",
            ),
            Text::LearningRate => ("Learning rate", "学习率"),
            Text::AugPhone => ("phone photos", "手机翻拍"),
            Text::AugPedestals => ("pedestals", "祭坛"),
            Text::AugGlow => ("glow halos", "光晕"),
            Text::AugEntities => ("Isaac, tears, pickups", "以撒、眼泪、掉落物"),
            Text::AugDark => ("dark rooms", "暗房间"),
            Text::AugFrames => ("cut from whole frames", "截自整帧画面"),
            Text::AugBlur => ("blur", "模糊"),
            Text::AugNoise => ("noise", "噪点"),
            Text::AugColour => ("colour", "色彩"),
            Text::AugMoire => ("moire", "摩尔纹"),
            Text::AugPerspective => ("perspective", "透视"),
            Text::OlderArt => ("As older versions drew it", "旧版本中的样子"),
            Text::Transformations => ("Counts toward", "计入变身"),
            Text::TabRun => ("Run", "本局"),
            Text::TransformationProgress => ("Transformations", "变身进度"),
            Text::ThisRun => ("This run", "本局"),
            Text::NewRun => ("New run", "新的一局"),
            Text::PastRun => ("Past run", "过去的一局"),
            Text::BackToRun => ("Back to this run", "回到本局"),
            Text::ExportJson => ("Export JSON", "导出 JSON"),
            Text::ExportCsv => ("Export CSV", "导出 CSV"),
            Text::Exported => ("Written:", "已写入："),
            Text::AddTaken => ("Add an item taken:", "添加拿到的道具："),
            Text::Add => ("Add", "添加"),
            Text::PastRuns => ("Past runs", "过去的对局"),
            Text::Open => ("Open", "打开"),
            Text::ActiveItem => ("Active item", "主动道具"),
            Text::NoneSeen => ("none seen yet", "尚未看到"),
            Text::Taken => ("Taken", "已拿到"),
            Text::Remove => ("Remove", "移除"),
            Text::SeenLeft => ("Seen, not taken", "看到但未拿"),
            Text::Rerolled => ("rerolled", "已重置"),
            Text::Paid => ("paid", "花费"),
            Text::RoomsWithItems => ("Rooms with items", "有道具的房间"),
            Text::WasTaken => ("taken", "已拿"),
            Text::WasLeft => ("left", "留下"),
            Text::TookThis => ("I took this", "我拿了这个"),
            Text::TabLookup => ("Lookup", "识图"),
            Text::TabCatalog => ("Catalog", "图鉴"),
            Text::TabTraining => ("Training", "训练"),
            Text::TabSettings => ("Settings", "设置"),
            Text::Source => ("Source", "来源"),
            Text::Refresh => ("Refresh list", "刷新列表"),
            Text::OpenImage => ("Open image…", "打开图片…"),
            Text::Paste => ("Paste image", "粘贴图片"),
            Text::Live => ("Live", "实时"),
            Text::Freeze => ("Freeze frame", "定格"),
            Text::Unfreeze => ("Resume live", "继续实时"),
            Text::DropHint => (
                "Drop a screenshot or photo here, paste one, open a file, or pick a monitor or window above. Then drag a box around an item.",
                "把截图或照片拖到这里、粘贴、打开文件，或在上方选择显示器或窗口；然后框选一个道具。",
            ),
            Text::BoxHint => (
                "Drag a box around an item · scroll to zoom · right-drag to pan",
                "框选道具 · 滚轮缩放 · 右键拖动平移",
            ),
            Text::Scan => ("Scan", "扫描"),
            Text::Companion => ("Companion", "陪玩模式"),
            Text::CompanionHint => (
                "Scan by itself whenever the room changes, and list the room's items in the floating panel",
                "房间变化时自动扫描，并在浮动面板中列出房间里的道具",
            ),
            Text::NoItemsFound => ("No items found", "未找到道具"),
            Text::HiddenItem => ("Hidden item", "隐藏的道具"),
            Text::HiddenItemHint => (
                "Curse of the Blind: the game shows \"?\" until it is taken",
                "致盲诅咒：拿起之前游戏只显示“?”",
            ),
            Text::ItemsFound => ("item(s) found", "个道具"),
            Text::RoomItems => ("Items in this room", "本房间的道具"),
            Text::ScanHotkey => ("Scan hotkey", "扫描快捷键"),
            Text::Unsure => ("unsure", "不确定"),
            Text::Results => ("Top 10", "前十结果"),
            Text::NotSure => ("Not sure: is this an item?", "不确定：这是道具吗？"),
            Text::Recognising => ("Recognising…", "识别中…"),
            Text::Recent => ("Recent lookups", "最近识别"),
            Text::CorrectIt => ("Wrong? Pick the right item:", "不对？选择正确的道具："),
            Text::ThisOne => ("This one", "就是它"),
            Text::SavedLabel => ("Saved to your training captures", "已保存到你的训练截图"),
            Text::Search => ("Search (English or 中文)", "搜索（英文或中文）"),
            Text::Quality => ("Quality", "品质"),
            Text::Charge => ("Charge", "充能"),
            Text::NoSelection => ("Select an item", "请选择一个道具"),
            Text::Recipe => ("Recipe", "训练方案"),
            Text::Arch => ("Architecture", "网络结构"),
            Text::Minutes => ("Minutes", "分钟"),
            Text::Samples => ("Samples per class per epoch", "每类每轮样本数"),
            Text::Batch => ("Batch size", "批大小"),
            Text::RecipeDefaults => ("Default recipe", "恢复默认配方"),
            Text::Focus => ("Hard items drawn more often", "难认道具多抽样"),
            Text::Precision => ("Precision while training", "训练精度"),
            Text::Augment => ("Augmentations", "数据增强"),
            Text::UseCaptures => ("Mix in my corrected captures", "混入我纠正过的截图"),
            Text::Start => ("Start training", "开始训练"),
            Text::Finetune => ("Fine-tune current model", "微调当前模型"),
            Text::KeptModel => (
                "Kept the model it started from, since the new one did worse on a held-out set:",
                "新模型在保留验证集上表现更差，已保留原模型：",
            ),
            Text::StartFromCurrent => ("Start from the current model", "从当前模型开始"),
            Text::ExtendModel => ("Extend the model (fine-tune)", "扩展模型（微调）"),
            Text::UnknownItems => (
                "The catalog has items this model does not know; it never answers them until it is extended:",
                "图鉴中有此模型不认识的道具；扩展模型之前不会识别它们：",
            ),
            Text::Pause => ("Pause", "暂停"),
            Text::Resume => ("Resume", "继续"),
            Text::Stop => ("Stop and keep", "停止并保存"),
            Text::Cancel => ("Cancel", "取消"),
            Text::Preview => ("Preview samples", "预览样本"),
            Text::Checkpoints => ("Checkpoints", "模型存档"),
            Text::UseModel => ("Use this model", "使用此模型"),
            Text::InUse => ("in use", "使用中"),
            Text::Loss => ("Loss", "损失"),
            Text::Accuracy => ("Accuracy", "准确率"),
            Text::Language => ("Interface language", "界面语言"),
            Text::Hotkey => ("Freeze hotkey", "定格快捷键"),
            Text::Device => ("Device", "设备"),
            Text::Threads => ("Torch threads (0 = auto)", "Torch 线程数（0 = 自动）"),
            Text::DataFolder => ("Data folder", "数据文件夹"),
            Text::Panel => ("Floating results panel", "悬浮结果面板"),
            Text::Opacity => ("Opacity", "不透明度"),
            Text::Compact => ("Names only", "仅显示名称"),
            Text::RestartNote => (
                "Device, threads and data folder apply after a restart.",
                "设备、线程数和数据文件夹在重启后生效。",
            ),
            Text::Importing => ("Importing the item catalog…", "正在导入道具图鉴…"),
            Text::Import => ("Import catalog", "导入图鉴"),
            Text::NoCatalog => (
                "No item catalog yet. Choose the sources to import:",
                "还没有道具图鉴。请选择导入来源：",
            ),
            Text::FirstTraining => (
                "No model yet: training one in the background",
                "还没有模型：正在后台训练",
            ),
            Text::Dismiss => ("Dismiss", "关闭"),
            Text::LiveFps => ("Live capture frames/s", "实时捕获帧率"),
            Text::BoxTooSmall => (
                "The box is too small: drag around one item.",
                "框太小了：请框住一个道具。",
            ),
            Text::Overlay => (
                "Stream overlay (OBS browser source)",
                "直播叠加层（OBS 浏览器源）",
            ),
            Text::OverlayPort => (
                "Overlay port (127.0.0.1 only)",
                "叠加层端口（仅 127.0.0.1）",
            ),
            Text::OverlayNames => ("Names below the sprites", "图标下显示名称"),
            Text::OverlayTextFile => (
                "Taken items as a text file (OBS text source)",
                "已拿道具写入文本文件（OBS 文本源）",
            ),
            Text::OverlayOff => ("off: nothing listens", "关闭：不监听任何端口"),
            Text::CopyAddress => ("Copy address", "复制地址"),
            Text::NewRunHotkey => ("New run hotkey", "新一局快捷键"),
            Text::NewRunStarted => ("A new run has begun", "新的一局已开始"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_there_in_both_languages() {
        assert_eq!(tr(Language::Chinese, Text::TabLookup), "识图");
        assert_eq!(tr(Language::English, Text::TabLookup), "Lookup");
        for key in [
            Text::TabLookup,
            Text::Paste,
            Text::KeptModel,
            Text::BoxTooSmall,
        ] {
            assert!(
                !tr(Language::English, key).is_empty() && !tr(Language::Chinese, key).is_empty()
            );
            assert_ne!(
                tr(Language::English, key),
                tr(Language::Chinese, key),
                "{key:?}"
            );
        }
    }
}
