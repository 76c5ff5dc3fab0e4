"""Reading and writing recordings: canonical CSV/Parquet in blocks, the Xsens DOT export."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from spinecoach.errors import SensorDataError
from spinecoach.sensors.files import open_recording, read_recording, read_xsens_dot, write_recording
from spinecoach.simulate.recording import SyntheticRecording


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_round_trip_in_blocks(
    tmp_path: Path, forward_bends: SyntheticRecording, suffix: str
) -> None:
    rec = forward_bends.recording
    path = tmp_path / f"r{suffix}"
    write_recording(rec, path)
    source = open_recording(path, chunk_rows=1000)
    blocks = [b for b, _ in source.blocks()]
    assert [b.first_row for b in blocks] == list(range(1, len(rec) + 1, 1000))
    back = read_recording(path)
    np.testing.assert_allclose(back.t, rec.t)
    for name in ("lumbar", "sacrum"):
        np.testing.assert_allclose(back.sensors[name].gyr, rec.sensors[name].gyr, rtol=1e-8)


def _xsens(tmp_path: Path, times: list[int]) -> Path:
    rows = [
        "sep=,",
        "DeviceTag:,x",
        "StartTime: ,2021",
        "© Xsens",
        "",
        "PacketCounter,SampleTimeFine,Euler_X,Euler_Y,Euler_Z,Acc_X,Acc_Y,Acc_Z,Gyr_X,Gyr_Y,Gyr_Z",
    ]
    rows.append(f"0,{times[0]},0,0,0,0,0,0,0,0,0")
    for i, t in enumerate(times[1:], 1):
        rows.append(f"{i},{t},0,0,0,9.81,0,0,57.29577951,0,-180")
    path = tmp_path / "dot.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_xsens_clock_wrap_units_and_startup_row(tmp_path: Path) -> None:
    wrap = 2**32
    times = [wrap - 20_000, wrap - 16_667, wrap - 8_334, 0 - 1, 8_332]
    rec = read_xsens_dot(_xsens(tmp_path, times))
    assert len(rec) == 4  # the row of zeros is dropped
    np.testing.assert_allclose(np.diff(rec.t), [8.333e-3, 8.333e-3, 8.333e-3], atol=1e-6)
    np.testing.assert_allclose(rec.sensors["lumbar"].gyr[0], [1.0, 0.0, -np.pi], rtol=1e-8)
    assert rec.first_row == 2


def test_not_an_xsens_export(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(SensorDataError, match="not an Xsens DOT export"):
        read_xsens_dot(path)


def test_real_xsens_exports(shared_data: Path) -> None:
    folder = shared_data / "xsens-dot"
    if not folder.is_dir():
        pytest.skip("no Xsens DOT exports")
    still = read_xsens_dot(next(folder.glob("bei_*.csv")))
    moving = read_xsens_dot(next(folder.glob("yao_*.csv")))
    for rec, seconds in ((still, 16.0), (moving, 49.0)):
        assert rec.t[0] == 0.0
        assert np.all(np.diff(rec.t) > 0)
        assert rec.t[-1] == pytest.approx(seconds, abs=1.0)
        assert np.median(np.linalg.norm(rec.sensors["lumbar"].acc, axis=1)) == pytest.approx(
            9.8, abs=0.3
        )
    peak = np.degrees(np.abs(moving.sensors["lumbar"].gyr).max())
    assert 300 < peak < 600  # about 420 deg/s, now in rad/s
    assert np.degrees(np.abs(still.sensors["lumbar"].gyr).max()) < 10


def test_csv_with_a_byte_order_mark(tmp_path: Path, forward_bends: SyntheticRecording) -> None:
    plain = tmp_path / "plain.csv"
    write_recording(forward_bends.recording, plain)
    marked = tmp_path / "marked.csv"
    marked.write_bytes(b"\xef\xbb\xbf" + plain.read_bytes())  # as spreadsheet programs save
    np.testing.assert_array_equal(read_recording(marked).t, read_recording(plain).t)


def test_header_only_and_empty_files(tmp_path: Path) -> None:
    header = tmp_path / "header.csv"
    header.write_text(
        "t,lumbar_acc_x,lumbar_acc_y,lumbar_acc_z,lumbar_gyr_x,lumbar_gyr_y,lumbar_gyr_z\n"
    )
    with pytest.raises(SensorDataError, match="has no rows"):
        read_recording(header)
    from spinecoach.sensors.monitor import analyze

    with pytest.raises(SensorDataError, match=r"recording too short: 0.0 s"):
        analyze(b for b, _ in open_recording(header).blocks())
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(SensorDataError, match="not a readable CSV file"):
        open_recording(empty)
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 not really")
    with pytest.raises(SensorDataError, match="not a readable Parquet file"):
        open_recording(broken)


def test_merge_one_sensor_exports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from spinecoach.cli import main
    from spinecoach.sensors.recording import Recording, SensorSamples, merge_sensors

    def part(n: int, rate: float) -> Recording:
        samples = SensorSamples(np.tile([9.81, 0.0, 0.0], (n, 1)), np.zeros((n, 3)))
        return Recording(np.arange(n) / rate, {"x": samples})

    merged = merge_sensors({"lumbar": part(120, 60.0), "sacrum": part(100, 60.2)})
    assert list(merged.sensors) == ["lumbar", "sacrum"]
    assert len(merged) == 100
    with pytest.raises(
        SensorDataError, match=r"sensor sacrum samples at 50\.00 Hz but lumbar at 60\.00"
    ):
        merge_sensors({"lumbar": part(100, 60.0), "sacrum": part(100, 50.0)})
    dot = _xsens(tmp_path, [1000 + 8333 * i for i in range(6)])
    out = tmp_path / "both.parquet"
    args = ["sensors", "convert", "--lumbar", str(dot), "--sacrum", str(dot), "--out", str(out)]
    assert main(args) == 0
    assert '"samples": 5' in capsys.readouterr().out
    back = read_recording(out)
    assert set(back.sensors) == {"lumbar", "sacrum"}
    np.testing.assert_allclose(back.sensors["sacrum"].gyr[0], [1.0, 0.0, -np.pi])


def test_xsens_non_numbers_are_named_by_the_line_of_the_export(tmp_path: Path) -> None:
    path = _xsens(tmp_path, [1000 + 8333 * i for i in range(6)])
    text = path.read_text(encoding="utf-8").replace("3,25999,0,0,0,9.81", "3,25999,0,0,0,oops")
    path.write_text(text, encoding="utf-8")
    # the header is line 6 of the file, so packet 3 is line 10
    with pytest.raises(SensorDataError, match=r"dot\.csv line 10 column Acc_X: empty or not a"):
        read_xsens_dot(path)


def test_csv_is_read_as_pandas_reads_it(tmp_path: Path, forward_bends: SyntheticRecording) -> None:
    """The streaming Arrow reader gives the values and blocks that pandas' reader gave."""
    from spinecoach.sensors.files import _csv_blocks_pandas

    path = tmp_path / "r.csv"
    write_recording(forward_bends.recording, path)
    source = open_recording(path, chunk_rows=700)
    fast = [b for b, _ in source.blocks()]
    slow = [b for b, _ in _csv_blocks_pandas(path, source.sensors, source.magnetometer, 700)]
    assert [b.first_row for b in fast] == [b.first_row for b in slow]
    for a, b in zip(fast, slow, strict=True):
        np.testing.assert_array_max_ulp(a.t, b.t, maxulp=1)
        for name in a.sensors:
            np.testing.assert_array_max_ulp(a.sensors[name].gyr, b.sensors[name].gyr, maxulp=1)
            np.testing.assert_array_max_ulp(a.sensors[name].acc, b.sensors[name].acc, maxulp=1)


def test_a_bad_value_late_in_a_csv_is_named_by_row_and_column(
    tmp_path: Path, forward_bends: SyntheticRecording
) -> None:
    path = tmp_path / "r.csv"
    write_recording(forward_bends.recording, path)
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    column = header.index("sacrum_gyr_y")
    cells = lines[2500].split(",")  # data row 2500
    cells[column] = "abc"
    lines[2500] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    blocks = open_recording(path, chunk_rows=1000).blocks()
    first, _ = next(blocks)
    assert len(first) == 1000
    with pytest.raises(
        SensorDataError, match=r"row 2500 column sacrum_gyr_y: 'abc' is not a number"
    ):
        list(blocks)


@pytest.mark.parametrize(
    ("times", "cut", "match"),
    [
        ([1000, 9333, 17666, 17666, 26000], False, r"line 10: SampleTimeFine repeats line 9"),
        ([1000, 9333, 17666, 9333, 26000], False, r"line 10: SampleTimeFine goes back from line 9"),
        ([1000, 9333, 17666, 26000, 34333], True, r"line 11: the last line is cut short"),
    ],
)
def test_xsens_duplicated_reversed_and_truncated_rows_are_named(
    tmp_path: Path, times: list[int], cut: bool, match: str
) -> None:
    path = _xsens(tmp_path, times)
    if cut:
        path.write_text(path.read_text(encoding="utf-8")[:-12], encoding="utf-8")
    with pytest.raises(SensorDataError, match=match):
        read_xsens_dot(path)
