"""What build.spec trims from the cpu bundle (scripts/build_bundle_trim.py), on small libraries
built here: a stub keeps exactly what its users import and stops the program if called; a
library read as data keeps its code; pruning drops only what a trim left unneeded."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import build_bundle_trim as trim

pytestmark = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("cc", "nm", "readelf", "objdump")),
    reason="needs a C compiler and binutils",
)


def _library(folder: Path, name: str, source: str, *links: Path) -> Path:
    path = folder / name
    (folder / f"{name}.c").write_text(source)
    subprocess.run(
        ["cc", "-shared", "-fPIC", f"-Wl,-soname,{name}", "-o", str(path),
         str(folder / f"{name}.c"), *[str(p) for p in links]],
        check=True,
    )
    return path


@pytest.fixture
def libs(tmp_path: Path) -> dict[str, Path]:
    real = _library(tmp_path, "libreal-1234abcd.so.1",
                    "int real_add(int a, int b) { return a + b; }\n"
                    "int real_unused(void) { return 7; }\n"
                    "int real_table[4] = {1, 2, 3, 4};\n")
    user = _library(tmp_path, "libuser.so", "int real_add(int, int);\n"
                    "int user_sum(void) { return real_add(2, 3); }\n", real)
    reader = _library(tmp_path, "libreader.so", "extern int real_table[4];\n"
                      "int reader_first(void) { return real_table[0]; }\n", real)
    return {"real": real, "user": user, "reader": reader}


def test_a_stub_offers_what_its_users_import_and_aborts_when_called(
    libs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(trim, "STUBBED", {"libreal-": "never run by the test"})
    monkeypatch.setattr(trim, "STUBS", {})
    entries = [("libreal-1234abcd.so.1", str(libs["real"]), "BINARY"),
               ("mod/libuser.so", str(libs["user"]), "BINARY")]
    out = trim.stub_unused_libraries(entries, tmp_path / "work")
    stub = Path(out[0][1])
    assert stub != libs["real"] and out[1] == entries[1]
    assert trim.STUBS == {str(stub): (str(libs["real"]), "never run by the test")}
    exported = trim._symbols(str(stub), defined=True)
    assert "real_add" in exported and "real_unused" not in exported
    assert trim._soname(str(stub)) == "libreal-1234abcd.so.1"
    # The user loads against the stub, and calling into it stops the program with a message.
    call = ("import ctypes, sys; ctypes.CDLL(sys.argv[1], ctypes.RTLD_GLOBAL); "
            "print(ctypes.CDLL(sys.argv[2]).user_sum())")
    done = subprocess.run([sys.executable, "-c", call, str(stub), str(libs["user"])],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "real_add of libreal-1234abcd.so.1 was called" in done.stderr
    done = subprocess.run([sys.executable, "-c", call, str(libs["real"]), str(libs["user"])],
                          capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "5"


def test_a_library_whose_data_is_read_keeps_its_code(
    libs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(trim, "STUBBED", {"libreal-": "never run by the test"})
    monkeypatch.setattr(trim, "STUBS", {})
    entries = [("libreal-1234abcd.so.1", str(libs["real"]), "BINARY"),
               ("mod/libreader.so", str(libs["reader"]), "BINARY")]
    assert trim.stub_unused_libraries(entries, tmp_path / "work") == entries
    assert trim.STUBS == {}


def test_pruning_drops_only_what_a_trim_left_unneeded(libs: dict[str, Path]) -> None:
    plugin = ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", str(libs["user"]), "BINARY")
    real = ("libreal-1234abcd.so.1", str(libs["real"]), "BINARY")
    loaded_by_name = ("libloadedbyname.so.1", str(libs["reader"]), "BINARY")  # no one links it
    link = ("libreal-1234abcd.so.1", "somewhere.libs/libreal-1234abcd.so.1", "SYMLINK")
    original = [plugin, real, loaded_by_name]
    binaries, datas = trim.prune_unreferenced(original, [real, loaded_by_name], [link])
    assert binaries == [loaded_by_name] and datas == []
    # While the plugin stays, so does what it links to.
    assert trim.prune_unreferenced(original, original, [link]) == (original, [link])


def test_ffmpeg_library_names_are_read_with_their_versions() -> None:
    assert trim._version("libavcodec-c4204469.so.62.28.101") == ("libavcodec", (62, 28, 101))
    assert trim._version("libswscale-88e9f973.so.9.5.102") == ("libswscale", (9, 5, 102))
    assert trim._version("libfoo.so") is None


def test_x265s_api_query_answers_none_instead_of_stopping(tmp_path: Path) -> None:
    # FFmpeg calls it while listing its codecs, HEVC encoding or not.
    x265 = _library(tmp_path, "libx265-abcdef12.so.216",
                    "static int api = 1;\n"
                    "const void *x265_api_get_216(int depth) { return depth ? &api : 0; }\n")
    ffmpeg = _library(tmp_path, "libffmpeg.so", "const void *x265_api_get_216(int);\n"
                      "int has_x265(void) { return x265_api_get_216(8) != 0; }\n", x265)
    entries = [("av.libs/libx265-abcdef12.so.216", str(x265), "BINARY"),
               ("av.libs/libffmpeg.so", str(ffmpeg), "BINARY")]
    stub = trim.stub_unused_libraries(entries, tmp_path / "work")[0][1]
    trim.STUBS.pop(stub)
    call = ("import ctypes, sys; ctypes.CDLL(sys.argv[1], ctypes.RTLD_GLOBAL); "
            "print(ctypes.CDLL(sys.argv[2]).has_x265())")
    for library, answer in ((x265, "1"), (Path(stub), "0")):
        done = subprocess.run([sys.executable, "-c", call, str(library), str(ffmpeg)],
                              capture_output=True, text=True, timeout=60)
        assert done.stdout.strip() == answer, done.stderr


# OpenCV calls that reach BLAS/LAPACK (OpenBLAS is a stub in the cpu bundle), and names of
# the stubbed encoders (decoding HEVC or AV1 is FFmpeg's own and dav1d's). A match means the
# library must come out of trim.STUBBED first.
_STUBBED_USES = re.compile(
    r"cv2\.(solve|invert|SVD|SVDecomp|SVBackSubst|eigen|eigenNonSymmetric|gemm|PCA\w*|"
    r"findHomography|findFundamentalMat|findEssentialMat|estimateAffine\w*|solvePnP\w*|"
    r"calibrateCamera\w*|kmeans|Mahalanobis|mulTransposed|fitEllipse\w*|getAffineTransform)\b"
    r"|\.avif\b|\b(libx265|libsvtav1|libaom-av1)\b",
    re.IGNORECASE,
)


def test_videolab_uses_nothing_the_cpu_bundle_stubs() -> None:
    root = Path(__file__).resolve().parents[2] / "videolab"
    found = [
        f"{path.relative_to(root)}:{n}: {line.strip()}"
        for path in root.rglob("*.py")
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if _STUBBED_USES.search(line) and not line.lstrip().startswith("#")
    ]
    assert found == []
