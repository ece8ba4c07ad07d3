"""The `stepgrad` command: micrograd's demo and training runs, with their files; options
that do not fit, outputs that cannot be written, runs that diverge or are interrupted."""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import nn
from nn import plots
from nn.checkpoint import load
from nn.cli import main, offered_activations

ROOT = Path(__file__).resolve().parents[1]
OUTPUTS = ["boundary.png", "history.json", "loss.png", "model.json"]


def test_demo_reaches_full_accuracy_and_writes_its_files(
    tmp_path: Path, capsys: pytest.CaptureFixture
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


def test_regression_and_mismatched_losses(tmp_path: Path, capsys) -> None:
    argv = ["train", "--loss", "mse", "--epochs", "1", "--out", str(tmp_path), "--no-progress"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    why = "mse fits the class labels as numbers and decides no class"
    assert re.search(rf"after 1 epoch: loss [\d.]+ \(no accuracy: {why}\)\n", out)
    assert "wrote model.json, history.json, loss.png (after 1 epoch)" in out
    assert f"no boundary.png: {why}" in out
    assert not (tmp_path / "boundary.png").exists()
    for argv, message in [
        (["--dataset", "blobs", "--loss", "hinge"], "hinge needs two classes"),
        (["--optimizer", "adam", "--momentum", "0.9"], "--momentum is an option of"),
        (["--epochs", "0"], "expected a positive integer, got '0'"),
    ]:
        with pytest.raises(SystemExit):
            main(["train", *argv, "--out", str(tmp_path), "--no-progress"])
        assert message in capsys.readouterr().err


def test_the_command_reads_no_epoch_cap_from_the_environment(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    """CI's STEPGRAD_MAX_EPOCHS is for the notebooks that read it; the command trains for
    its --epochs."""
    monkeypatch.setenv("STEPGRAD_MAX_EPOCHS", "2")
    argv = ["train", "--dataset", "xor", "--epochs", "5", "--out", str(tmp_path), "--no-progress"]
    assert main(argv) == 0
    assert "after 5 epochs" in capsys.readouterr().out


def test_bad_hidden_sizes_are_refused(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["train", "--hidden", "16,x"])
    assert "expected sizes like 16,16" in capsys.readouterr().err


def test_no_command_prints_help(capsys) -> None:
    assert main([]) == 2
    assert "demo" in capsys.readouterr().out


def run(argv: list[str], out: Path) -> int:
    return main(["train", *argv, "--out", str(out), "--no-progress"])


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp / "file", "is a file; give a directory to write the outputs to"),
        (lambda tmp: tmp / "file" / "out", "file is a file, not a directory"),
        (lambda tmp: Path("/proc/stepgrad-output"), "cannot write there"),  # not even root
    ],
    ids=["an existing file", "below a file", "unwritable"],
)
def test_an_out_that_cannot_be_written_is_refused_before_training(
    tmp_path: Path, capsys: pytest.CaptureFixture, make, message: str
) -> None:
    (tmp_path / "file").write_text("mine\n")
    out = make(tmp_path)
    with pytest.raises(SystemExit) as exit:
        run(["--epochs", "1"], out)
    assert exit.value.code == 2
    captured = capsys.readouterr()
    assert f"error: --out {out}" in captured.err and message in captured.err
    assert captured.out == ""  # no training started
    assert (tmp_path / "file").read_text() == "mine\n"


def test_a_diverging_run_stops_with_a_message_and_keeps_its_last_finite_epoch(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    argv = ["--loss", "mse", "--lr", "3", "--samples", "40"]
    assert run([*argv, "--epochs", "20"], tmp_path / "diverged") == 1
    err = capsys.readouterr().err
    stop = re.search(
        r"training diverged in epoch (\d+) of 20: .+; the model is back at its parameters "
        r"after epoch (\d+) \(mean loss [\d.e+]+\)\n",
        err,
    )
    assert stop and int(stop[1]) == int(stop[2]) + 1 > 2
    assert "Traceback" not in err
    kept = int(stop[2])
    assert run([*argv, "--epochs", str(kept)], tmp_path / "kept") == 0
    for name in ("model.json", "history.json"):
        assert (tmp_path / "diverged" / name).read_text() == (tmp_path / "kept" / name).read_text()
    assert sorted(p.name for p in (tmp_path / "diverged").iterdir()) == [
        "history.json",
        "loss.png",
        "model.json",
    ]


def test_a_run_that_diverges_in_its_first_epoch_says_it_saved_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    assert run(["--loss", "mse", "--lr", "10", "--epochs", "20"], tmp_path / "out") == 1
    err = capsys.readouterr().err
    assert re.search(
        r"^training diverged in epoch 1 of 20: .+; the model is back at its initial parameters\n"
        r"nothing saved: no epoch was completed\n",
        err,
        re.M,
    )
    assert not (tmp_path / "out").exists()


def test_a_growing_loss_is_warned_about(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert run(["--lr", "1e6", "--epochs", "2"], tmp_path) == 0
    err = capsys.readouterr().err
    assert re.search(
        r"^warning: the mean loss of epoch 1 is [\d.e+]+, more than 10 times the [\d.]+ the "
        r"model started at: training is diverging \(is the learning rate too large\?\)$",
        err,
        re.M,
    )


def test_ctrl_c_stops_cleanly_and_saves_the_last_completed_epoch(tmp_path: Path) -> None:
    """A real SIGINT to the command while it trains: once the bar shows epoch 3, epochs 1
    and 2 are done. What it saves must be what a run of the completed epochs saves."""
    command = [sys.executable, "-m", "nn.cli", "train", "--samples", "40", "--epochs", "100000"]
    process = subprocess.Popen(
        [*command, "--out", str(tmp_path / "interrupted")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        # A shell without job control starts background jobs with SIGINT ignored.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    progress, deadline = b"", time.monotonic() + 120
    while b"epoch 3/100000" not in progress and time.monotonic() < deadline:
        chunk = os.read(process.stderr.fileno(), 4096)
        if not chunk:
            break
        progress += chunk
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    out, err = out.decode(), (progress + err).decode()
    assert process.returncode == 130, err
    assert "Traceback" not in err
    stop = re.search(
        r"\ninterrupted in epoch (\d+) of 100000; the model is back at its parameters after "
        r"epoch (\d+) \(mean loss",
        err,
    )
    assert stop and int(stop[1]) == int(stop[2]) + 1 >= 3
    kept = int(stop[2])
    assert f"wrote model.json, history.json, loss.png, boundary.png (after {kept} epochs)" in out
    assert sorted(p.name for p in (tmp_path / "interrupted").iterdir()) == OUTPUTS  # no temp file
    assert run(["--samples", "40", "--epochs", str(kept)], tmp_path / "completed") == 0
    for name in ("model.json", "history.json"):
        saved = (tmp_path / "interrupted" / name).read_text()
        assert saved == (tmp_path / "completed" / name).read_text()


def test_ctrl_c_while_the_files_are_written_waits_until_they_all_are(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    loss_curve = plots.loss_curve

    def interrupted(*args, **options):
        os.kill(os.getpid(), signal.SIGINT)
        return loss_curve(*args, **options)

    monkeypatch.setattr(plots, "loss_curve", interrupted)
    try:
        code = run(["--epochs", "1"], tmp_path)
    except KeyboardInterrupt:
        pytest.fail("Ctrl-C escaped the command while it wrote its files")
    assert code == 130
    captured = capsys.readouterr()
    assert "wrote model.json, history.json, loss.png, boundary.png (after 1 epoch)" in captured.out
    assert "interrupted: only the files reported above were saved" in captured.err
    assert sorted(p.name for p in tmp_path.iterdir()) == OUTPUTS


def test_a_file_that_fails_to_be_written_leaves_the_old_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(["--epochs", "1"], tmp_path) == 0
    before = (tmp_path / "loss.png").read_bytes()

    def broken(history, path):
        Path(path).write_bytes(b"half a picture")
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(plots, "loss_curve", broken)
    with pytest.raises(RuntimeError, match="the disk is full"):
        run(["--epochs", "2"], tmp_path)
    assert (tmp_path / "loss.png").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == OUTPUTS


def test_xor_trains_and_tests_on_all_four_points(tmp_path: Path, capsys) -> None:
    assert run(["--dataset", "xor", "--epochs", "300"], tmp_path) == 0
    out = capsys.readouterr().out
    assert "xor: all 4 examples for training and testing (too few to hold any out)" in out
    assert "accuracy on all 4 examples 100.0%" in out and "test accuracy" not in out
    assert json.loads((tmp_path / "history.json").read_text())["test_accuracy"][-1] == 1.0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--dataset", "xor", "--samples", "10"], "--samples: xor has its 4 points"),
        (["--dataset", "xor", "--test-fraction", "0.25"], "xor trains and tests on all its 4"),
        (["--dataset", "xor", "--noise", "0.1"], "--noise is for the generated datasets"),
        (["--dataset", "digits", "--noise", "0.1"], "(moons, circles, spirals, blobs), not digits"),
        (["--dataset", "digits", "--samples", "2000"], "--samples 2000: digits has 1797 examples"),
    ],
)
def test_options_the_dataset_cannot_use_are_refused(
    tmp_path: Path, capsys, argv: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as exit:
        run(argv, tmp_path)
    assert exit.value.code == 2 and message in capsys.readouterr().err


def test_samples_draws_from_digits(tmp_path: Path, capsys) -> None:
    assert run(["--dataset", "digits", "--samples", "50", "--epochs", "1"], tmp_path) == 0
    out = capsys.readouterr().out
    assert "digits: 40 training and 10 test examples, 64 inputs, 10 classes" in out
    assert "no boundary.png: digits has 64 inputs, a boundary is drawn for 2" in out


def test_help_explains_every_option_and_shows_defaults(capsys) -> None:
    for command in ("demo", "train"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        text = capsys.readouterr().out
        entries = re.split(r"\n(?=  -)", text.split("options:\n")[1].strip("\n"))
        for entry in entries:  # "  --option METAVAR  help", or the help on lines below
            head, *below = entry.split("\n")
            assert re.search(r"\S {2,}\S", head) or below, (command, head)
        text = " ".join(text.split())
        assert "--seed SEED seed of the" in text
    for shown in ("--lr LR learning rate (default: 0.1)", "(default: 16,16)", "(default: 200)"):
        assert shown in text
    assert "--activation {linear,prelu,identity,step,relu," in text


def test_activation_offers_activations_from_the_op_table() -> None:
    offered = offered_activations()
    assert set(offered) <= set(nn.activations())
    assert {"linear", "prelu", "relu", "tanh", "sigmoid", "silu", "mish", "step"} <= set(offered)
    assert not {"neg", "abs", "sin", "cos", "sinc"} & set(offered)
    with pytest.raises(SystemExit):
        main(["train", "--activation", "sin"])


def test_version(capsys) -> None:
    with pytest.raises(SystemExit) as exit:
        main(["--version"])
    assert exit.value.code == 0
    assert capsys.readouterr().out == f"stepgrad {importlib.metadata.version('stepgrad')}\n"
