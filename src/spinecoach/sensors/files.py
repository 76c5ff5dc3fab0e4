"""The sensor layer's only file access: read recordings (canonical CSV/Parquet, Xsens DOT CSV)
in blocks, and write recordings, angle files and orientation files.

Canonical files are read in blocks of ``chunk_rows`` rows so that memory does not grow with the
length of the recording. The Xsens DOT export (one sensor per file) is converted on reading:
the preamble is skipped, the start-up row of zeros dropped, ``SampleTimeFine`` (µs, a 32-bit
clock that wraps) unwrapped into seconds from the first sample, and the gyro turned from deg/s
into rad/s. Acc is already m/s².
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from spinecoach.errors import SensorDataError
from spinecoach.sensors.recording import FloatArray, Recording, SensorSamples, sensor_columns

if TYPE_CHECKING:  # pandas reads and writes CSV only; Parquet recordings never import it
    import pandas as pd

__all__ = [
    "FileFormat",
    "RecordingFile",
    "open_recording",
    "parquet_sensor_blocks",
    "read_recording",
    "write_angles",
    "write_orientation",
    "write_recording",
]

FileFormat = Literal["canonical", "xsens-dot"]
CHUNK_ROWS = 131_072
_SENSOR_COLUMN = re.compile(r"^([a-z][a-z0-9]*)_(acc|gyr|mag)_([xyz])$")
_XSENS_WRAP = 2**32


@dataclass
class RecordingFile:
    """An opened recording: its sensors and a block iterator; ``size`` drives progress bars."""

    path: Path
    sensors: tuple[str, ...]
    magnetometer: dict[str, bool]
    size: int
    _blocks: Iterator[tuple[Recording, int]] = field(repr=False)

    def blocks(self) -> Iterator[tuple[Recording, int]]:
        """Blocks in order, each with how much of ``size`` has been read so far."""
        return self._blocks


def _layout(columns: list[str], path: Path) -> tuple[tuple[str, ...], dict[str, bool]]:
    if "t" not in columns:
        raise SensorDataError(f"{path}: missing column t (time in seconds)")
    found: dict[str, dict[str, set[str]]] = {}
    for col in columns:
        if col == "t":
            continue
        m = _SENSOR_COLUMN.match(col)
        if not m:
            raise SensorDataError(
                f"{path}: column '{col}' is not part of the recording format "
                "(t, then {sensor}_{acc|gyr|mag}_{x|y|z})"
            )
        found.setdefault(m[1], {}).setdefault(m[2], set()).add(m[3])
    if not found:
        raise SensorDataError(
            f"{path}: no sensor columns (expected e.g. lumbar_acc_x ... lumbar_gyr_z)"
        )
    for name, quantities in found.items():
        for quantity in ("acc", "gyr"):
            for col in sensor_columns(name, quantity):
                if col.rsplit("_", 1)[1] not in quantities.get(quantity, set()):
                    raise SensorDataError(f"{path}: missing column {col}")
        if "mag" in quantities and len(quantities["mag"]) != 3:
            missing = next(
                c
                for c in sensor_columns(name, "mag")
                if c.rsplit("_", 1)[1] not in quantities["mag"]
            )
            raise SensorDataError(
                f"{path}: missing column {missing} (magnetometer needs x, y and z)"
            )
    return tuple(found), {name: "mag" in q for name, q in found.items()}


def _to_recording(
    cols: dict[str, FloatArray], sensors: tuple[str, ...], mags: dict[str, bool], first_row: int
) -> Recording:
    def stack(name: str, quantity: str) -> FloatArray:
        return np.column_stack([cols[c] for c in sensor_columns(name, quantity)])

    samples = {
        name: SensorSamples(
            stack(name, "acc"), stack(name, "gyr"), stack(name, "mag") if mags[name] else None
        )
        for name in sensors
    }
    return Recording(np.asarray(cols["t"], dtype=np.float64), samples, first_row)


def _column(frame: pd.DataFrame, name: str, first_row: int) -> FloatArray:
    series = frame[name]
    if series.dtype.kind in "fiu":
        return series.to_numpy(dtype=np.float64)
    import pandas as pd

    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64)
    bad = np.flatnonzero(np.isnan(values) & series.notna().to_numpy())
    if bad.size:
        raise SensorDataError(
            f"row {first_row + bad[0]} column {name}: '{series.iloc[bad[0]]}' is not a number"
        )
    return values


def _csv_blocks_pandas(
    path: Path, sensors: tuple[str, ...], mags: dict[str, bool], chunk_rows: int, row: int = 1
) -> Iterator[tuple[Recording, int]]:
    """pandas' reader, from data row ``row`` on: for any file the fast reader does not take."""
    import pandas as pd

    skip = range(1, row)  # data rows before ``row`` (line 0 is the header)
    with path.open("rb") as fh:
        for frame in pd.read_csv(fh, chunksize=chunk_rows, encoding="utf-8-sig", skiprows=skip):
            if frame.empty:
                continue
            frame.columns = [str(c).strip() for c in frame.columns]
            cols = {c: _column(frame, c, row) for c in frame.columns}
            yield _to_recording(cols, sensors, mags, row), fh.tell()
            row += len(frame)


def _csv_blocks(
    path: Path, names: list[str], layout: tuple[tuple[str, ...], dict[str, bool]], chunk_rows: int
) -> Iterator[tuple[Recording, int]]:
    """Arrow's streaming CSV reader (no pandas to import), every column parsed as float64.

    A value it cannot parse as a number (or a ragged row) hands over to pandas' reader from the
    first row not yet yielded, which reads the file as before and names the row and column.
    """
    import pyarrow.csv as pa_csv

    sensors, mags = layout
    convert = pa_csv.ConvertOptions(column_types=dict.fromkeys(names, pa.float64()))
    row = 1  # data row number of the next sample to yield
    buffered: list[dict[str, FloatArray]] = []
    rows = 0
    with path.open("rb") as fh:
        try:
            reader = pa_csv.open_csv(
                fh, read_options=pa_csv.ReadOptions(use_threads=False), convert_options=convert
            )
            for batch in reader:
                buffered.append({n.strip(): _floats(batch.column(i)) for i, n in enumerate(names)})
                rows += batch.num_rows
                while rows >= chunk_rows:
                    cols, buffered, rows = _cut(buffered, chunk_rows, rows)
                    yield _to_recording(cols, sensors, mags, row), fh.tell()
                    row += chunk_rows
        except pa.ArrowInvalid:
            yield from _csv_blocks_pandas(path, sensors, mags, chunk_rows, row)
            return
        if rows:
            cols, buffered, rows = _cut(buffered, rows, rows)
            yield _to_recording(cols, sensors, mags, row), fh.tell()


def _cut(
    parts: list[dict[str, FloatArray]], n: int, total: int
) -> tuple[dict[str, FloatArray], list[dict[str, FloatArray]], int]:
    """The first ``n`` rows of the buffered column parts, and the rest."""
    joined = {
        c: np.concatenate([p[c] for p in parts]) if len(parts) > 1 else parts[0][c]
        for c in parts[0]
    }
    head = {c: v[:n] for c, v in joined.items()}
    rest = [{c: v[n:] for c, v in joined.items()}] if total > n else []
    return head, rest, total - n


def _csv_header(path: Path) -> list[str] | None:
    """The header's column names as written, when the fast reader can take the file: the first
    line, names unique after stripping spaces and none empty; otherwise None."""
    import csv

    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            first = next(csv.reader(fh), None)
    except (UnicodeDecodeError, csv.Error):
        return None
    if not first:
        return None
    stripped = [n.strip() for n in first]
    if "" in stripped or len(set(stripped)) != len(stripped):
        return None
    return first


def _parquet_blocks(
    pf: pq.ParquetFile, sensors: tuple[str, ...], mags: dict[str, bool], chunk_rows: int
) -> Iterator[tuple[Recording, int]]:
    row = 1
    # one row group at a time, unthreaded: a reader over the whole file keeps decoded groups
    for group in range(pf.metadata.num_row_groups):
        for batch in pf.iter_batches(batch_size=chunk_rows, row_groups=[group], use_threads=False):
            cols = {name: _floats(batch.column(i)) for i, name in enumerate(batch.schema.names)}
            yield _to_recording(cols, sensors, mags, row), row - 1 + batch.num_rows
            row += batch.num_rows


def parquet_sensor_blocks(
    path: Path, name: str, with_mag: bool, chunk_rows: int = CHUNK_ROWS
) -> Iterator[tuple[FloatArray, FloatArray, FloatArray | None]]:
    """One sensor's (gyr, acc, mag or None) of a canonical Parquet file, block by block, in
    order: the very values :func:`open_recording` gives for that sensor, reading only its
    columns (the orientation workers read their sensor this way). ``mag`` only when
    ``with_mag`` and the file has it."""
    pf = pq.ParquetFile(path, pre_buffer=False)
    names = set(pf.schema_arrow.names)
    quantities = ["gyr", "acc"]
    if with_mag and set(sensor_columns(name, "mag")) <= names:
        quantities.append("mag")
    columns = [c for q in quantities for c in sensor_columns(name, q)]
    for group in range(pf.metadata.num_row_groups):
        for batch in pf.iter_batches(
            batch_size=chunk_rows, row_groups=[group], columns=columns, use_threads=False
        ):
            cols = [_floats(batch.column(i)) for i in range(len(columns))]
            gyr, acc = np.column_stack(cols[0:3]), np.column_stack(cols[3:6])
            yield gyr, acc, np.column_stack(cols[6:9]) if len(cols) == 9 else None


def _floats(column: pa.Array) -> FloatArray:
    """A Parquet column as float64: a view of Arrow's buffer when it is float64 without nulls.

    Stacking into (N, 3) arrays is then the one copy a sample takes on its way to the filters.
    Other columns (nulls, integers, float32) are converted, nulls becoming NaN.
    """
    if column.type == pa.float64() and column.null_count == 0:
        data = column.buffers()[1]
        return np.frombuffer(data, dtype=np.float64, count=len(column), offset=8 * column.offset)
    return np.asarray(column.to_numpy(zero_copy_only=False), dtype=np.float64)


def open_recording(
    path: str | Path,
    file_format: FileFormat = "canonical",
    chunk_rows: int = CHUNK_ROWS,
    sensor_name: str = "lumbar",
) -> RecordingFile:
    """Open a recording for block-wise reading; checks the columns before any data is read.

    ``file_format``: ``canonical`` (CSV or Parquet, by suffix) or ``xsens-dot`` (one sensor,
    named ``sensor_name``).
    """
    p = Path(path)
    if not p.is_file():
        raise SensorDataError(f"{p}: file not found")
    if file_format == "xsens-dot":
        rec = read_xsens_dot(p, sensor_name)
        mags = {sensor_name: False}
        return RecordingFile(p, (sensor_name,), mags, len(rec), iter([(rec, len(rec))]))
    if p.suffix.lower() == ".parquet":
        try:
            pf = pq.ParquetFile(p, pre_buffer=False)
        except (pa.ArrowInvalid, OSError) as exc:
            raise SensorDataError(f"{p}: not a readable Parquet file ({exc})") from None
        sensors, mags = _layout(list(pf.schema_arrow.names), p)
        blocks = _parquet_blocks(pf, sensors, mags, chunk_rows)
        return RecordingFile(p, sensors, mags, pf.metadata.num_rows, blocks)
    header = _csv_header(p)
    if header is None:  # unusual files: pandas reads and judges them, as it always did
        import pandas as pd

        try:
            header = pd.read_csv(p, nrows=0, encoding="utf-8-sig").columns.tolist()
        except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise SensorDataError(f"{p}: not a readable CSV file ({type(exc).__name__})") from None
        sensors, mags = _layout([str(c).strip() for c in header], p)
        blocks = _csv_blocks_pandas(p, sensors, mags, chunk_rows)
    else:
        sensors, mags = _layout([c.strip() for c in header], p)
        blocks = _csv_blocks(p, header, (sensors, mags), chunk_rows)
    return RecordingFile(p, sensors, mags, p.stat().st_size, blocks)


def read_recording(
    path: str | Path, file_format: FileFormat = "canonical", sensor_name: str = "lumbar"
) -> Recording:
    """The whole recording in memory (for orientation of one file and for tests)."""
    source = open_recording(path, file_format, sensor_name=sensor_name)
    blocks = [b for b, _ in source.blocks() if len(b)]
    if not blocks:
        raise SensorDataError(f"{path}: the recording has no rows")
    if len(blocks) == 1:
        return blocks[0]
    names = blocks[0].sensors.keys()
    sensors = {
        n: SensorSamples(
            np.concatenate([b.sensors[n].acc for b in blocks]),
            np.concatenate([b.sensors[n].gyr for b in blocks]),
            None
            if blocks[0].sensors[n].mag is None
            else np.concatenate([_mag(b, n) for b in blocks]),
        )
        for n in names
    }
    return Recording(np.concatenate([b.t for b in blocks]), sensors)


def _mag(rec: Recording, name: str) -> FloatArray:
    mag = rec.sensors[name].mag
    if mag is None:
        raise SensorDataError(f"sensor {name}: magnetometer columns missing in part of the file")
    return mag


def read_xsens_dot(path: Path, sensor_name: str = "lumbar") -> Recording:
    """Convert an Xsens DOT app CSV export (one sensor) into a canonical recording."""
    import pandas as pd

    lines = path.read_text(encoding="utf-8-sig", errors="replace").splitlines()
    header_at = next((i for i, line in enumerate(lines) if line.startswith("PacketCounter")), None)
    if header_at is None:
        raise SensorDataError(
            f"{path}: no 'PacketCounter,SampleTimeFine,...' header; not an Xsens DOT export"
        )
    frame = pd.read_csv(path, skiprows=header_at, encoding="utf-8-sig")
    need = ["SampleTimeFine", *(f"Acc_{a}" for a in "XYZ"), *(f"Gyr_{a}" for a in "XYZ")]
    for col in need:
        if col not in frame.columns:
            raise SensorDataError(f"{path}: missing column {col} in the Xsens DOT export")
    data = frame[need].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64)
    line_of_row = header_at + 2  # file line (1-based) of data row 0
    _check_xsens_rows(path, data, need, line_of_row, lines)
    first = 0
    while first < len(data) and not np.any(data[first, 1:]):
        first += 1  # start-up rows of zeros are not data
    data = data[first:]
    if len(data) < 2:
        raise SensorDataError(f"{path}: fewer than 2 data rows after the start-up rows")
    steps = np.diff(data[:, 0])
    steps = np.where(steps < -_XSENS_WRAP / 2, steps + _XSENS_WRAP, steps)
    _check_xsens_clock(path, steps, line_of_row + first)
    t = np.concatenate([[0.0], np.cumsum(steps)]) * 1e-6
    samples = SensorSamples(data[:, 1:4].copy(), np.radians(data[:, 4:7]))
    return Recording(t, {sensor_name: samples}, first_row=first + 1)


def _check_xsens_rows(
    path: Path, data: FloatArray, names: list[str], first_line: int, lines: list[str]
) -> None:
    """Every cell a number; a cut-short last line named as such (line numbers of the file)."""
    bad = np.argwhere(~np.isfinite(data))
    if not bad.size:
        return
    row, col = (int(v) for v in bad[0])
    line = first_line + row
    last = len(lines) - next(i for i, text in enumerate(reversed(lines)) if text.strip())
    header = lines[first_line - 2]
    if line == last and lines[line - 1].count(",") < header.count(","):
        raise SensorDataError(
            f"{path} line {line}: the last line is cut short (an interrupted export?); "
            "delete it or export again"
        )
    raise SensorDataError(f"{path} line {line} column {names[col]}: empty or not a number")


def _check_xsens_clock(path: Path, steps: FloatArray, first_line: int) -> None:
    """SampleTimeFine must increase: a repeated stamp is a duplicated row, a fall a reversal."""
    bad = np.flatnonzero(steps <= 0)
    if not bad.size:
        return
    line = first_line + int(bad[0]) + 1
    if steps[bad[0]] == 0:
        raise SensorDataError(
            f"{path} line {line}: SampleTimeFine repeats line {line - 1} (a duplicated row)"
        )
    raise SensorDataError(
        f"{path} line {line}: SampleTimeFine goes back from line {line - 1} (rows out of order)"
    )


def write_recording(rec: Recording, path: str | Path) -> None:
    """Write a canonical recording: Parquet for ``.parquet``, CSV otherwise."""
    p = Path(path)
    if p.suffix.lower() == ".parquet":
        # no dictionary: sensor floats hardly repeat, so dictionary pages only cost space and
        # decoding time; snappy is quick to read
        table = pa.table(rec.columns())
        pq.write_table(table, p, row_group_size=CHUNK_ROWS, use_dictionary=False)
    else:
        import pandas as pd

        pd.DataFrame(rec.columns()).to_csv(p, index=False, float_format="%.9g")


def write_angles(t: FloatArray, angles_deg: FloatArray, path: str | Path) -> None:
    """Angle file: CSV ``t,flexion_deg,lateral_deg,rotation_deg`` (DESIGN.md section 3)."""
    import pandas as pd

    frame = pd.DataFrame(
        {
            "t": t,
            "flexion_deg": angles_deg[:, 0],
            "lateral_deg": angles_deg[:, 1],
            "rotation_deg": angles_deg[:, 2],
        }
    )
    frame.to_csv(Path(path), index=False, float_format="%.4f")


def write_orientation(t: FloatArray, q: FloatArray, path: str | Path) -> None:
    """Orientation file: CSV ``t,w,x,y,z``, sensor-to-earth unit quaternions, earth z up."""
    import pandas as pd

    frame = pd.DataFrame({"t": t, "w": q[:, 0], "x": q[:, 1], "y": q[:, 2], "z": q[:, 3]})
    frame.to_csv(Path(path), index=False, float_format="%.8f")
