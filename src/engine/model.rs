//! The networks: a compact CNN designed for 32 px pixel-art crops (the default), and the
//! original notebook's `VGG16_S` for comparison.

use serde::{Deserialize, Serialize};
use tch::nn::{self, ModuleT};
use tch::{Device, Kind, Tensor};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Arch {
    /// Four conv stages with batch norm and a global-average-pool head (about 0.8M weights).
    Compact,
    /// VGG16 with batch norm, 512·s²→4096→4096→N head, as in the original notebook.
    Vgg16,
}

impl Arch {
    pub fn default_input_size(self) -> u32 {
        match self {
            Arch::Compact => 32,
            Arch::Vgg16 => 64,
        }
    }

    /// The variable-name prefix of the layer that has one output per class.
    pub fn output_layer(self) -> &'static str {
        match self {
            Arch::Compact => "head",
            Arch::Vgg16 => "classifier.6",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Arch::Compact => "compact",
            Arch::Vgg16 => "vgg16",
        }
    }
}

/// Arithmetic of the convolutions while training. Weights, batch-norm statistics, the head
/// and prediction stay 32-bit either way.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// bfloat16 where the processor computes it natively, else 32-bit.
    #[default]
    Auto,
    F32,
    Bf16,
}

impl Precision {
    /// The kind convolutions compute in while training on `device`: bfloat16 is faster
    /// where the processor computes it natively and emulated (much slower) elsewhere, so
    /// `Auto` keeps f32 there (BENCHMARKS.md, training on the player's machine).
    pub fn training_kind(self, device: Device) -> Kind {
        match self.resolve(device) {
            Precision::Bf16 => Kind::BFloat16,
            _ => Kind::Float,
        }
    }

    /// `Auto` decided for `device`: `F32` or `Bf16`.
    pub fn resolve(self, device: Device) -> Precision {
        match self {
            Precision::Auto if device == Device::Cpu && cpu_has_native_bf16() => Precision::Bf16,
            Precision::Auto => Precision::F32,
            other => other,
        }
    }

    /// A warning when this choice makes training on `device` much slower than it need be:
    /// bfloat16 asked for on a CPU that can only emulate it.
    pub fn slow_on(self, device: Device) -> Option<&'static str> {
        (self == Precision::Bf16 && device == Device::Cpu && !cpu_has_native_bf16()).then_some(
            "this CPU has no native bfloat16, so bf16 is emulated and trains several times slower than f32; use --precision auto or f32",
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Precision::Auto => "auto",
            Precision::F32 => "f32",
            Precision::Bf16 => "bf16",
        }
    }
}

/// Whether the processor has bfloat16 dot products (AVX-512 BF16; every AMX processor
/// has it too).
pub fn cpu_has_native_bf16() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512bf16")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// A 3x3 convolution that computes in `train_kind` while training (its weights stay f32, so
/// the optimiser and checkpoints never see the reduced precision) and in f32 otherwise.
#[derive(Debug)]
struct Conv3x3 {
    conv: nn::Conv2D,
    train_kind: Kind,
}

impl ModuleT for Conv3x3 {
    fn forward_t(&self, xs: &Tensor, train: bool) -> Tensor {
        if train && self.train_kind != Kind::Float {
            xs.to_kind(self.train_kind).conv2d(
                &self.conv.ws.to_kind(self.train_kind),
                None::<Tensor>,
                [1, 1],
                [1, 1],
                [1, 1],
                1,
            )
        } else {
            xs.to_kind(Kind::Float).apply(&self.conv)
        }
    }
}

/// ReLU over the previous layer's fresh output, in place like PyTorch's `ReLU(inplace=True)`:
/// batch norm and linear layers do not need their output for the backward pass, and a new
/// tensor per activation cost VGG16 about a tenth of its batch-1 time.
fn relu_in_place(x: &Tensor) -> Tensor {
    let mut y = x.shallow_clone();
    let _ = y.relu_();
    y
}

fn conv_bn(p: nn::Path, c_in: i64, c_out: i64, train_kind: Kind) -> nn::SequentialT {
    let conv = nn::ConvConfig {
        padding: 1,
        bias: false,
        ..Default::default()
    };
    nn::seq_t()
        .add(Conv3x3 {
            conv: nn::conv2d(&p / "conv", c_in, c_out, 3, conv),
            train_kind,
        })
        // Batch norm takes the reduced-precision activations with f32 statistics.
        .add(nn::batch_norm2d(&p / "bn", c_out, Default::default()))
        .add_fn(relu_in_place)
}

/// The default network. Pixel-art items at 32 px need little depth but wide early filters:
/// outlines and palettes carry the identity.
#[derive(Debug)]
pub struct CompactNet {
    features: nn::SequentialT,
    head: nn::Linear,
}

impl CompactNet {
    pub fn new(p: &nn::Path, classes: i64, train_kind: Kind) -> Self {
        // Narrower late stages train faster on a CPU than 32-64-128-256 at no cost in
        // accuracy (BENCHMARKS.md history); the wide stem keeps outline detail.
        let widths = [32, 48, 96, 192];
        let mut features = nn::seq_t().add(conv_bn(p / "stem", 3, widths[0], train_kind));
        let mut c_in = widths[0];
        for (stage, &c_out) in widths.iter().enumerate() {
            let sp = p / format!("stage{stage}");
            if stage > 0 {
                features = features.add_fn(|x| x.max_pool2d_default(2));
            }
            features = features.add(conv_bn(&sp / "a", c_in, c_out, train_kind));
            if stage > 0 {
                features = features.add(conv_bn(&sp / "b", c_out, c_out, train_kind));
            }
            c_in = c_out;
        }
        let head = nn::linear(p / "head", c_in, classes, Default::default());
        Self { features, head }
    }
}

impl ModuleT for CompactNet {
    fn forward_t(&self, xs: &Tensor, train: bool) -> Tensor {
        let x = self.features.forward_t(xs, train);
        // Global average pooling: the box is loose, so where the item sits must not matter.
        let x = x
            .adaptive_avg_pool2d([1, 1])
            .flatten(1, -1)
            .to_kind(Kind::Float);
        // No dropout: every sample is fresh, so the network underfits rather than memorises
        // (training accuracy stays below held-out accuracy).
        x.apply(&self.head)
    }
}

/// A classifier of `input`-sized crops that can also score every window of a larger image.
pub trait Network: ModuleT + Send {
    /// Logits [rows, cols, classes] for the `input`-sized windows of `xs` ([1, 3, H, W]) at
    /// `WINDOW_STRIDE` pixels apart. This default cuts the windows out and classifies them
    /// as crops; a convolutional network overrides it with one pass over the whole image.
    fn window_logits(&self, xs: &Tensor, input: i64) -> Tensor {
        let (h, w) = (xs.size()[2], xs.size()[3]);
        if h < input || w < input {
            return Tensor::zeros([0, 0, 0], (Kind::Float, xs.device()));
        }
        // [1, 3, rows, cols, input, input] -> [rows * cols, 3, input, input]
        let windows = xs
            .unfold(2, input, WINDOW_STRIDE)
            .unfold(3, input, WINDOW_STRIDE);
        let (rows, cols) = (windows.size()[2], windows.size()[3]);
        let crops = windows
            .permute([0, 2, 3, 1, 4, 5])
            .reshape([rows * cols, 3, input, input]);
        let logits: Vec<Tensor> = crops
            .split(128, 0)
            .iter()
            .map(|c| self.forward_t(c, false))
            .collect();
        Tensor::cat(&logits, 0).view([rows, cols, -1])
    }
}

/// Pixels between neighbouring windows of `Network::window_logits`: the compact network's
/// feature stride.
pub const WINDOW_STRIDE: i64 = 8;

impl Network for CompactNet {
    fn window_logits(&self, xs: &Tensor, input: i64) -> Tensor {
        let x = self.features.forward_t(xs, false);
        let k = input / WINDOW_STRIDE;
        if x.size()[2] < k || x.size()[3] < k {
            return Tensor::zeros([0, 0, 0], (Kind::Float, xs.device()));
        }
        // The head's global average over a crop's k x k features, at every position.
        x.avg_pool2d([k, k], [1, 1], [0, 0], false, true, None)
            .squeeze_dim(0)
            .permute([1, 2, 0])
            .to_kind(Kind::Float)
            .apply(&self.head)
    }
}

impl Network for Vgg16 {}

/// The notebook's `VGG16_S`: torchvision VGG16-BN `features` and a fully connected head.
#[derive(Debug)]
pub struct Vgg16 {
    features: nn::SequentialT,
    classifier: nn::SequentialT,
}

impl Vgg16 {
    pub fn new(p: &nn::Path, classes: i64, input_size: u32, train_kind: Kind) -> Self {
        const CFG: [i64; 18] = [
            64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0,
        ];
        let mut features = nn::seq_t();
        let mut c_in = 3;
        for (i, &c) in CFG.iter().enumerate() {
            if c == 0 {
                features = features.add_fn(|x| x.max_pool2d_default(2));
            } else {
                features = features.add(conv_bn(p / "features" / i, c_in, c, train_kind));
                c_in = c;
            }
        }
        let s = i64::from(input_size / 32).max(1);
        let cp = p / "classifier";
        let classifier = nn::seq_t()
            .add(nn::linear(&cp / "0", 512 * s * s, 4096, Default::default()))
            .add_fn(relu_in_place)
            .add_fn_t(|x, train| x.dropout(0.5, train))
            .add(nn::linear(&cp / "3", 4096, 4096, Default::default()))
            .add_fn(relu_in_place)
            .add_fn_t(|x, train| x.dropout(0.5, train))
            .add(nn::linear(&cp / "6", 4096, classes, Default::default()));
        Self {
            features,
            classifier,
        }
    }
}

impl ModuleT for Vgg16 {
    fn forward_t(&self, xs: &Tensor, train: bool) -> Tensor {
        self.features
            .forward_t(xs, train)
            .flatten(1, -1)
            .to_kind(Kind::Float)
            .apply_t(&self.classifier, train)
    }
}

/// Builds the network for `arch` under `p`; its convolutions train in `train_kind`.
pub fn build(
    arch: Arch,
    p: &nn::Path,
    classes: i64,
    input_size: u32,
    train_kind: Kind,
) -> Box<dyn Network> {
    match arch {
        Arch::Compact => Box::new(CompactNet::new(p, classes, train_kind)),
        Arch::Vgg16 => Box::new(Vgg16::new(p, classes, input_size, train_kind)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precision_resolves_per_device() {
        assert_eq!(Precision::F32.training_kind(Device::Cpu), Kind::Float);
        assert_eq!(Precision::Bf16.training_kind(Device::Cpu), Kind::BFloat16);
        assert_eq!(Precision::Auto.training_kind(Device::Cuda(0)), Kind::Float);
        let auto = Precision::Auto.training_kind(Device::Cpu);
        assert_eq!(auto == Kind::BFloat16, cpu_has_native_bf16());
    }

    #[test]
    fn bf16_training_forward_matches_f32_and_prediction_stays_f32() {
        tch::manual_seed(3);
        let vs = nn::VarStore::new(Device::Cpu);
        let f32_net = CompactNet::new(&vs.root(), 10, Kind::Float);
        let bf16_vs = nn::VarStore::new(Device::Cpu);
        let bf16_net = CompactNet::new(&bf16_vs.root(), 10, Kind::BFloat16);
        let mut bf16_vs = bf16_vs;
        bf16_vs.copy(&vs).expect("same variables");
        let xs = Tensor::randn([4, 3, 32, 32], (Kind::Float, Device::Cpu));
        // Prediction (train = false) is f32 either way: identical outputs. (Before any
        // training pass: those update the batch-norm statistics.)
        let pa = f32_net.forward_t(&xs, false);
        let pb = bf16_net.forward_t(&xs, false);
        assert_eq!((&pa - &pb).abs().max().double_value(&[]), 0.0);
        let a = f32_net.forward_t(&xs, true);
        let b = bf16_net.forward_t(&xs, true);
        assert_eq!(b.kind(), Kind::Float);
        let scale = a.abs().max().double_value(&[]);
        let diff = (&a - &b).abs().max().double_value(&[]);
        assert!(diff > 0.0, "bf16 path was not taken");
        assert!(
            diff < 0.05 * scale,
            "bf16 differs by {diff} (scale {scale})"
        );
    }
}
