//! The recognition engine: libtorch on worker threads behind crossbeam channels.
//!
//! Requests go in through [`Engine::send`]; [`Event`]s come out of [`Engine::events`]. One
//! worker predicts, another trains, so lookups keep working while a model trains. Nothing
//! here knows about the user interface: a front end passes a waker to hear about events.

pub mod altar;
pub mod blind;
pub mod canvas;
pub mod checkpoint;
pub mod entity_art;
pub mod focus;
pub mod frames;
pub mod model;
pub mod predict;
pub mod price;
pub mod props;
pub mod recipe;
pub mod room_shots;
pub mod scan;
pub mod scan_validation;
pub mod scene;
pub mod synth;
pub mod train;
pub mod validate;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use crossbeam_channel::{Receiver, Sender};
use image::DynamicImage;
use tch::Device;

pub use checkpoint::Manifest;
pub use predict::{CropBox, Prediction};
pub use recipe::{LabelledCapture, Metrics, Recipe, StyleMetrics, ValidationSet};
pub use train::{Phase, Progress, Synthesis, TrainControl, Trained};

use crate::catalog::Catalog;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("{}: {}", crate::quote::path(path), crate::quote::message(message))]
    File { path: PathBuf, message: String },
    #[error("{0}")]
    Catalog(#[from] crate::catalog::CatalogError),
    #[error("{0}")]
    Synth(#[from] synth::SynthError),
    /// A libtorch operation failed (its message's first line).
    #[error("libtorch: {0}")]
    Torch(String),
    #[error("no model is loaded yet")]
    NoModel,
    /// A libtorch failure inside the network's layers, or a bug: caught, not fatal.
    #[error("internal error: {0}")]
    Internal(String),
    #[error("{0}")]
    Other(String),
}

impl From<tch::TchError> for EngineError {
    fn from(e: tch::TchError) -> Self {
        EngineError::Torch(checkpoint::torch_message(&e.to_string()).to_string())
    }
}

impl EngineError {
    /// A caught panic's message as an error.
    pub fn from_panic(panic: &Box<dyn std::any::Any + Send>) -> Self {
        let text = panic
            .downcast_ref::<String>()
            .map(|s| checkpoint::torch_message(s).to_string())
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "unknown failure".into());
        EngineError::Internal(text)
    }

    pub fn file(path: impl Into<PathBuf>, message: impl std::fmt::Display) -> Self {
        Self::File {
            path: path.into(),
            message: message.to_string(),
        }
    }
}

/// Which device to run on.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum DeviceChoice {
    /// CUDA when available, else the CPU.
    #[default]
    Auto,
    Cpu,
    Cuda,
}

impl DeviceChoice {
    pub fn resolve(self) -> Result<Device, EngineError> {
        match self {
            DeviceChoice::Cpu => Ok(Device::Cpu),
            DeviceChoice::Auto => Ok(Device::cuda_if_available()),
            DeviceChoice::Cuda if tch::Cuda::is_available() => Ok(Device::Cuda(0)),
            DeviceChoice::Cuda => Err(EngineError::Other(
                "--device cuda: no CUDA device is available".into(),
            )),
        }
    }
}

pub fn device_name(device: Device) -> String {
    match device {
        Device::Cpu => "CPU".into(),
        Device::Cuda(i) => format!("CUDA:{i}"),
        other => format!("{other:?}"),
    }
}

#[derive(Clone, Debug)]
pub struct EngineConfig {
    pub device: DeviceChoice,
    /// libtorch intra-op threads (every core by default: training uses them all).
    pub torch_threads: usize,
    /// Where training batches are rendered; None chooses for the machine
    /// (`Synthesis::for_machine`).
    pub synthesis: Option<Synthesis>,
    /// Background images for synthesis (`shared/isaac/backgrounds`; its sibling `entities`
    /// gives the real art of what is not an item).
    pub backgrounds: Option<PathBuf>,
}

/// Logical cores of this machine (2 when it cannot be told).
pub fn cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
}

impl Default for EngineConfig {
    fn default() -> Self {
        let cores = cores();
        Self {
            device: DeviceChoice::Auto,
            torch_threads: cores.max(1),
            synthesis: None,
            backgrounds: None,
        }
    }
}

/// A request's number: [`Engine::send`] gives each request a new one, and the answer to a
/// prediction or a scan carries it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub u64);

pub enum Request {
    /// Load the checkpoint in this folder for prediction.
    LoadModel(PathBuf),
    /// Top-`top_k` items for each crop; answered by [`Event::Predictions`].
    Predict {
        crops: Vec<DynamicImage>,
        top_k: usize,
    },
    /// Every item in a whole frame (in `picture` only, when given: where the game's picture
    /// is in it); answered by [`Event::Scanned`].
    Scan {
        frame: Arc<DynamicImage>,
        picture: Option<scan::GamePicture>,
        top_k: usize,
    },
    /// The best item in the HUD's active-item slot of `frame` (found as a scan finds the
    /// game); answered by [`Event::Predictions`] with one list, empty when the frame shows
    /// no HUD.
    ReadActiveSlot {
        frame: Arc<DynamicImage>,
        picture: Option<scan::GamePicture>,
    },
    /// Train with `recipe`, mixing in the player's labelled `captures`, and save the
    /// checkpoint to `out`.
    Train {
        recipe: Box<Recipe>,
        out: PathBuf,
        captures: Vec<LabelledCapture>,
    },
}

/// What the prediction worker takes: each of its requests, and nothing else.
enum PredictOrder {
    LoadModel(PathBuf),
    Predict {
        id: RequestId,
        crops: Vec<DynamicImage>,
        top_k: usize,
    },
    Scan {
        id: RequestId,
        frame: Arc<DynamicImage>,
        picture: Option<scan::GamePicture>,
        top_k: usize,
    },
    ReadActiveSlot {
        id: RequestId,
        frame: Arc<DynamicImage>,
        picture: Option<scan::GamePicture>,
    },
}

/// What the training worker takes.
struct TrainOrder {
    recipe: Box<Recipe>,
    out: PathBuf,
    captures: Vec<LabelledCapture>,
}

#[derive(Debug)]
pub enum Event {
    ModelLoaded {
        dir: PathBuf,
        manifest: Box<Manifest>,
    },
    Predictions {
        id: RequestId,
        results: Result<Vec<Vec<Prediction>>, EngineError>,
    },
    Scanned {
        id: RequestId,
        results: Result<Vec<scan::Find>, EngineError>,
    },
    TrainingStarted {
        device: String,
        torch_threads: usize,
        synthesis: Synthesis,
    },
    TrainingProgress(Progress),
    TrainingFinished {
        dir: PathBuf,
        manifest: Box<Manifest>,
    },
    TrainingCancelled,
    /// The run started from the model in `dir` and did worse on a held-out set, so that
    /// model stays and nothing was saved; `reason` says where it fell.
    TrainingKept {
        dir: PathBuf,
        reason: String,
    },
    /// Something failed while doing `during`.
    Error {
        during: Activity,
        error: EngineError,
    },
}

/// What an engine worker was doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activity {
    LoadingModel,
    Training,
}

impl std::fmt::Display for Activity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Activity::LoadingModel => "loading the model",
            Activity::Training => "training",
        })
    }
}

/// What a front end passes to hear of events: called after each one (a window repaints).
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// The longest [`Engine`]'s drop waits for its workers: a cancelled training step or a
/// chunk of validation ends well within it.
pub const SHUTDOWN_LIMIT: std::time::Duration = std::time::Duration::from_secs(60);

/// A handle to the engine's workers. Dropping it stops them and waits for them (at most
/// [`SHUTDOWN_LIMIT`]): a worker still inside libtorch while the process exits crashes it.
pub struct Engine {
    workers: Vec<std::thread::JoinHandle<()>>,
    predict_tx: Sender<PredictOrder>,
    train_tx: Sender<TrainOrder>,
    next_id: std::sync::atomic::AtomicU64,
    events: Receiver<Event>,
    control: Arc<TrainControl>,
    device: Device,
    config: EngineConfig,
}

impl Engine {
    /// Starts the workers. `waker` is called after every event (e.g. to repaint a window).
    pub fn start(
        catalog: Arc<Catalog>,
        config: EngineConfig,
        waker: Option<Waker>,
    ) -> Result<Self, EngineError> {
        let device = config.device.resolve()?;
        tch::set_num_threads(config.torch_threads.max(1) as i32);
        // libtorch allows this once per process, before any parallel work.
        static INTEROP: std::sync::Once = std::sync::Once::new();
        INTEROP.call_once(|| tch::set_num_interop_threads(1));
        let (event_tx, events) = crossbeam_channel::unbounded();
        let emit: Arc<dyn Fn(Event) + Send + Sync> = Arc::new(move |e| {
            if event_tx.send(e).is_ok()
                && let Some(w) = &waker
            {
                w();
            }
        });
        let (predict_tx, predict_rx) = crossbeam_channel::unbounded::<PredictOrder>();
        let (train_tx, train_rx) = crossbeam_channel::unbounded::<TrainOrder>();
        let control = Arc::new(TrainControl::default());

        let predictor = {
            let catalog = catalog.clone();
            let emit = emit.clone();
            std::thread::Builder::new()
                .name("engine-predict".into())
                .spawn(move || predict_worker(&catalog, device, &predict_rx, &*emit))
                .map_err(|e| {
                    EngineError::Other(format!("cannot start the prediction worker: {e}"))
                })?
        };
        let trainer = {
            let control = control.clone();
            let config = config.clone();
            std::thread::Builder::new()
                .name("engine-train".into())
                .spawn(move || train_worker(&catalog, device, &config, &control, &train_rx, &*emit))
                .map_err(|e| EngineError::Other(format!("cannot start the training worker: {e}")))?
        };
        Ok(Self {
            workers: vec![predictor, trainer],
            predict_tx,
            train_tx,
            next_id: std::sync::atomic::AtomicU64::new(1),
            events,
            control,
            device,
            config,
        })
    }

    /// Queues a request for the worker that does it; returns its id, which the answer to a
    /// prediction or a scan carries. Err when that worker has stopped (every job's failure
    /// is answered, so that means a bug or a shutdown); the front end says so instead of
    /// waiting for an answer.
    pub fn send(&self, request: Request) -> Result<RequestId, EngineError> {
        let id = RequestId(self.next_id.fetch_add(1, Ordering::SeqCst));
        let stopped = |_| EngineError::Other("the engine's worker has stopped".into());
        match request {
            Request::LoadModel(dir) => self
                .predict_tx
                .send(PredictOrder::LoadModel(dir))
                .map_err(stopped)?,
            Request::Predict { crops, top_k } => self
                .predict_tx
                .send(PredictOrder::Predict { id, crops, top_k })
                .map_err(stopped)?,
            Request::Scan {
                frame,
                picture,
                top_k,
            } => self
                .predict_tx
                .send(PredictOrder::Scan {
                    id,
                    frame,
                    picture,
                    top_k,
                })
                .map_err(stopped)?,
            Request::ReadActiveSlot { frame, picture } => self
                .predict_tx
                .send(PredictOrder::ReadActiveSlot { id, frame, picture })
                .map_err(stopped)?,
            Request::Train {
                recipe,
                out,
                captures,
            } => self
                .train_tx
                .send(TrainOrder {
                    recipe,
                    out,
                    captures,
                })
                .map_err(|_| EngineError::Other("the engine's worker has stopped".into()))?,
        }
        Ok(id)
    }

    pub fn events(&self) -> &Receiver<Event> {
        &self.events
    }

    /// Whether both workers still run.
    pub fn is_alive(&self) -> bool {
        !self.workers.is_empty() && self.workers.iter().all(|w| !w.is_finished())
    }

    /// The next event, waiting at most `limit`: Err when the time runs out or a worker died.
    pub fn next_event(&self, limit: std::time::Duration) -> Result<Event, EngineError> {
        let deadline = std::time::Instant::now() + limit;
        loop {
            let now = std::time::Instant::now();
            if now >= deadline {
                return Err(EngineError::Other(format!(
                    "the engine did not answer within {} s",
                    limit.as_secs()
                )));
            }
            let slice = (deadline - now).min(std::time::Duration::from_millis(250));
            match self.events.recv_timeout(slice) {
                Ok(event) => return Ok(event),
                Err(crossbeam_channel::RecvTimeoutError::Timeout) if self.is_alive() => {}
                Err(_) => {
                    return Err(EngineError::Other("the engine's worker has stopped".into()));
                }
            }
        }
    }

    pub fn device(&self) -> Device {
        self.device
    }

    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    pub fn set_paused(&self, paused: bool) {
        self.control.paused.store(paused, Ordering::SeqCst);
    }

    /// Ends the running job early but keeps (validates and saves) what it learned.
    pub fn stop_training(&self) {
        self.control.stop.store(true, Ordering::SeqCst);
    }

    /// Ends the running job and discards it.
    pub fn cancel_training(&self) {
        self.control.cancel.store(true, Ordering::SeqCst);
    }

    /// A handle for a Ctrl-C handler: `stop` keeps a usable checkpoint.
    pub fn control(&self) -> Arc<TrainControl> {
        self.control.clone()
    }

    /// Stops the workers: a running training is cancelled (nothing is saved), the request
    /// queues close, and each worker is joined, waiting at most `limit` in all. Returns
    /// whether every worker ended in time. Later requests are answered with an error.
    pub fn shutdown(&mut self, limit: std::time::Duration) -> bool {
        self.control.closing.store(true, Ordering::SeqCst);
        self.control.paused.store(false, Ordering::SeqCst);
        // Dropping the senders ends each worker's request loop.
        self.predict_tx = crossbeam_channel::unbounded().0;
        self.train_tx = crossbeam_channel::unbounded().0;
        let deadline = std::time::Instant::now() + limit;
        while self.workers.iter().any(|w| !w.is_finished()) && std::time::Instant::now() < deadline
        {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let mut all = true;
        for worker in std::mem::take(&mut self.workers) {
            if worker.is_finished() {
                // A worker's panic was already reported as an event.
                let _ = worker.join();
            } else {
                all = false;
            }
        }
        if !all {
            tracing::warn!(
                "an engine worker was still busy {} s after it was asked to stop",
                limit.as_secs()
            );
        }
        all
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.shutdown(SHUTDOWN_LIMIT);
    }
}

fn predict_worker(
    catalog: &Catalog,
    device: Device,
    rx: &Receiver<PredictOrder>,
    emit: &(dyn Fn(Event) + Send + Sync),
) {
    let mut model: Option<checkpoint::Checkpoint> = None;
    let prices = catalog.price_font().map(price::PriceReader::new);
    let altars = catalog.altars().map(altar::AltarFinder::new);
    let blind = catalog.altars().and_then(blind::BlindFinder::new);
    for order in rx {
        match order {
            PredictOrder::LoadModel(dir) => match checkpoint::load(&dir, catalog, device) {
                Ok(ckpt) => {
                    let manifest = Box::new(ckpt.manifest.clone());
                    model = Some(ckpt);
                    emit(Event::ModelLoaded { dir, manifest });
                }
                Err(error) => emit(Event::Error {
                    during: Activity::LoadingModel,
                    error,
                }),
            },
            PredictOrder::Predict { id, crops, top_k } => {
                let results = match &model {
                    Some(ckpt) => predict::predict(ckpt, &crops, top_k, device),
                    None => Err(EngineError::NoModel),
                };
                emit(Event::Predictions { id, results });
            }
            PredictOrder::Scan {
                id,
                frame,
                picture,
                top_k,
            } => {
                let results = match &model {
                    Some(ckpt) => scan::scan_in(
                        ckpt,
                        &frame,
                        picture,
                        top_k,
                        scan::ScanOptions {
                            prices: prices.as_ref(),
                            altars: altars.as_ref(),
                            blind: blind.as_ref(),
                            ..Default::default()
                        },
                        device,
                    ),
                    None => Err(EngineError::NoModel),
                };
                emit(Event::Scanned { id, results });
            }
            PredictOrder::ReadActiveSlot { id, frame, picture } => {
                let results = match &model {
                    Some(ckpt) => match scan::active_slot(&frame, picture) {
                        Some(slot) => slot
                            .cut(frame.as_ref())
                            .map_err(EngineError::Other)
                            .and_then(|crop| predict::predict(ckpt, &[crop], 1, device)),
                        None => Ok(vec![Vec::new()]),
                    },
                    None => Err(EngineError::NoModel),
                };
                emit(Event::Predictions { id, results });
            }
        }
    }
}

fn train_worker(
    catalog: &Catalog,
    device: Device,
    config: &EngineConfig,
    control: &TrainControl,
    rx: &Receiver<TrainOrder>,
    emit: &(dyn Fn(Event) + Send + Sync),
) {
    let mut assets: Option<Arc<synth::SynthAssets>> = None;
    for TrainOrder {
        recipe,
        out,
        captures,
    } in rx
    {
        if control.closing.load(Ordering::SeqCst) {
            break;
        }
        control.reset();
        let job = TrainJob {
            catalog,
            device,
            config,
            control,
            emit,
        };
        // The optimiser and the network's layers have no fallible calls in tch: a libtorch
        // failure there is a panic, caught here and reported like any error, so the worker
        // lives on for the next job.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            job.run(&mut assets, &recipe, &out, captures)
        }));
        let event = match result {
            Err(panic) => Event::Error {
                during: Activity::Training,
                error: EngineError::from_panic(&panic),
            },
            Ok(Ok(event)) => event,
            Ok(Err(error)) => Event::Error {
                during: Activity::Training,
                error,
            },
        };
        emit(event);
    }
}

/// What one training request runs with.
struct TrainJob<'a> {
    catalog: &'a Catalog,
    device: Device,
    config: &'a EngineConfig,
    control: &'a TrainControl,
    emit: &'a (dyn Fn(Event) + Send + Sync),
}

impl TrainJob<'_> {
    /// Trains and saves; the event that ends the job (finished, kept or cancelled).
    /// `assets` are loaded on the first job and kept.
    fn run(
        &self,
        assets: &mut Option<Arc<synth::SynthAssets>>,
        recipe: &Recipe,
        out: &Path,
        captures: Vec<LabelledCapture>,
    ) -> Result<Event, EngineError> {
        let assets = match assets {
            Some(a) => a.clone(),
            None => {
                let loaded = Arc::new(synth::SynthAssets::load(
                    self.catalog,
                    self.config.backgrounds.as_deref(),
                )?);
                *assets = Some(loaded.clone());
                loaded
            }
        };
        // A folder that cannot take the checkpoint is refused before the run.
        checkpoint::check_writable(out, recipe.init_from.as_deref())?;
        let synthesis = self.config.synthesis.unwrap_or_else(|| {
            Synthesis::for_machine(self.device, cores(), self.config.torch_threads)
        });
        (self.emit)(Event::TrainingStarted {
            device: device_name(self.device),
            torch_threads: self.config.torch_threads,
            synthesis,
        });
        let mut report = |p: Progress| (self.emit)(Event::TrainingProgress(p));
        let trained = train::train(
            recipe,
            self.catalog,
            assets,
            captures,
            self.device,
            synthesis,
            self.control,
            &mut report,
        )?;
        Ok(match trained {
            Some(Trained::New(ckpt)) => Event::TrainingFinished {
                dir: checkpoint::save(&ckpt, out)?,
                manifest: Box::new(ckpt.manifest.clone()),
            },
            Some(Trained::KeptStarting { reason }) => Event::TrainingKept {
                dir: recipe.init_from.clone().unwrap_or_default(),
                reason,
            },
            None => Event::TrainingCancelled,
        })
    }
}

/// Loads a checkpoint's manifest without building the network (for listings).
pub fn read_manifest(dir: &Path) -> Result<Manifest, EngineError> {
    checkpoint::read_manifest(dir)
}
