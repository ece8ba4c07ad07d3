"""Save an MLP to JSON and load it back: readable, diffable, and never pickle.

The file holds the model's `config` and every parameter by name. Saving writes a
temporary file beside the target, `.NAME.<16 hex digits>.tmp`, and renames it over the
target only once it is complete, so a crash or an error while saving leaves the old file as
it was. A process killed while saving leaves its temporary file behind; the next save to
that target removes the ones untouched for `STALE_AFTER` seconds (a save still running
elsewhere keeps writing its own). Loading checks the format, the config, that it describes
as many weights and biases as the file holds (before making a model of that size), that the
parameters are exactly the model's, and that each is a finite number, and names what is
wrong.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import secrets
import stat
import time
from collections.abc import Callable
from pathlib import Path

from autograd import checks
from nn.layers import MLP

FORMAT = "stepgrad.MLP"
VERSION = 1
STALE_AFTER = 600.0
"""Seconds after which a temporary file of a save that never finished is removed."""


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
    write_atomically(Path(path), lambda temporary: temporary.write_text(text, encoding="utf-8"))


def write_atomically(path: Path, write: Callable[[Path], object], *, suffix: str = ".tmp") -> None:
    """Let `write` fill a new temporary file beside `path` (`.NAME.<16 hex digits>` and
    `suffix`, which tells matplotlib a figure's format), then rename it to `path`: the
    file is there whole or not at all. Temporary files that earlier writes to `path` left
    when they were killed are removed first."""
    _remove_stale_temporaries(path, suffix)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}{suffix}")
    os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        write(temporary)
        descriptor = os.open(temporary, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def _remove_stale_temporaries(path: Path, suffix: str) -> None:
    """Remove the temporary files that writes to `path` left behind when they were killed:
    files named exactly as `write_atomically` names them, untouched for STALE_AFTER
    seconds. Best effort: a file that cannot be listed or removed is left, and the write
    goes on."""
    pattern = re.compile(rf"\.{re.escape(path.name)}\.[0-9a-f]{{16}}{re.escape(suffix)}")
    cutoff = time.time() - STALE_AFTER
    try:
        with os.scandir(path.parent) as entries:
            ours = [entry.path for entry in entries if pattern.fullmatch(entry.name)]
    except OSError:
        return
    for name in ours:
        with contextlib.suppress(OSError):
            status = os.lstat(name)
            if stat.S_ISREG(status.st_mode) and status.st_mtime < cutoff:
                os.unlink(name)


def load(path: str | os.PathLike) -> MLP:
    """The MLP saved at `path`; a ValueError names the file and what is wrong in it."""
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except RecursionError:
        raise ValueError(f"load: {path} is nested too deeply to be a checkpoint") from None
    except ValueError as error:
        raise ValueError(f"load: {path} is not valid JSON ({error})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"load: {path} is not a saved stepgrad MLP (no format {FORMAT!r})")
    if document.get("version") != VERSION:
        raise ValueError(f"load: {path} has version {document.get('version')!r}, not {VERSION}")
    config = document.get("config")
    _check_config(path, config)
    parameters = document.get("parameters")
    if not isinstance(parameters, dict):
        raise ValueError(f"load: {path} has no 'parameters' object")
    size = _weights_and_biases(config)
    if size is not None and size > len(parameters):
        raise ValueError(
            f"load: {path} does not fit the model its config describes: the config needs "
            f"{size:,} weights and biases, the file has {len(parameters):,} parameters"
        )
    model = _model(path, config)
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


def _check_config(path: Path, config: object) -> None:
    if not isinstance(config, dict):
        raise ValueError(f"load: {path} has no 'config' object")
    keys = {"nin", "nouts", "activation", "out_activation", "bias"}
    if set(config) == keys and not isinstance(config["bias"], bool):
        raise ValueError(f"load: {path}: config bias is {config['bias']!r}, not true or false")
    if set(config) != keys:
        raise ValueError(
            f"load: {path}: config must have the keys {sorted(keys)}, got {sorted(config)}"
        )


def _weights_and_biases(config: dict) -> int | None:
    """How many weights and biases the MLP of `config` has, counted without making it (a
    prelu's slopes come on top); None if its sizes are not positive integers."""
    nouts = config["nouts"]
    sizes = [config["nin"], *nouts] if isinstance(nouts, list) else []
    if not sizes or not all(type(n) is int and n > 0 for n in sizes):
        return None
    return sum((nin + config["bias"]) * nout for nin, nout in itertools.pairwise(sizes))


def _model(path: Path, config: dict) -> MLP:
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
    """True for a JSON number that is a finite float: not true or false, NaN, ±Infinity or an
    int too large for a float."""
    try:
        return checks.is_real(value) and checks.is_finite(float(value))
    except OverflowError:
        return False
