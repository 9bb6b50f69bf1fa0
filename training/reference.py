"""PyTorch reference for BENCHMARKS.md: the same networks as the Rust engine
(src/engine/model.rs), the same batch shapes, the same thread count, timed the same way
(median optimiser step on a fixed batch; median batch-1 forward).

    PYTHONPATH=.deps/torch:.deps/pyref python3 training/reference.py --arch compact --threads 2

Pixel values do not change the arithmetic, so the batch is a fixed random tensor; the Rust
side (examples/bench_engine.rs) times pre-rendered synthetic batches.
"""
import argparse
import statistics
import time

import torch
from torch import nn


def conv_bn(c_in, c_out):
    return [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True)]


class Compact(nn.Module):
    """src/engine/model.rs CompactNet: stem, four stages (32-48-96-192), global average pool."""

    def __init__(self, classes, widths=(32, 48, 96, 192)):
        super().__init__()
        layers = conv_bn(3, widths[0])
        c_in = widths[0]
        for stage, c_out in enumerate(widths):
            if stage > 0:
                layers.append(nn.MaxPool2d(2))
            layers += conv_bn(c_in, c_out)
            if stage > 0:
                layers += conv_bn(c_out, c_out)
            c_in = c_out
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(c_in, classes)

    def forward(self, x):
        x = self.features(x)
        x = torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1)
        return self.head(x)


class Vgg16(nn.Module):
    """The notebook's VGG16_S: VGG16-BN features and a 512*s*s -> 4096 -> 4096 -> N head."""

    CFG = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]

    def __init__(self, classes, size):
        super().__init__()
        layers, c_in = [], 3
        for c in self.CFG:
            if c == "M":
                layers.append(nn.MaxPool2d(2))
            else:
                layers += conv_bn(c_in, c)
                c_in = c
        self.features = nn.Sequential(*layers)
        s = max(size // 32, 1)
        self.classifier = nn.Sequential(
            nn.Linear(512 * s * s, 4096), nn.ReLU(True), nn.Dropout(0.5),
            nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(0.5),
            nn.Linear(4096, classes),
        )

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--arch", default="compact", choices=["compact", "vgg16"])
    p.add_argument("--size", type=int)
    p.add_argument("--classes", type=int, default=908)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--bf16", action="store_true", help="train under CPU autocast to bfloat16")
    p.add_argument("--channels-last", action="store_true", help="NHWC input, as the Rust engine's")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    size = a.size or (32 if a.arch == "compact" else 64)
    net = Compact(a.classes) if a.arch == "compact" else Vgg16(a.classes, size)
    params = sum(t.numel() for t in net.parameters())
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3)
    x = torch.rand(a.batch, 3, size, size)
    if a.channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, a.classes, (a.batch,))
    steps = 6 if a.arch == "vgg16" else 30
    times = []
    net.train()
    for step in range(steps + 2):
        t = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.bf16):
            loss = nn.functional.cross_entropy(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step >= 2:
            times.append(time.perf_counter() - t)
    step = statistics.median(times)
    mode = ("bf16 autocast" if a.bf16 else "f32") + (", channels-last input" if a.channels_last else "")
    print(f"model: {a.arch} at {size}px, {params} parameters, torch threads {a.threads}, {mode}")
    print(f"train: batch {a.batch}, median step {step * 1e3:.1f} ms = {a.batch / step:.0f} images/s")
    net.eval()
    one = x[:1]
    lat = []
    with torch.no_grad():
        for i in range(220):
            t = time.perf_counter()
            net(one).softmax(-1)[0, 0].item()
            if i >= 20:
                lat.append(time.perf_counter() - t)
    print(f"predict: batch 1 forward median {statistics.median(lat) * 1e3:.3f} ms")


if __name__ == "__main__":
    main()
