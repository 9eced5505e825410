"""Build hook: a wheel without htmx would serve the chat without JavaScript, so refuse to build
one. ``./run setup`` copies htmx from its pinned npm package into the package first."""
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

VENDORED = Path(__file__).parent / "src" / "faqbot" / "static" / "vendor" / "htmx.min.js"


class BuildPy(build_py):
    def run(self) -> None:
        if not self.editable_mode and not VENDORED.exists():
            raise SystemExit(f"{VENDORED.relative_to(Path(__file__).parent)} is missing: "
                             "run ./run setup (it copies htmx from node_modules) before building.")
        super().run()


setup(cmdclass={"build_py": BuildPy})
