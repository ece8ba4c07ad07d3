"""Save an MLP to JSON and load it back: readable, diffable, and never pickle.

The file holds the model's `config` and every parameter by name. Saving writes a
temporary file beside the target and renames it over the target only once it is complete,
so a crash or an error while saving leaves the old file as it was. Loading checks the
format, the config, that the parameters are exactly the model's, and that each is a finite
number, and names what is wrong.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path

from nn.layers import MLP

FORMAT = "stepgrad.MLP"
VERSION = 1


def save(model: MLP, path: str | os.PathLike) -> None:
    """Write `model` to `path` as JSON, atomically."""
    if not isinstance(model, MLP):
        raise TypeError(f"save: expected an MLP, got {type(model).__name__}")
    document = {
        "format": FORMAT,
        "version": VERSION,
        "config": model.config,
        "parameters": {name: p.data for name, p in model.named_parameters()},
    }
    text = json.dumps(document, indent=1, allow_nan=False)
    path = Path(path)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "w") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def load(path: str | os.PathLike) -> MLP:
    """The MLP saved at `path`; a ValueError names the file and what is wrong in it."""
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"load: {path} is not valid JSON ({error})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"load: {path} is not a saved stepgrad MLP (no format {FORMAT!r})")
    if document.get("version") != VERSION:
        raise ValueError(f"load: {path} has version {document.get('version')!r}, not {VERSION}")
    model = _model(path, document.get("config"))
    parameters = document.get("parameters")
    if not isinstance(parameters, dict):
        raise ValueError(f"load: {path} has no 'parameters' object")
    expected = dict(model.named_parameters())
    missing = [name for name in expected if name not in parameters]
    unexpected = [name for name in parameters if name not in expected]
    if missing or unexpected:
        raise ValueError(
            f"load: {path} does not fit the model its config describes: "
            f"missing {missing[:3]}{'…' if len(missing) > 3 else ''}, "
            f"unexpected {unexpected[:3]}{'…' if len(unexpected) > 3 else ''}"
        )
    for name, parameter in expected.items():
        value = parameters[name]
        if not _finite_number(value):
            raise ValueError(f"load: {path}: parameter {name} is {value!r}, not a finite number")
        parameter.data = float(value)
    return model


def _model(path: Path, config: object) -> MLP:
    if not isinstance(config, dict):
        raise ValueError(f"load: {path} has no 'config' object")
    keys = {"nin", "nouts", "activation", "out_activation", "bias"}
    if set(config) == keys and not isinstance(config["bias"], bool):
        raise ValueError(f"load: {path}: config bias is {config['bias']!r}, not true or false")
    if set(config) != keys:
        raise ValueError(
            f"load: {path}: config must have the keys {sorted(keys)}, got {sorted(config)}"
        )
    try:
        return MLP(
            config["nin"],
            config["nouts"],
            activation=config["activation"],
            out_activation=config["out_activation"],
            bias=config["bias"],
            seed=0,
        )
    except (TypeError, ValueError) as error:
        raise ValueError(f"load: {path}: the config describes no valid MLP: {error}") from None


def _finite_number(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _umask() -> int:
    """The process's file mode mask (reading it means setting it, so it is set back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
