"""Build hook (the project's metadata is in pyproject.toml): the wheel ships the data package.

``data/`` lives at the repository root (the notebooks, the report and the validator read it there in a checkout);
an installed wheel finds it as ``dry_needling/_shipped/data`` (see ``dry_needling.paths``). The sdist carries
``data/`` through MANIFEST.in, so a wheel built from the sdist (``python -m build``) ships it too. Editable installs
copy nothing: they read the checkout's ``data/``.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIPPED = {"data": ["datapackage.json", "README.md", "*.csv"]}  # folder -> the files the wheel carries


class BuildWithData(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "dry_needling" / "_shipped"
        for folder, patterns in SHIPPED.items():
            files = sorted({p for pattern in patterns for p in (ROOT / folder).glob(pattern) if p.is_file()})
            if not files:
                raise SystemExit(f"setup.py: no files in {folder}/ to ship (is this the repository or its sdist?)")
            self.mkpath(str(target / folder))
            for path in files:
                self.copy_file(str(path), str(target / folder / path.name))


setup(cmdclass={"build_py": BuildWithData})
