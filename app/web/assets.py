"""The npm packages the web pages serve (YASGUI, cytoscape.js): `npm ci` in app/web/static, from the lock
file, so every script and stylesheet is served by govcat itself and none comes from a CDN."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

STATIC = Path(__file__).resolve().parent / "static"


class AssetsError(Exception):
    pass


def install_assets(folder: Path = STATIC) -> str:
    """Runs `npm ci` in `folder`; returns npm's output. Raises AssetsError (in Chinese and English) if it fails."""
    npm = shutil.which("npm")
    if npm is None:
        raise AssetsError("找不到 npm：请先安装 Node.js 和 npm（Debian：apt-get install npm）/ "
                          "npm not found: install Node.js and npm first (Debian: apt-get install npm)")
    done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=folder, capture_output=True, text=True,
                          timeout=900)
    if done.returncode != 0:
        raise AssetsError(f"npm ci 失败 / npm ci failed in {folder}:\n{done.stdout}\n{done.stderr}")
    return done.stdout
