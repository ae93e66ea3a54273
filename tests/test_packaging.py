"""Packaging: every package ships, and `import minitf` stays light."""

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_every_minitf_package_is_listed_in_pyproject():
    text = (ROOT / "pyproject.toml").read_text()
    for init in (ROOT / "minitf").rglob("__init__.py"):
        package = ".".join(init.parent.relative_to(ROOT).parts)
        assert f'"{package}"' in text, f"{package} is missing from pyproject's packages"


def test_import_minitf_does_not_import_torch_or_triton():
    code = ("import sys, minitf; heavy = [m for m in ('torch', 'triton', 'tensorflow') "
            "if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == ""
