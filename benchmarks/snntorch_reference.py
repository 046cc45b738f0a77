"""A plain snntorch BPTT training loop, written the way the snntorch tutorials write it.

Used only as the speed/accuracy reference in ``benchmarks/`` ("what users would write
without this project"): ``nn.Linear`` + ``snn.Leaky`` (fast-sigmoid surrogate), dense
input, the whole sequence unrolled, cross-entropy on the membrane at every step, Adam.
"""
from __future__ import annotations

import snntorch as snn
import torch
from snntorch import surrogate
from torch import nn


class TutorialNet(nn.Module):
    def __init__(self, sizes: list[int], beta: float = 0.9) -> None:
        super().__init__()
        spike_grad = surrogate.fast_sigmoid()
        self.fcs = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.lifs = nn.ModuleList(snn.Leaky(beta=beta, spike_grad=spike_grad) for _ in self.fcs)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mems = [lif.init_leaky() for lif in self.lifs]
        spk_rec, mem_rec = [], []
        for step in range(x.shape[0]):
            h = x[step]
            for i, (fc, lif) in enumerate(zip(self.fcs, self.lifs)):
                h, mems[i] = lif(fc(h), mems[i])
            spk_rec.append(h)
            mem_rec.append(mems[-1])
        return torch.stack(spk_rec), torch.stack(mem_rec)


def train_step(net: TutorialNet, optimizer: torch.optim.Optimizer, x: torch.Tensor,
               y: torch.Tensor) -> tuple[float, int]:
    """One tutorial-style BPTT step on a dense (T, B, N) batch; returns (loss, correct)."""
    loss_fn = nn.CrossEntropyLoss()
    spk, mem = net(x)
    loss = torch.zeros(())
    for step in range(x.shape[0]):
        loss = loss + loss_fn(mem[step], y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return float(loss.detach()), int((spk.sum(0).argmax(1) == y).sum())


@torch.no_grad()
def accuracy(net: TutorialNet, x: torch.Tensor, y: torch.Tensor) -> float:
    spk, _ = net(x)
    return float((spk.sum(0).argmax(1) == y).float().mean())
