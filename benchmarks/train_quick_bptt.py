"""Train a small LIF network with BPTT on the embedded N-MNIST subset and save a spikeprop
checkpoint: a stand-in trained model for measuring deployment accuracy (bench_deploy.py
--accuracy) until Signal Propagation checkpoints exist. The readout is the output spike
count, the one ``spikeprop deploy`` uses.

    python benchmarks/train_quick_bptt.py -o runs/quick_bptt.pt --epochs 8
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.nmnist_subset import load_split  # noqa: E402
from spikeprop.checkpoint import save_checkpoint  # noqa: E402
from spikeprop.config import TrainConfig  # noqa: E402
from spikeprop.model import NetConfig, SpikingNet  # noqa: E402
from spikeprop.rules.signal import TargetSignal  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-o", "--output", default="runs/quick_bptt.pt")
    ap.add_argument("--sizes", default="2312,256,10")
    ap.add_argument("--T", type=int, default=30)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    sizes = [int(s) for s in args.sizes.split(",")]
    cfg = NetConfig(sizes=sizes, neuron="lif", beta=0.9, threshold=1.0, surrogate="fast_sigmoid")
    net = SpikingNet(cfg)
    xtr, ytr = load_split("train", args.T)
    xte, yte = load_split("test", args.T)
    xtr_t, ytr_t = torch.from_numpy(xtr.astype(np.float32)), torch.from_numpy(ytr)
    xte_t = torch.from_numpy(xte.astype(np.float32))
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        t0 = time.time()
        order = torch.randperm(xtr_t.shape[1])
        for i in range(0, len(order), 32):
            idx = order[i:i + 32]
            out, _ = net(xtr_t[:, idx])
            loss = torch.nn.functional.cross_entropy(out.sum(0) * 0.5, ytr_t[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            acc = float((net(xte_t)[0].sum(0).argmax(1).numpy() == yte).mean())
        print(f"epoch {epoch + 1}: loss {loss.item():.3f}, test accuracy (spike count) {100 * acc:.1f}%"
              f" ({time.time() - t0:.1f} s)")
    train = TrainConfig(method="bptt", T=args.T, epochs=args.epochs, lr=args.lr, seed=args.seed)
    signal = TargetSignal(train.n_classes, sizes[0], train.target_density, train.seed)
    save_checkpoint(args.output, {"net": cfg.to_dict(), "train": train.__dict__, "model": net.state_dict(),
                                  "signal": signal.state_dict(), "epoch": args.epochs})
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
