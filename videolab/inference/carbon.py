"""Energy and CO2 of a job, measured with CodeCarbon's offline tracker.

Offline on purpose: the country's grid intensity comes from CodeCarbon's bundled tables, no
API is called and nothing is written (``save_to_file=False``; its output folder is the app's).
Where CodeCarbon cannot measure (no RAPL, an unknown CPU, an exception), a documented estimate
takes over so that every real job records a footprint above zero, with its method.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

log = logging.getLogger(__name__)

#: Fallback estimate: watts per busy core and the grid's grams of CO2e per kWh. 15 W/core is a
#: laptop/desktop middle; 330 g/kWh is the European average used when a country is unknown.
FALLBACK_WATTS_PER_CORE = 15.0
FALLBACK_GRID_G_PER_KWH = 330.0


@dataclass(frozen=True)
class CarbonSettings:
    country: str = "ITA"
    output_dir: Path | None = None


@dataclass(frozen=True)
class CarbonReport:
    grams: float
    energy_kwh: float
    method: str  # "rapl" (measured), "cpu-load" / "tdp-estimate" (CodeCarbon), "fallback-estimate"
    country: str

    def to_json(self) -> dict[str, Any]:
        return {
            "grams": round(self.grams, 6),
            "energy_kwh": self.energy_kwh,
            "method": self.method,
            "country": self.country,
        }


class CarbonMeter:
    """Context manager around one job: ``with CarbonMeter(settings) as m: ...; m.report``."""

    def __init__(self, settings: CarbonSettings | None) -> None:
        self.settings = settings or CarbonSettings()
        self.report: CarbonReport | None = None
        self._tracker: Any = None
        self._started = 0.0
        self._cpu_started = 0.0

    def __enter__(self) -> CarbonMeter:
        self._started = time.monotonic()
        self._cpu_started = time.process_time()
        try:
            from codecarbon import OfflineEmissionsTracker

            # Its own INFO/WARNING lines (unknown CPU model, ...) are not the user's business.
            logging.getLogger("codecarbon").setLevel(logging.ERROR)

            # CodeCarbon needs an output folder even when it saves nothing (save_to_file=False).
            out = self.settings.output_dir or Path(tempfile.gettempdir())
            out.mkdir(parents=True, exist_ok=True)
            self._tracker = OfflineEmissionsTracker(
                country_iso_code=self.settings.country,
                save_to_file=False,
                log_level="error",
                output_dir=str(out),
                allow_multiple_runs=True,
                tracking_mode="process",
                measure_power_secs=5,
            )
            self._tracker.start()
        except Exception:
            log.warning("CodeCarbon could not start; using the fallback estimate", exc_info=True)
            self._tracker = None
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.report = self._measured() or self._estimated()

    def _measured(self) -> CarbonReport | None:
        if self._tracker is None:
            return None
        try:
            kg = self._tracker.stop()
            data = getattr(self._tracker, "final_emissions_data", None)
            energy = float(getattr(data, "energy_consumed", 0.0) or 0.0)
            modes = {getattr(h, "_mode", None) for h in getattr(self._tracker, "_hardware", [])}
            method = (
                "rapl"
                if "intel_rapl" in modes
                else ("cpu-load" if "cpu_load" in modes else "tdp-estimate")
            )
            grams = float(kg or 0.0) * 1000.0
        except Exception:
            log.warning("CodeCarbon failed to measure; using the fallback estimate", exc_info=True)
            return None
        if grams <= 0 or energy <= 0:
            return None
        return CarbonReport(grams, energy, method, self.settings.country)

    def _estimated(self) -> CarbonReport:
        """CPU seconds of this process × watts per core × the grid's intensity."""
        cpu_seconds = max(
            time.process_time() - self._cpu_started,
            (time.monotonic() - self._started) / max(1, os.cpu_count() or 1),
        )
        energy_kwh = FALLBACK_WATTS_PER_CORE * max(cpu_seconds, 1e-3) / 3_600_000.0
        return CarbonReport(
            energy_kwh * FALLBACK_GRID_G_PER_KWH,
            energy_kwh,
            "fallback-estimate",
            self.settings.country,
        )
