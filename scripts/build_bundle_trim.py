"""What ``build.spec`` leaves out of, or slims in, the ``cpu`` bundle to keep it under 500 MB.

Each cut is a measured one (README "Build the desktop app" has the figures) and leaves every
feature of the cpu bundle working (tests/bundle/test_built_bundle.py runs the built bundle):

- ``drop_unused_qt_plugins``: Qt plugins VideoLab never loads. The GTK 3 platform theme alone
  brings GTK, Cairo, Pango, ATK and ~30 more libraries of the build machine (~25 MB); Qt then
  draws its own Fusion style and file dialogs (the XDG portal theme stays). Also the embedded
  and remote display plugins (EGLFS, linuxfb, VNC, Vulkan-display), evdev input, network
  information and TLS plugins (VideoLab makes no network connection).
- ``share_ffmpeg``: OpenCV's wheel carries its own FFmpeg (libavcodec and friends, with libvpx
  and OpenSSL: ~32 MB) next to PyAV's. Both are FFmpeg 8 with the same library versions
  (libavcodec 62.28, ...), so OpenCV's module is pointed at PyAV's copies (``patchelf
  --replace-needed`` on a copy of cv2's extension module) and OpenCV's copies drop out.
  FFmpeg keeps its ABI within a major version; the step refuses any other pairing.
- ``stub_unused_libraries``: libraries that other libraries link to but whose code VideoLab
  never runs are replaced by stubs: one function per symbol their dependents import, which
  prints what was called and aborts. x265 (HEVC) and SVT-AV1 (AV1) are encoders libavcodec
  links to, and VideoLab encodes H.264 only; OpenBLAS serves OpenCV's linear algebra (solve,
  SVD, gemm) and libaom its AVIF images, and VideoLab uses OpenCV only to resize, convert,
  draw, write the demo clip and encode JPEG. ~75 MB. Only functions are stubbed (a data symbol
  keeps the real library), x265's API query answers "none" (``ANSWER_NONE``), and the smoke
  tests run every feature of the bundle with the stubs in place. Code that starts using one of
  them (OpenCV's solve/SVD/gemm, an HEVC or AV1 encode, AVIF images) must take it out of
  ``STUBBED`` first: in the cpu bundle it would stop the program.
- ``prune_unreferenced``: shared libraries that nothing collected needs any more after the two
  cuts above (found through the DT_NEEDED entries of what stays).
- ``strip_debug_info``: debugging information (``strip --strip-debug``) in the collected
  libraries that carry it: the Python runtime (libpython 23 MB -> 6 MB), pysqlite3's SQLite,
  PyAV's modules and others, ~75 MB in all. Symbols stay; nothing that runs changes.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

#: Qt plugins (paths under PySide6/Qt/plugins/) the desktop app never loads.
UNUSED_QT_PLUGINS = (
    "platformthemes/libqgtk3.so",
    "egldeviceintegrations/",
    "platforms/libqeglfs.so",
    "platforms/libqlinuxfb.so",
    "platforms/libqminimalegl.so",
    "platforms/libqvkkhrdisplay.so",
    "platforms/libqvnc.so",
    "generic/",
    "networkinformation/",
    "tls/",
)
#: FFmpeg's libraries that OpenCV's module links to, shared with PyAV's when versions allow.
FFMPEG_LIBRARIES = ("libavcodec", "libavformat", "libavutil", "libswscale", "libswresample",
                    "libavdevice", "libavfilter")
#: The original of each file this module patched (the licence notice traces the original).
PATCHED_FROM: dict[str, str] = {}

Entry = tuple  # a PyInstaller TOC entry: (dest_name, src_name, typecode)


def _dest(entry: Entry) -> str:
    return str(entry[0]).replace("\\", "/")


def drop_unused_qt_plugins(binaries: list[Entry]) -> list[Entry]:
    kept = [b for b in binaries if not any(
        _dest(b).startswith("PySide6/Qt/plugins/" + plugin) for plugin in UNUSED_QT_PLUGINS)]
    print(f"cpu bundle: {len(binaries) - len(kept)} unused Qt plugins left out")
    return kept


@functools.cache
def needed(path: str | Path) -> list[str]:
    """The DT_NEEDED entries (library names) of the ELF file ``path``."""
    done = subprocess.run(["objdump", "-p", str(path)], capture_output=True, text=True)
    if done.returncode != 0:
        return []
    return re.findall(r"^\s*NEEDED\s+(\S+)", done.stdout, re.MULTILINE)


def _version(name: str) -> tuple[str, tuple[int, ...]] | None:
    """``libavcodec-c4204469.so.62.28.101`` -> ("libavcodec", (62, 28, 101))."""
    match = re.match(r"(lib[a-z0-9]+)(?:-[0-9a-f]{8})?\.so\.([0-9.]+)$", name)
    if match is None:
        return None
    return match.group(1), tuple(int(x) for x in match.group(2).split(".") if x)


def share_ffmpeg(binaries: list[Entry], workpath: Path) -> list[Entry]:
    """Point cv2's extension module at PyAV's FFmpeg libraries (see the module's docstring)."""
    patchelf = shutil.which("patchelf") or str(Path(sys.executable).parent / "patchelf")
    cv2 = next((b for b in binaries if re.fullmatch(r"cv2/cv2[^/]*\.so", _dest(b))), None)
    pyav = {}
    for b in binaries:
        parsed = _version(Path(_dest(b)).name)
        if _dest(b).startswith("av.libs/") and parsed and parsed[0] in FFMPEG_LIBRARIES:
            pyav[parsed[0]] = (Path(_dest(b)).name, parsed[1])
    if cv2 is None or not pyav or not Path(patchelf).is_file():
        print("cpu bundle: OpenCV keeps its own FFmpeg "
              f"(cv2: {cv2 is not None}, PyAV's FFmpeg: {bool(pyav)}, patchelf: {patchelf})")
        return binaries
    replace = []
    for name in needed(cv2[1]):
        parsed = _version(name)
        if parsed is None or parsed[0] not in FFMPEG_LIBRARIES:
            continue
        library, version = parsed
        theirs = pyav.get(library)
        # Same major and minor (the API level), PyAV's at least as new: ABI-compatible.
        if theirs is None or theirs[1][:2] != version[:2] or theirs[1] < version:
            have = theirs[0] if theirs else "no " + library
            raise SystemExit(f"cpu bundle: cv2 needs {name}; PyAV has {have}: see "
                             "scripts/build_bundle_trim.py")
        replace += ["--replace-needed", name, theirs[0]]
    if not replace:
        return binaries
    patched = workpath / "shared-ffmpeg" / Path(cv2[1]).name
    patched.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(cv2[1], patched)
    subprocess.run([patchelf, *replace, str(patched)], check=True)
    PATCHED_FROM[str(patched)] = str(cv2[1])
    print(f"cpu bundle: cv2 uses PyAV's FFmpeg ({', '.join(replace[2::3])})")
    return [(cv2[0], str(patched), cv2[2]) if b is cv2 else b for b in binaries]


#: Libraries replaced by stubs: file-name prefix -> why VideoLab never runs their code.
STUBBED = {
    "libx265-": "x265, the HEVC encoder: VideoLab encodes H.264 only",
    "libSvtAv1Enc-": "SVT-AV1, the AV1 encoder: VideoLab encodes H.264 only",
    "libopenblasp-": "OpenBLAS, for OpenCV's linear algebra, which VideoLab does not use",
    "libaom-": "libaom, for OpenCV's AVIF images, which VideoLab neither reads nor writes",
}
#: Stubbed functions that answer "not available" (0 / NULL) instead of stopping the program,
#: because they are called when nothing is used: FFmpeg asks x265_api_get() which bit depths
#: exist while it lists its codecs (libx265.c, init_static_data), and NULL is x265's own
#: answer for "none". (Opening the HEVC encoder would then fail in FFmpeg's wrapper, which
#: does not check that answer: VideoLab never opens it.)
ANSWER_NONE = re.compile(r"x265_api_get_\d+")
#: Each stub made -> (the library it replaces, why).
STUBS: dict[str, tuple[str, str]] = {}

_STUB_HEADER = """#include <stdio.h>
#include <stdlib.h>
static void missing(const char *name) {
    fprintf(stderr, "VideoLab: %s of %s was called; this bundle ships a stub instead (%s)\\n",
            name, LIBRARY, WHY);
    abort();
}
"""


def _symbols(path: str, *, defined: bool) -> dict[str, str]:
    """Dynamic symbols of ``path``: name -> nm's type letter."""
    flag = "--defined-only" if defined else "--undefined-only"
    done = subprocess.run(["nm", "-D", flag, path], capture_output=True, text=True)
    out = {}
    for line in done.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 2:
            out[parts[-1].split("@")[0]] = parts[-2]
    return out


def _soname(path: str) -> str | None:
    done = subprocess.run(["readelf", "-d", path], capture_output=True, text=True)
    match = re.search(r"\(SONAME\)\s+Library soname: \[(.+)\]", done.stdout)
    return match.group(1) if match else None


def stub_unused_libraries(binaries: list[Entry], workpath: Path) -> list[Entry]:
    """Replace the STUBBED libraries by stubs (see the module's docstring)."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None or shutil.which("nm") is None:
        print("cpu bundle: no C compiler or nm: the unused libraries stay whole")
        return binaries
    out = list(binaries)
    for i, entry in enumerate(binaries):
        name = Path(_dest(entry)).name
        why = next((w for prefix, w in STUBBED.items() if name.startswith(prefix)), None)
        if why is None or entry[2] == "SYMLINK":
            continue
        soname = _soname(entry[1]) or name
        wanted: set[str] = set()
        for other in binaries:
            if other is not entry and other[2] != "SYMLINK" and soname in needed(other[1]):
                wanted |= set(_symbols(other[1], defined=False))
        offered = _symbols(entry[1], defined=True)
        used = sorted(sym for sym in wanted if sym in offered)
        if any(offered[sym] not in "TtWi" for sym in used):
            print(f"cpu bundle: {name} keeps its code: its users read data from it")
            continue
        stub = workpath / "stubs" / name
        stub.parent.mkdir(parents=True, exist_ok=True)
        source = stub.with_suffix(".c")
        source.write_text(
            f'#define LIBRARY "{name}"\n#define WHY "{why}"\n' + _STUB_HEADER
            + "".join(f"void *{sym}(void) {{ return 0; }}\n" if ANSWER_NONE.fullmatch(sym)
                      else f'void {sym}(void) {{ missing("{sym}"); }}\n' for sym in used)
        )
        subprocess.run([compiler, "-shared", "-fPIC", "-O1", f"-Wl,-soname,{soname}", "-o",
                        str(stub), str(source)], check=True)
        STUBS[str(stub)] = (str(entry[1]), why)
        out[i] = (entry[0], str(stub), entry[2])
        print(f"cpu bundle: {name} ({Path(entry[1]).stat().st_size / 1e6:.1f} MB) is a stub of "
              f"{len(used)} functions: {why}")
    return out


def _is_library_only(dest: str) -> bool:
    """A shared library collected only because something links to it (not a Python module,
    a plugin or anything loaded by name): those in the top folder and the wheels' .libs."""
    name = Path(dest).name
    parent = str(Path(dest).parent).replace("\\", "/")
    if not name.startswith("lib") or name.startswith("libpython"):
        return False
    return parent in (".", "") or parent.endswith(".libs") or parent == "PySide6/Qt/lib"


def _reached(binaries: list[Entry]) -> set[str]:
    """The library names reachable through DT_NEEDED from the entries that are no
    library-only ones (Python modules, plugins, libraries loaded by name)."""
    by_name: dict[str, list[Entry]] = {}
    for b in binaries:
        by_name.setdefault(Path(_dest(b)).name, []).append(b)
    reached: set[str] = set()
    todo = [b[1] for b in binaries if not _is_library_only(_dest(b))]
    while todo:
        for name in needed(todo.pop()):
            if name not in reached:
                reached.add(name)
                todo += [b[1] for b in by_name.get(name, []) if b[2] != "SYMLINK"]
    return reached


def prune_unreferenced(original: list[Entry], binaries: list[Entry],
                       datas: list[Entry]) -> tuple[list[Entry], list[Entry]]:
    """Drop the libraries that something in ``original`` needed and nothing in ``binaries``
    (the trimmed list) needs any more. A library nothing needed to begin with (one a hook or
    a ctypes call brought) stays."""
    orphaned = _reached(original) - _reached(binaries)
    dropped = {Path(_dest(b)).name for b in binaries
               if _is_library_only(_dest(b)) and Path(_dest(b)).name in orphaned}
    size = sum(Path(b[1]).stat().st_size for b in binaries
               if Path(_dest(b)).name in dropped and b[2] != "SYMLINK" and Path(b[1]).is_file())
    print(f"cpu bundle: {len(dropped)} libraries nothing needs any more left out "
          f"({size / 1e6:.0f} MB): {', '.join(sorted(dropped))}")
    keep = [b for b in binaries if Path(_dest(b)).name not in dropped]
    # PyInstaller's links from the top folder into the wheels' .libs folders go with them.
    return keep, [d for d in datas if Path(_dest(d)).name not in dropped]


def _has_debug_info(path: Path) -> bool:
    done = subprocess.run(["readelf", "-S", "--wide", str(path)], capture_output=True, text=True)
    return done.returncode == 0 and ".debug_" in done.stdout


def strip_debug_info(folder: Path) -> None:
    """``strip --strip-debug`` every ELF file under ``folder`` that carries debug sections (the
    executables are not under it: their Python archive is appended to them)."""
    if shutil.which("strip") is None or shutil.which("readelf") is None:
        print("cpu bundle: no strip/readelf (binutils): debugging information stays")
        return
    before = after = 0
    for path in _elf_files(folder.rglob("*")):
        if not _has_debug_info(path):
            continue
        before += path.stat().st_size
        subprocess.run(["strip", "--strip-debug", str(path)], check=True)
        after += path.stat().st_size
    print(f"cpu bundle: debugging information stripped: {before / 1e6:.0f} MB -> "
          f"{after / 1e6:.0f} MB")


def _elf_files(paths: Iterable[Path]) -> Iterable[Path]:
    for path in paths:
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as f:
                if f.read(4) == b"\x7fELF":
                    yield path
