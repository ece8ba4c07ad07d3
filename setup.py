"""stepgrad's build: autograd/value.py, ops.py and replay.py are compiled by Cython when
they can be.

The compiled modules are the .py files themselves (with the types of value.pxd). They
are built when Cython and a C compiler are there and STEPGRAD_PURE_PYTHON is not set;
otherwise the install goes on with one line that says why, and they run as plain Python.
Beside them goes the SHA-256 of the sources they were compiled from, so that
`autograd.core` never runs them once a source has changed (an editable install).
"""

import importlib.util
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).parent
_spec = importlib.util.spec_from_file_location("stepgrad_core", HERE / "autograd" / "core.py")
core = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(core)


class CompileIfPossible(build_ext):
    """build_ext that falls back to plain Python when compiling fails, and writes the
    source hash beside each compiled module (also when an editable install copies it)."""

    failed = False

    def build_extension(self, ext) -> None:
        if self.failed:
            return
        try:
            super().build_extension(ext)
        except Exception as error:  # the compiler's errors have no common class
            self.failed = True
            fallback(f"compiling failed ({type(error).__name__}, no working C compiler?)")
            return
        self.hash_file(ext).write_text(core.source_hash(HERE / "autograd") + "\n")

    def hash_file(self, ext) -> Path:
        return Path(self.build_lib, *ext.name.split(".")[:-1], core.HASH_FILE)

    def copy_extensions_to_source(self) -> None:
        if self.failed:
            return
        super().copy_extensions_to_source()
        for ext in self.extensions:
            if self.hash_file(ext).exists():
                self.copy_file(str(self.hash_file(ext)), str(HERE / "autograd" / core.HASH_FILE))

    def get_outputs(self) -> list[str]:
        return [*super().get_outputs(), *(str(self.hash_file(ext)) for ext in self.extensions)]


def fallback(reason: str) -> None:
    print(f"stepgrad: {reason}; autograd runs as plain Python", file=sys.stderr)


def extensions() -> list:
    if core.pure_python_requested():
        fallback("STEPGRAD_PURE_PYTHON is set")
        return []
    try:
        from Cython.Build import cythonize
        from setuptools import Extension
    except ImportError:
        fallback("Cython is not installed")
        return []
    modules = [
        Extension(
            f"autograd.{name}",
            [f"autograd/{name}.py"],
            extra_compile_args=["-ffp-contract=off"],
        )
        for name in core.COMPILED
    ]
    try:
        return cythonize(modules, language_level=3, quiet=True)
    except Exception as error:  # Cython's compile errors
        fallback(f"Cython could not compile the core ({error})")
        return []


setup(ext_modules=extensions(), cmdclass={"build_ext": CompileIfPossible})
