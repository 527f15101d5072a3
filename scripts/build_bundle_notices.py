"""The third-party licence notice of a desktop bundle, generated from what is actually in it.

``build.spec`` calls ``write_notices`` with every file PyInstaller collected. Each collected
file is traced back to the installed distribution (wheel) it came from, through the
distributions' own file lists; every distribution found gets a section with its version, its
declared licence and the full text of the licence files it ships (or, for a licence it names
without shipping the text, the text from /usr/share/common-licenses where the build machine
has it). Native libraries copied from the build machine's own system are listed with the
Debian package they belong to and its copyright file.

``agpl_distributions`` names what is AGPL-licensed: the ``cpu`` build refuses to finish with
any, and the ``full`` build's notice says so at the top.

A wheel's metadata is not the whole story for the native libraries it carries: PyAV's wheel
says BSD-3-Clause and its FFmpeg reports "LGPL version 3 or later", yet that FFmpeg is linked
with x264 and x265, which are GPL-2.0-or-later, so the FFmpeg as shipped is GPL (PyAV issue
#2408). Collected files named after a known GPL library (``GPL_LIBRARIES``) are listed under
the package that carried them, and the notice says at the top that the bundle holds GPL code.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

COMMON_LICENSES = Path("/usr/share/common-licenses")
_LICENSE_WORDS = ("LICEN", "COPYING", "NOTICE", "COPYRIGHT")
# Licence names found in metadata -> the file under /usr/share/common-licenses with its text.
_COMMON_TEXTS = (("AGPL-3", "AGPL-3"), ("LGPL-3", "LGPL-3"), ("LGPL-2.1", "LGPL-2.1"),
                 ("GPL-3", "GPL-3"), ("GPL-2", "GPL-2"), ("Apache-2", "Apache-2.0"),
                 ("Apache 2", "Apache-2.0"))
#: File-name stems of GPL-licensed native libraries that wheels vendor (auditwheel names them
#: ``libx264-<hash>.so.165``): the stem -> what it is and its licence.
GPL_LIBRARIES = {
    "libx264": "x264, the H.264 encoder (GPL-2.0-or-later)",
    "libx265": "x265, the HEVC encoder (GPL-2.0-or-later)",
    "libxvidcore": "Xvid, the MPEG-4 ASP codec (GPL-2.0-or-later)",
    "libpostproc": "FFmpeg's libpostproc (GPL-2.0-or-later)",
    "librubberband": "Rubber Band (GPL-2.0-or-later)",
    "libvidstab": "vid.stab (GPL-2.0-or-later)",
}


def _is_native_library(path: Path) -> bool:
    return ".so" in path.name or path.suffix.lower() in {".dll", ".dylib", ".pyd"}


def gpl_library(path: Path) -> str | None:
    """What GPL library the native library file ``path`` is, or None."""
    if not _is_native_library(path):
        return None
    stem = path.name.split(".")[0].split("-")[0]
    return GPL_LIBRARIES.get(stem)


@dataclass
class Component:
    name: str
    version: str
    licence: str
    url: str
    licence_files: list[Path] = field(default_factory=list)
    files: int = 0
    #: Collected native libraries of this package that are GPL whatever its metadata says:
    #: (file name, what it is).
    gpl_libraries: list[tuple[str, str]] = field(default_factory=list)


def licence_of(dist: metadata.Distribution) -> str:
    meta = dist.metadata
    expression = meta.get("License-Expression")
    if expression:
        return str(expression)
    text = (meta.get("License") or "").strip()
    if text and len(text) < 200:
        return text
    classifiers = [c.split("::")[-1].strip() for c in meta.get_all("Classifier") or []
                   if c.startswith("License ::")]
    return "; ".join(classifiers) or (text.splitlines()[0] if text else "not declared")


def is_agpl(licence: str) -> bool:
    upper = licence.upper()
    return "AGPL" in upper or "AFFERO" in upper


def _index() -> dict[Path, metadata.Distribution]:
    """Every installed file (resolved path) -> its distribution."""
    owners: dict[Path, metadata.Distribution] = {}
    for dist in metadata.distributions():
        for item in dist.files or []:
            try:
                owners[Path(str(dist.locate_file(item))).resolve()] = dist
            except OSError:
                continue
    return owners


def components(sources: Iterable[str]) -> tuple[list[Component], list[Path]]:
    """The distributions the collected ``sources`` (absolute paths) came from, and the
    collected files that belong to none (system libraries)."""
    owners = _index()
    found: dict[str, Component] = {}
    orphans: list[Path] = []
    stdlib = Path(sysconfig.get_paths()["stdlib"]).resolve()
    for source in sources:
        path = Path(source).resolve()
        dist = owners.get(path)
        if dist is None:
            if not path.is_relative_to(stdlib) and _is_native_library(path):
                orphans.append(path)
            continue
        name = dist.metadata["Name"]
        component = found.get(name)
        if component is None:
            component = found[name] = Component(
                name,
                dist.version,
                licence_of(dist),
                dist.metadata.get("Home-page") or _project_url(dist),
                sorted(
                    {Path(str(dist.locate_file(f))) for f in dist.files or []
                     if any(w in f.name.upper() for w in _LICENSE_WORDS)
                     and f.suffix not in {".py", ".pyc", ".so", ".pyd", ".dll"}}
                ),
            )
        component.files += 1
        gpl = gpl_library(path)
        if gpl and (path.name, gpl) not in component.gpl_libraries:
            component.gpl_libraries.append((path.name, gpl))
    return sorted(found.values(), key=lambda c: c.name.lower()), sorted(set(orphans))


def _project_url(dist: metadata.Distribution) -> str:
    for entry in dist.metadata.get_all("Project-URL") or []:
        label, _, url = entry.partition(",")
        if label.strip().lower() in {"homepage", "home", "source", "repository"}:
            return url.strip()
    return ""


def agpl_distributions(found: Iterable[Component]) -> list[Component]:
    return [c for c in found if is_agpl(c.licence)]


def gpl_carriers(found: Iterable[Component]) -> list[Component]:
    """The packages that carry GPL native libraries (whatever their own licence says)."""
    return [c for c in found if c.gpl_libraries]


def _common_text(licence: str) -> tuple[str, str] | None:
    for word, name in _COMMON_TEXTS:
        if word.upper() in licence.upper() and (COMMON_LICENSES / name).is_file():
            return name, (COMMON_LICENSES / name).read_text("utf-8", errors="replace")
    return None


def _debian_package(path: Path) -> str | None:
    if shutil.which("dpkg") is None:
        return None
    for candidate in (path, path.resolve()):
        done = subprocess.run(["dpkg", "-S", str(candidate)], capture_output=True, text=True)
        if done.returncode == 0 and ":" in done.stdout:
            return done.stdout.split(":", 1)[0].strip()
    return None


def render(variant: str, found: list[Component], orphans: list[Path],
           stubs: Mapping[str, str] | None = None) -> str:
    agpl = agpl_distributions(found)
    out = [
        f"VideoLab desktop bundle ({variant}): third-party software and licences",
        "=" * 72,
        "",
        "This file is generated by build.spec from the files actually collected into this",
        "bundle. VideoLab itself is MIT-licensed. Each component below keeps its own licence.",
        "",
    ]
    if agpl:
        names = ", ".join(f"{c.name} {c.version}" for c in agpl)
        out += [
            "THIS BUNDLE CONTAINS CODE LICENSED UNDER THE GNU AFFERO GENERAL PUBLIC LICENSE,",
            f"VERSION 3 (AGPL-3.0): {names}.",
            "Whoever conveys this bundle, or lets people use it over a network, must offer them",
            "the complete corresponding source code under the AGPL-3.0. The licence text is in",
            "the sections below. The 'cpu' build of VideoLab contains no AGPL-3.0 code.",
            "",
        ]
    else:
        out += ["This bundle contains no code licensed under the AGPL.", ""]
    gpl = gpl_carriers(found)
    gpl_orphans = [(o.name, g) for o in orphans if (g := gpl_library(o))]
    if gpl or gpl_orphans:
        out += [
            "THIS BUNDLE CONTAINS CODE LICENSED UNDER THE GNU GENERAL PUBLIC LICENSE (GPL),",
            "VERSION 2 OR LATER:",
        ]
        for c in gpl:
            libs = "; ".join(f"{name} ({what})" for name, what in c.gpl_libraries)
            out.append(f"- {c.name} {c.version} (declared licence: {c.licence}) carries {libs}.")
        for name, what in gpl_orphans:
            out.append(f"- {name} ({what}), copied from the build machine.")
        if any(c.name.lower() == "av" for c in gpl):
            out += [
                "  PyAV's FFmpeg libraries (libavcodec and the others in av.libs) are linked",
                "  with these, so that FFmpeg build, as shipped here, is under the GPL version 2",
                "  or later, although FFmpeg reports \"LGPL version 3 or later\" (its build did",
                "  not pass --enable-gpl; PyAV issue #2408). VideoLab uses x264 to write H.264",
                "  MP4 exports.",
            ]
        out += [
            "Whoever conveys this bundle must offer the complete corresponding source code of",
            "these GPL components under the GPL (the GPL-2 text is in the sections below).",
            "",
        ]
    out += [
        "The demo model (videolab/resources/models) was trained by the VideoLab project on",
        "synthetic shapes, with the Ultralytics YOLO11 architecture; Ultralytics states that",
        "models made with its software are covered by its AGPL-3.0 licence (see metadata.yaml",
        "beside the model). It is model data, not program code.",
        "",
        f"Python {platform.python_version()} (Python Software Foundation License)",
        "",
        "Components",
        "----------",
    ]
    for c in found:
        out.append(f"- {c.name} {c.version}: {c.licence}" + (f" <{c.url}>" if c.url else ""))
        if c.gpl_libraries:
            out.append("  with GPL-2.0-or-later native libraries: "
                       + ", ".join(name for name, _ in c.gpl_libraries))
    if stubs:
        out += ["", "Libraries replaced by stubs", "-" * 27,
                "These files hold none of the named library's code: VideoLab never runs it, so",
                "each is a stub of VideoLab's own (MIT) that stops the program if called (x265's",
                "query of the bit depths it supports answers \"none\")."]
        out += [f"- {name}: {why}" for name, why in sorted(stubs.items())]
    if orphans:
        out += ["", "Native libraries copied from the build machine's system", "-" * 55]
        for path in orphans:
            package = _debian_package(path)
            where = f" (Debian package {package})" if package else ""
            out.append(f"- {path.name}: {path}{where}")
    out += ["", "", "Licence texts", "=" * 72]
    python_licence = Path(sysconfig.get_paths()["stdlib"]) / "LICENSE.txt"
    if python_licence.is_file():
        out += ["", f"--- Python {platform.python_version()} ---", "",
                python_licence.read_text("utf-8", errors="replace")]
    shown_common: set[str] = set()
    for c in found:
        out += ["", f"--- {c.name} {c.version} ({c.licence}) ---"]
        texts = [p for p in c.licence_files if p.is_file()]
        for path in texts:
            out += ["", f"[{path.name}]", path.read_text("utf-8", errors="replace")]
        if not texts:
            common = _common_text(c.licence)
            if common is None:
                out.append("(no licence text shipped with this package; see its project page)")
            elif common[0] in shown_common:
                out.append(f"(the {common[0]} text is given above)")
            else:
                shown_common.add(common[0])
                out += ["", f"[{common[0]}]", common[1]]
    if (gpl or gpl_orphans) and "GPL-2" not in shown_common:
        out += ["", "--- GPL-2.0 (x264, x265 and the other GPL libraries named at the top) ---", ""]
        gpl2 = COMMON_LICENSES / "GPL-2"
        out.append(gpl2.read_text("utf-8", errors="replace") if gpl2.is_file()
                   else "https://www.gnu.org/licenses/old-licenses/gpl-2.0.txt")
    packages = sorted({p for p in (_debian_package(o) for o in orphans) if p})
    for package in packages:
        copyright_file = Path("/usr/share/doc") / package / "copyright"
        if copyright_file.is_file():
            out += ["", f"--- Debian package {package} ---", "",
                    copyright_file.read_text("utf-8", errors="replace")]
    return "\n".join(out) + "\n"


def write_notices(variant: str, sources: Iterable[str], target: Path,
                  stubs: Mapping[str, str] | None = None) -> list[Component]:
    """Write the notice for a bundle made of ``sources``; return its components. ``stubs``:
    library file name -> why the bundle holds a stub of VideoLab's own in its place."""
    found, orphans = components(sources)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(variant, found, orphans, stubs), "utf-8")
    return found


if __name__ == "__main__":  # a preview from the current environment: every installed package
    every = [str(d.locate_file(f)) for d in metadata.distributions() for f in (d.files or [])[:1]]
    sys.stdout.write(render(os.environ.get("VIDEOLAB_BUNDLE", "preview"), *components(every)))
