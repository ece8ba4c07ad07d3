"""Saving and loading an MLP as JSON: round trip, atomic writes, and every corrupt file."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from nn import MLP
from nn.checkpoint import load, save


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
            r"missing \['layers\.1\.neurons\.1\.b'\]",
        ),
        (set_in(("config", "nin"), 5), "missing"),
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
