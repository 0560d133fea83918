"""Refresh the JavaScript that the course site and slides ship, from pinned npm packages (`make vendor`).

    python scripts/vendor_js.py

The site (`make site`) and the slides (`make slides`) must work from ``file://`` with no network,
so they load nothing from a CDN: the widget manager, MathJax, reveal.js and RequireJS are
copied into each build from ``site/vendor/``, which is kept in git. That folder is written by this
script, and only by it: it runs ``npm ci`` on ``site/package.json`` / ``site/package-lock.json``
(exact versions and integrity hashes; npm needs the network once, here, not in the builds), copies
the few files the pages use with each package's licence, and records every file's sha256 and each
package's version in ``site/vendor/MANIFEST.json`` (tests/test_site.py checks the folder against it
and the manifest against the lock).

Why vendored rather than installed at build time: ``make site`` then builds offline on a learner's
or instructor's laptop, CI needs neither npm nor the network for it, and the 6 MB shipped are a
small fraction of the 160 MB that ``npm ci`` installs.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "site"
VENDOR = SITE / "vendor"

# package -> [(file in the package, where it goes under site/vendor/)]
FILES = {
    "@jupyter-widgets/html-manager": [
        # embed.js renders the saved widget state with the built-in widgets, with no RequireJS;
        # its Font Awesome icons come as woff2 (the only format the browsers used here pick).
        ("dist/embed.js", "html-manager/embed.js"),
        ("dist/embed.js.LICENSE.txt", "html-manager/embed.js.LICENSE.txt"),
        ("dist/1551f4f60c37af51121f.woff2", "html-manager/1551f4f60c37af51121f.woff2"),
        ("dist/7a3337626410ca2f4071.woff2", "html-manager/7a3337626410ca2f4071.woff2"),
        ("dist/d878b0a6a1144760244f.woff2", "html-manager/d878b0a6a1144760244f.woff2"),
    ],
    "mathjax": [
        # TeX input, SVG output: one self-contained file, no web fonts to load from file://.
        ("es5/tex-svg-full.js", "mathjax/tex-svg-full.js"),
        ("LICENSE", "mathjax/LICENSE"),
    ],
    "reveal.js": [
        ("dist/reveal.js", "reveal.js/dist/reveal.js"),
        ("dist/reveal.css", "reveal.js/dist/reveal.css"),
        ("dist/theme/white.css", "reveal.js/dist/theme/white.css"),
        ("dist/theme/fonts/source-sans-pro/source-sans-pro.css", "reveal.js/dist/theme/fonts/source-sans-pro/source-sans-pro.css"),
        *((f"dist/theme/fonts/source-sans-pro/source-sans-pro-{face}.woff",
           f"reveal.js/dist/theme/fonts/source-sans-pro/source-sans-pro-{face}.woff")
          for face in ("regular", "italic", "semibold", "semibolditalic")),
        ("dist/theme/fonts/source-sans-pro/LICENSE", "reveal.js/dist/theme/fonts/source-sans-pro/LICENSE"),
        ("plugin/notes/notes.js", "reveal.js/plugin/notes/notes.js"),
        ("LICENSE", "reveal.js/LICENSE"),
    ],
    "requirejs": [("require.js", "requirejs/require.js")],
}

# Packages that ship no licence file: their licence, as their package.json and file headers state it.
LICENCE_NOTES = {
    "@jupyter-widgets/html-manager": ("html-manager/LICENSE", "BSD-3-Clause",
                                      "Copyright (c) Project Jupyter Contributors"),
    "requirejs": ("requirejs/LICENSE", "MIT", "Copyright jQuery Foundation and other contributors"),
}

BSD_3 = """\
{copyright}
All rights reserved.

Redistribution and use in source and binary forms, with or without modification, are permitted
provided that the following conditions are met:

1. Redistributions of source code must retain the above copyright notice, this list of conditions
   and the following disclaimer.
2. Redistributions in binary form must reproduce the above copyright notice, this list of
   conditions and the following disclaimer in the documentation and/or other materials provided
   with the distribution.
3. Neither the name of the copyright holder nor the names of its contributors may be used to
   endorse or promote products derived from this software without specific prior written
   permission.

THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS" AND ANY EXPRESS OR
IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE IMPLIED WARRANTIES OF MERCHANTABILITY AND
FITNESS FOR A PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR
CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL
DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES; LOSS OF USE,
DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER
IN CONTRACT, STRICT LIABILITY, OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT
OF THE USE OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
"""

MIT = """\
{copyright}

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction,
including without limitation the rights to use, copy, modify, merge, publish, distribute,
sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT
NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT
OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
"""


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> int:
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("scripts/vendor_js.py needs npm (Node.js)")
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        for name in ("package.json", "package-lock.json"):
            shutil.copy(SITE / name, work / name)
        subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=work, check=True)
        modules = work / "node_modules"
        if VENDOR.exists():
            shutil.rmtree(VENDOR)
        manifest = {"packages": {}, "files": {}}
        for package, files in FILES.items():
            manifest["packages"][package] = json.loads((modules / package / "package.json").read_text())["version"]
            for source, target in files:
                (VENDOR / target).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(modules / package / source, VENDOR / target)
        for package, (target, licence, copyright_line) in LICENCE_NOTES.items():
            text = (BSD_3 if licence == "BSD-3-Clause" else MIT).format(copyright=copyright_line)
            (VENDOR / target).write_text(f"{package} {manifest['packages'][package]}: {licence}\n\n{text}")
    for path in sorted(VENDOR.rglob("*")):
        if path.is_file():
            manifest["files"][path.relative_to(VENDOR).as_posix()] = sha256(path)
    (VENDOR / "MANIFEST.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    size = sum(p.stat().st_size for p in VENDOR.rglob("*") if p.is_file())
    print(f"scripts/vendor_js.py: {len(manifest['files'])} files, {size / 1e6:.1f} MB in site/vendor/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
