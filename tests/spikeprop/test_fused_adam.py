"""``rules.adam.FusedAdam`` is torch.optim.Adam(fused=True) without its import cost: same
updates bit for bit, same state_dict (old checkpoints resume), and no torch._dynamo import."""
import subprocess
import sys

import torch

from spikeprop.rules.adam import FusedAdam


def _params(seed):
    g = torch.Generator().manual_seed(seed)
    a = torch.nn.Parameter(torch.randn(5, 7, generator=g))
    b = torch.nn.Parameter(torch.randn(3, 5, generator=g).t().contiguous())
    return [a, b]


def _run(opt, params, steps, seed=1):
    g = torch.Generator().manual_seed(seed)
    for k in range(steps):
        for i, p in enumerate(params):
            p.grad = None if (k == 1 and i == 1) else torch.randn(p.shape, generator=g)
        opt.step()
        opt.zero_grad()


def test_same_updates_and_state_dict_as_torch_adam():
    ours, ref = _params(0), _params(0)
    o1, o2 = FusedAdam(ours, lr=3e-3), torch.optim.Adam(ref, lr=3e-3, fused=True)
    _run(o1, ours, 4)
    _run(o2, ref, 4)
    for a, b in zip(ours, ref):
        assert torch.equal(a, b)
    s1, s2 = o1.state_dict(), o2.state_dict()
    assert s1["param_groups"] == s2["param_groups"]
    assert s1["state"].keys() == s2["state"].keys()
    for i in s1["state"]:
        for k in ("step", "exp_avg", "exp_avg_sq"):
            assert torch.equal(s1["state"][i][k], s2["state"][i][k]), (i, k)


def test_resumes_from_a_torch_adam_state():
    ref = _params(0)
    o_ref = torch.optim.Adam(ref, lr=1e-3, fused=True)
    _run(o_ref, ref, 2)
    ours = [torch.nn.Parameter(p.detach().clone()) for p in ref]
    o = FusedAdam(ours, lr=1e-3)
    o.load_state_dict(o_ref.state_dict())
    _run(o_ref, ref, 3, seed=7)
    _run(o, ours, 3, seed=7)
    for a, b in zip(ours, ref):
        assert torch.equal(a, b)


def test_does_not_import_the_compiler():
    code = ("import sys, torch; from spikeprop.rules.adam import FusedAdam; "
            "p = torch.nn.Parameter(torch.ones(2)); o = FusedAdam([p], 0.1); p.grad = torch.ones(2); "
            "o.step(); print('torch._dynamo' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
