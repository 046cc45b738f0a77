"""Rate and latency spike encoders: statistics, exact latency steps, seeding per sample."""
import pytest
import torch

from spikeprop.data.encoding import latency_encode, latency_steps, rate_encode, sample_seed


def levels_image(values, n=2000):
    """One image per value, every pixel equal to it: (len(values), n) uint8."""
    return torch.tensor(values, dtype=torch.uint8)[:, None].expand(-1, n).contiguous()


def test_rate_probability_is_pixel_over_255():
    values = [0, 26, 64, 128, 200, 255]
    s = rate_encode(levels_image(values), T=50, seed=3)
    assert s.shape == (50, len(values), 2000) and s.dtype == torch.bool
    freq = s.float().mean((0, 2))
    expected = torch.tensor(values) / 255.0
    assert torch.allclose(freq, expected, atol=0.01)  # 100,000 draws each: sd <= 0.0016
    assert freq[0] == 0 and freq[-1] == 1  # 0 never spikes, 255 always


def test_rate_same_seed_same_spikes_other_seed_or_epoch_differs():
    img = levels_image([100, 180], n=784)
    a = rate_encode(img, 20, seed=1, epoch=2)
    assert torch.equal(a, rate_encode(img, 20, seed=1, epoch=2))
    assert not torch.equal(a, rate_encode(img, 20, seed=2, epoch=2))
    assert not torch.equal(a, rate_encode(img, 20, seed=1, epoch=3))


def test_rate_spikes_follow_the_sample_key_not_the_batch_position():
    img = torch.randint(0, 256, (3, 28, 28), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    whole = rate_encode(img, 10, seed=5, keys=torch.tensor([10, 11, 12]))
    alone = rate_encode(img[2:], 10, seed=5, keys=torch.tensor([12]))
    swapped = rate_encode(img[[2, 0]], 10, seed=5, keys=torch.tensor([12, 10]))
    assert torch.equal(whole[:, 2], alone[:, 0])
    assert torch.equal(whole[:, 2], swapped[:, 0]) and torch.equal(whole[:, 0], swapped[:, 1])
    assert not torch.equal(whole[:, 0], rate_encode(img[:1], 10, seed=5, keys=torch.tensor([11]))[:, 0])


def test_sample_seed_is_stable_and_distinct():
    assert sample_seed(0, 0, 0) == sample_seed(0, 0, 0)
    seeds = {sample_seed(s, e, k) for s in range(3) for e in range(3) for k in range(100)}
    assert len(seeds) == 900 and all(0 <= v < 2**63 for v in seeds)


def test_latency_one_spike_per_bright_pixel_at_the_documented_step():
    img = torch.tensor([[0, 25, 26, 51, 128, 254, 255]], dtype=torch.uint8)  # threshold 0.1: 25.5
    T = 11
    s = latency_encode(img, T)
    assert s.shape == (T, 1, 7)
    counts = s.sum(0)[0]
    assert counts.tolist() == [0, 0, 1, 1, 1, 1, 1]
    steps = s.float().argmax(0)[0]
    for i, v in enumerate(img[0].tolist()):
        if v > 25.5:
            assert steps[i] == round((1 - v / 255) * (T - 1)), (v, int(steps[i]))
    assert steps[-1] == 0  # full brightness fires first
    assert latency_steps(img, T)[0, :2].tolist() == [-1, -1]


def test_latency_threshold_and_T1():
    img = torch.tensor([[10, 200]], dtype=torch.uint8)
    assert latency_encode(img, 5, threshold=0.0).sum() == 2
    assert latency_encode(img, 1).sum(0).tolist() == [[0, 1]]


def test_encoders_reject_non_uint8():
    with pytest.raises(ValueError, match="uint8"):
        rate_encode(torch.zeros(2, 4), 5)
    with pytest.raises(ValueError, match="2 keys for 1 images"):
        rate_encode(torch.zeros(1, 4, dtype=torch.uint8), 5, keys=torch.tensor([1, 2]))
