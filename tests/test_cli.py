"""The `stepgrad` command: micrograd's demo and training runs, with their files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nn.checkpoint import load
from nn.cli import main
from nn.train import EPOCHS_LIMIT


@pytest.fixture(autouse=True)
def no_epoch_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    """`make test` caps the epochs of long runs; these tests set their own cap."""
    monkeypatch.delenv(EPOCHS_LIMIT, raising=False)


def test_demo_reaches_full_accuracy_and_writes_its_files(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["demo", "--out", str(tmp_path), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "after 100 epochs" in out and "training accuracy 100.0%" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "boundary.png",
        "history.json",
        "loss.png",
        "model.json",
        "sample.html",
        "sample.svg",
    ]
    assert "nodes in 3 boxes (3 modules)" in (tmp_path / "sample.svg").read_text()
    assert 'class="stepgrad-viewer"' in (tmp_path / "sample.html").read_text()
    assert load(tmp_path / "model.json").config["nouts"] == [16, 16, 1]
    history = json.loads((tmp_path / "history.json").read_text())
    assert len(history["loss"]) == 100 and history["accuracy"][-1] == 1.0
    assert (tmp_path / "boundary.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_train_with_every_option(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    argv = [
        "train",
        "--dataset",
        "spirals",
        "--samples",
        "60",
        "--hidden",
        "8,8",
        "--activation",
        "tanh",
        "--init",
        "xavier",
        "--optimizer",
        "adam",
        "--lr",
        "0.01",
        "--epochs",
        "3",
        "--batch-size",
        "16",
        "--l2",
        "1e-4",
        "--out",
        str(tmp_path),
        "--no-progress",
    ]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "spirals: 48 training and 12 test examples, 2 inputs, 3 classes" in out
    assert "after 3 epochs" in out and "test accuracy" in out
    config = load(tmp_path / "model.json").config
    assert config["nouts"] == [8, 8, 3] and config["activation"] == ["tanh", "tanh"]


def test_regression_and_mismatched_losses(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv(EPOCHS_LIMIT, "1")
    assert main(["train", "--loss", "mse", "--out", str(tmp_path), "--no-progress"]) == 0
    assert "boundary.png" not in capsys.readouterr().out
    for argv, message in [
        (["--dataset", "blobs", "--loss", "hinge"], "hinge needs two classes"),
        (["--optimizer", "adam", "--momentum", "0.9"], "--momentum is an option of"),
        (["--epochs", "0"], "expected a positive integer, got '0'"),
    ]:
        with pytest.raises(SystemExit):
            main(["train", *argv, "--out", str(tmp_path), "--no-progress"])
        assert message in capsys.readouterr().err


def test_the_epoch_limit_that_ci_sets(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv(EPOCHS_LIMIT, "2")
    assert (
        main(
            [
                "train",
                "--dataset",
                "xor",
                "--epochs",
                "50",
                "--test-fraction",
                "0.25",
                "--out",
                str(tmp_path),
                "--no-progress",
            ]
        )
        == 0
    )
    assert "after 2 epochs" in capsys.readouterr().out


def test_bad_hidden_sizes_are_refused(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["train", "--hidden", "16,x"])
    assert "expected sizes like 16,16" in capsys.readouterr().err


def test_no_command_prints_help(capsys) -> None:
    assert main([]) == 2
    assert "demo" in capsys.readouterr().out
