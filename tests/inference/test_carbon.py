"""Every job records a footprint above zero, with how it was obtained, and nothing leaks out."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from videolab.inference.carbon import CarbonMeter, CarbonReport, CarbonSettings

if TYPE_CHECKING:
    from tests.inference.conftest import ShortJob

METHODS = {"rapl", "cpu-load", "tdp-estimate", "fallback-estimate"}


def busy(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_a_job_records_grams_above_zero_with_a_method(short_job: ShortJob) -> None:
    report = short_job.outcome.carbon
    assert report is not None
    assert report.grams > 0 and report.energy_kwh > 0
    assert report.method in METHODS
    assert report.country == "ITA"
    assert short_job.outcome.result_json["carbon"] == report.to_json()


def test_codecarbon_writes_nothing(short_job: ShortJob) -> None:
    folder = short_job.carbon_dir
    written = sorted(p.name for p in folder.rglob("*")) if folder.exists() else []
    assert written == []


def test_grams_keep_milligram_precision() -> None:
    report = CarbonReport(grams=0.0012345, energy_kwh=3e-6, method="rapl", country="ITA")
    assert report.to_json()["grams"] == pytest.approx(0.001234, abs=1e-6)


def test_without_codecarbon_the_estimate_is_used(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "codecarbon", None)  # import fails
    with CarbonMeter(CarbonSettings(country="FRA", output_dir=tmp_path)) as meter:
        busy(0.05)
    report = meter.report
    assert report is not None
    assert (report.method, report.country) == ("fallback-estimate", "FRA")
    assert report.grams > 0 and report.energy_kwh > 0


class _ZeroTracker:
    """A CodeCarbon tracker that measures nothing (a job shorter than its first sample)."""

    def __init__(self, **kwargs: Any) -> None:
        self.final_emissions_data = None

    def start(self) -> None:
        pass

    def stop(self) -> float:
        return 0.0


def test_a_zero_measurement_falls_back_to_the_estimate(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import codecarbon

    monkeypatch.setattr(codecarbon, "OfflineEmissionsTracker", _ZeroTracker)
    with CarbonMeter(CarbonSettings(output_dir=tmp_path)) as meter:
        busy(0.05)
    assert meter.report is not None
    assert meter.report.method == "fallback-estimate" and meter.report.grams > 0
