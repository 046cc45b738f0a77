"""Fuzz the command line in-process: hypothesis-generated option values and config files for
``train``, ``evaluate`` and ``deploy``. Each run either reaches the work (stubbed: the data
loading / evaluation / deploy function raises ``Reached``) or ends with exactly one error line
naming the problem; never a traceback, never an "unexpected" error."""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spikeprop.cli.__main__ import main


class Reached(Exception):
    """The command got past every check and would now load data / a model."""


def _reach(*args, **kwargs):
    raise Reached()


@pytest.fixture
def stubbed(monkeypatch):
    import spikeprop.deploy
    import spikeprop.evaluation
    import spikeprop.runs

    monkeypatch.setattr(spikeprop.runs, "load_splits", _reach)
    monkeypatch.setattr(spikeprop.evaluation, "evaluate_checkpoint", _reach)
    monkeypatch.setattr(spikeprop.deploy, "deploy", _reach)
    import spikeprop.onchip.experiment

    monkeypatch.setattr(spikeprop.onchip.experiment, "run_learning", _reach)


numbers = st.one_of(st.integers(-5, 5000), st.floats(allow_nan=True, allow_infinity=True, width=32),
                    st.sampled_from(["", "fast", "1e3", "0x10", "none", "-0", "2312,10", "nan"]))
json_values = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-10, 10**6),
                                     st.floats(allow_nan=False, width=32), st.text(max_size=5)),
                           lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=4), c, max_size=3),
                           max_leaves=5)
TRAIN_OPTS = ["--T", "--batch-size", "--epochs", "--lr", "--seed", "--threads", "--update-every", "--sp-trace",
              "--val-fraction", "--cv", "--sizes", "--sp-v-floor"]
TRAIN_KEYS = ["T", "batch_size", "epochs", "lr", "seed", "threads", "update_every", "val_fraction", "method",
              "loss", "output", "sp_trace", "tau", "window_ms"]
DEPLOY_OPTS = ["--n-samples", "--T", "--window-ms", "--chunk", "--learn-samples", "--learn-T", "--learn-eval-every"]


def _run(argv: list[str], capsys) -> None:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse
        code = exc.code
    out, err = capsys.readouterr()
    assert "Traceback" not in err + out
    lines = [l for l in err.splitlines() if l.strip() and not l.startswith("note: ")]
    if "unexpected Reached" in err or code == 0:
        return
    assert code in (1, 2), (argv, code, err)
    assert len(lines) == 1 and lines[0].startswith(f"spikeprop {argv[0]}: error: "), (argv, err)
    assert "unexpected" not in lines[0], (argv, err)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(opts=st.dictionaries(st.sampled_from(TRAIN_OPTS), numbers, max_size=4),
       config=st.one_of(st.none(), st.dictionaries(st.sampled_from(TRAIN_KEYS), json_values, max_size=3),
                        json_values))
def test_train_options_and_config(stubbed, capsys, opts, config):
    with tempfile.TemporaryDirectory() as tmp:
        argv = ["train", "--out", str(Path(tmp) / "run"), "--quiet"]
        for k, v in opts.items():
            argv += [k, str(v)]
        if config is not None:
            cfg = Path(tmp) / "c.json"
            cfg.write_text(json.dumps({"train": config} if isinstance(config, dict) and config else config))
            argv += ["--config", str(cfg)]
        _run(argv, capsys)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(opts=st.dictionaries(st.sampled_from(DEPLOY_OPTS), numbers, max_size=3), learn=st.booleans())
def test_deploy_options(stubbed, capsys, opts, learn):
    argv = ["deploy", "model.pt"] + (["--learn"] if learn else [])
    for k, v in opts.items():
        argv += [k, str(v)]
    _run(argv, capsys)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bs=numbers, threads=numbers)
def test_evaluate_options(stubbed, capsys, bs, threads):
    _run(["evaluate", "ck.pt", "--batch-size", str(bs), "--threads", str(threads)], capsys)
