"""Saving and loading an MLP as JSON: round trip, atomic writes, and every corrupt file."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

from nn import MLP
from nn.checkpoint import STALE_AFTER, load, save


def saved(tmp_path: Path) -> tuple[MLP, Path]:
    model = MLP(3, [4, 2], activation="tanh", out_activation="sigmoid", seed=2)
    path = tmp_path / "model.json"
    save(model, path)
    return model, path


def test_round_trip_gives_the_same_model(tmp_path: Path) -> None:
    model, path = saved(tmp_path)
    loaded = load(path)
    assert loaded.config == model.config
    assert [(n, p.data) for n, p in loaded.named_parameters()] == [
        (n, p.data) for n, p in model.named_parameters()
    ]
    assert loaded.predict([[0.1, 0.2, 0.3]]) == model.predict([[0.1, 0.2, 0.3]])
    assert "pickle" not in path.read_text() and json.loads(path.read_text())["version"] == 1


def test_a_failed_save_leaves_the_old_file_and_no_litter(tmp_path: Path) -> None:
    model, path = saved(tmp_path)
    before = path.read_text()
    model.parameters()[0].data = math.nan
    with pytest.raises(ValueError):
        save(model, path)
    assert path.read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json"]


def test_save_needs_an_mlp(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="save: expected an MLP"):
        save(object(), tmp_path / "x.json")


def corrupt(tmp_path: Path, change) -> Path:
    _, path = saved(tmp_path)
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))
    return path


def set_in(keys: tuple[str, ...], value: object):
    def change(document: dict) -> None:
        target = document
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value

    return change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (set_in(("format",), "other"), "is not a saved stepgrad MLP"),
        (set_in(("version",), 2), "has version 2, not 1"),
        (set_in(("config",), None), "has no 'config' object"),
        (set_in(("config", "extra"), 1), "config must have the keys"),
        (set_in(("config", "nouts"), [4, 0]), "the config describes no valid MLP"),
        (set_in(("config", "activation"), ["nope"]), "unknown activation 'nope'"),
        (set_in(("parameters",), []), "has no 'parameters' object"),
        (
            set_in(("parameters", "layers.0.neurons.0.w.0"), "x"),
            r"layers\.0\.neurons\.0\.w\.0 is 'x'",
        ),
        (set_in(("parameters", "layers.0.neurons.0.b"), True), "is True, not a finite number"),
        (set_in(("parameters", "layers.9.neurons.0.b"), 1.0), r"unexpected \['layers\.9"),
        (
            lambda d: d["parameters"].pop("layers.1.neurons.1.b"),
            "the config needs 26 weights and biases, the file has 25 parameters",
        ),
        (
            lambda d: d["parameters"].update({"b": d["parameters"].pop("layers.1.neurons.1.b")}),
            r"missing \['layers\.1\.neurons\.1\.b'\], unexpected \['b'\]",
        ),
        (set_in(("config", "nin"), 5), "needs 34 weights and biases, the file has 26"),
    ],
)
def test_corrupt_files_are_named_errors(tmp_path: Path, change, message: str) -> None:
    path = corrupt(tmp_path, change)
    with pytest.raises(ValueError, match=message):
        load(path)


def test_infinite_and_invalid_json(tmp_path: Path) -> None:
    _, path = saved(tmp_path)
    path.write_text(path.read_text().replace('neurons.0.b": 0.0', 'neurons.0.b": Infinity', 1))
    with pytest.raises(ValueError, match="is inf, not a finite number"):
        load(path)
    path.write_text("{ not json")
    with pytest.raises(ValueError, match="is not valid JSON"):
        load(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b'{"format": "stepgrad.MLP", "x": "\xff"}', "is not valid JSON"),
    ],
)
def test_undecodable_files(tmp_path: Path, text: bytes, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(text)
    with pytest.raises(ValueError, match=message):
        load(path)


def test_huge_integers_and_non_boolean_bias(tmp_path: Path) -> None:
    _, path = saved(tmp_path)
    path.write_text(path.read_text().replace('neurons.0.b": 0.0', 'neurons.0.b": ' + "9" * 400, 1))
    with pytest.raises(ValueError, match="not a finite number"):
        load(path)
    path = corrupt(tmp_path, set_in(("config", "bias"), "no"))
    with pytest.raises(ValueError, match="config bias is 'no', not true or false"):
        load(path)


def test_saved_file_has_the_usual_permissions(tmp_path: Path) -> None:
    _, path = saved(tmp_path)
    other = tmp_path / "other.txt"
    other.write_text("x")
    assert path.stat().st_mode & 0o777 == other.stat().st_mode & 0o777


def test_huge_integer_literals_are_named_errors(tmp_path: Path) -> None:
    """Python refuses to parse integers of more than 4,300 digits: a ValueError of its own."""
    _, path = saved(tmp_path)
    path.write_text(path.read_text().replace('neurons.0.b": 0.0', 'neurons.0.b": ' + "9" * 5000))
    with pytest.raises(ValueError, match=r"load: .* is not valid JSON"):
        load(path)


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"format": "stepgrad.MLP", "version": 1, "config": ' + "[" * 50_000,
        '{"format": "stepgrad.MLP", "version": 1, "config": ' + '{"a": ' * 50_000,
    ],
    ids=["a deep list", "a deep unfinished list", "deep objects"],
)
def test_deeply_nested_json_is_a_named_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "deep.json"
    path.write_text(text)
    with pytest.raises(ValueError, match=r"load: .*deep\.json is nested too deeply"):
        load(path)


def test_a_config_far_larger_than_its_file_is_refused_before_anything_is_built(
    tmp_path: Path,
) -> None:
    """A 1 KB file whose config says nin = 300,000: a model of 1.2 million parameters."""
    path = corrupt(tmp_path, set_in(("config", "nin"), 300_000))
    assert path.stat().st_size < 2048
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(ValueError, match="needs 1,200,014 weights and biases, the file has 26"):
            load(path)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert elapsed < 1.0 and peak < 1_000_000, (elapsed, peak)


def age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_a_save_removes_stale_temporary_files_of_its_own_pattern_only(tmp_path: Path) -> None:
    model, path = saved(tmp_path)
    stale = tmp_path / ".model.json.0123456789abcdef.tmp"
    in_progress = tmp_path / ".model.json.fedcba9876543210.tmp"
    others = [
        ".model.json.0123456789abcdef.tmp.bak",
        ".model.json.0123456789abcde.tmp",
        ".model.json.0123456789ABCDEF.tmp",
        ".model.json.abc.0123456789abcdef.tmp",
        ".other.json.0123456789abcdef.tmp",
        "model.json.0123456789abcdef.tmp",
        ".model.jsonx0123456789abcdefxtmp",
        "notes.txt",
    ]
    for name in [stale.name, in_progress.name, *others]:
        (tmp_path / name).write_text("x")
        if name != in_progress.name:
            age(tmp_path / name, 2 * STALE_AFTER)
    (tmp_path / "a directory.0123456789abcdef.tmp").mkdir()
    directory = tmp_path / ".model.json.00000000000000aa.tmp"
    directory.mkdir()
    age(directory, 2 * STALE_AFTER)
    save(model, path)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted(
        [
            "model.json",
            in_progress.name,
            directory.name,
            "a directory.0123456789abcdef.tmp",
            *others,
        ]
    )
    assert load(path).config == model.config


KILLED_DURING_SAVE = """
import os, signal, sys
from nn import MLP
from nn.checkpoint import save

def killed(source, target):
    os.kill(os.getpid(), signal.SIGKILL)

os.replace = killed
save(MLP(3, [4, 2], activation="relu", seed=5), sys.argv[1])
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_save_killed_before_its_rename_loses_nothing_and_its_litter_goes_later(
    tmp_path: Path,
) -> None:
    """SIGKILL between writing the temporary file and renaming it, the last moment a kill
    can land in a save: the target is the old file, and the next save clears the temporary
    file once it is stale."""
    model, path = saved(tmp_path)
    before = path.read_bytes()
    root = Path(__file__).resolve().parents[1]
    run = subprocess.run(
        [sys.executable, "-c", KILLED_DURING_SAVE, str(path)],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        check=False,
    )
    assert run.returncode == -signal.SIGKILL, run.stderr
    assert path.read_bytes() == before
    (litter,) = [p for p in tmp_path.iterdir() if p != path]
    assert json.loads(litter.read_text())["config"]["activation"] == ["relu"]
    save(model, path)
    assert litter.exists(), "a temporary file this recent may be a save in progress"
    age(litter, 2 * STALE_AFTER)
    save(model, path)
    assert sorted(tmp_path.iterdir()) == [path]
    assert load(path).config == model.config


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), KeyboardInterrupt()])
@pytest.mark.parametrize("where", ["fsync", "replace"])
def test_a_save_that_fails_midway_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str, failure: BaseException
) -> None:
    model, path = saved(tmp_path)
    before = path.read_bytes()
    for parameter in model.parameters():
        parameter.data += 1.0

    def fail(*args: object) -> None:
        raise failure

    monkeypatch.setattr(os, where, fail)
    with pytest.raises(type(failure)):
        save(model, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(tmp_path.iterdir()) == [path]
    save(model, path)
    assert [p.data for p in load(path).parameters()] == [p.data for p in model.parameters()]
