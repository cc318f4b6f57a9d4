"""The LD2450 radar counter: real frame bytes, streams cut anywhere, zones, simulated rooms."""

import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common.clock import FakeClock
from contract.zone import Zone
from edge.counting.base import CounterStats, CountWindow
from edge.counting.ld2450 import (
    FRAME_LEN,
    FrameError,
    FrameReader,
    Ld2450Counter,
    SerialPort,
    Target,
    build_frame,
    decode_signed,
    encode_signed,
    parse_frame,
)
from edge.counting.ld2450_sim import Ld2450Simulator, RadarRoom, SimulatedSerial

# A frame as HLK's manual prints it: one target at x=-782 mm, y=1713 mm, speed -16 cm/s,
# resolution 320 mm; the other two slots empty.
MANUAL_FRAME = bytes.fromhex("AAFF03000E03B18610004001" + "00" * 16 + "55CC")


def test_the_manuals_example_frame() -> None:
    assert parse_frame(MANUAL_FRAME) == [Target(-782, 1713, -16, 320)]


@pytest.mark.parametrize(("raw", "value"), [(0x8000, 0), (0x8001, 1), (0x0001, -1), (0x030E, -782)])
def test_sign_is_the_top_bit_set_for_positive(raw: int, value: int) -> None:
    assert decode_signed(raw) == value
    if value:
        assert encode_signed(value) == raw


def test_build_and_parse_round_trip() -> None:
    targets = [Target(-1500, 2000, 12, 320), Target(0, 600, 0, 320), Target(2400, 5200, -30, 360)]
    frame = build_frame(targets)
    assert len(frame) == FRAME_LEN == 30
    assert parse_frame(frame) == targets


@pytest.mark.parametrize(
    "frame",
    [
        MANUAL_FRAME[:-1],  # cut short
        MANUAL_FRAME[:-2] + b"\x55\xcd",  # bad tail
        b"\xaa\xff\x02\x00" + MANUAL_FRAME[4:],  # a command ack, not a report
        build_frame([Target(0, 600, 0, 320)])[:4]
        + (0x7000 | 0x8000).to_bytes(2, "little")  # x = 28.7 m: no room is that wide
        + build_frame([Target(0, 600, 0, 320)])[6:],
        build_frame([]).replace(bytes(8), (1).to_bytes(2, "little") + bytes(6), 1),  # y = 0
    ],
)
def test_bad_frames_are_refused(frame: bytes) -> None:
    with pytest.raises(FrameError):
        parse_frame(frame)


def frames_for(rng: random.Random, count: int) -> tuple[bytes, list[list[Target]]]:
    stream, expected = b"", []
    for _ in range(count):
        targets = [
            Target(rng.randint(-3000, 3000), rng.randint(300, 6000), rng.randint(-50, 50), 320)
            for _ in range(rng.randint(0, 3))
        ]
        stream += build_frame(targets)
        expected.append(targets)
    return stream, expected


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), cuts=st.lists(st.integers(0, 40 * FRAME_LEN), max_size=30))
def test_a_stream_cut_at_any_points_gives_the_same_frames(seed: int, cuts: list[int]) -> None:
    stream, expected = frames_for(random.Random(seed), 40)
    stats = CounterStats()
    reader = FrameReader(stats)
    got: list[list[Target]] = []
    edges = sorted({0, len(stream), *(c for c in cuts if c < len(stream))})
    for start, end in itertools.pairwise(edges):
        got += reader.feed(stream[start:end])
    assert got == expected
    assert (stats.frames_ok, stats.frames_bad, stats.bytes_skipped) == (40, 0, 0)


def test_garbage_and_cut_frames_are_skipped_and_counted_never_raised() -> None:
    stream, expected = frames_for(random.Random(7), 6)
    frames = [stream[i : i + FRAME_LEN] for i in range(0, len(stream), FRAME_LEN)]
    damaged = (
        b"\x13\x37\xaa"  # joined mid-stream: noise, then a lone header byte
        + frames[0]
        + frames[1][:17]  # cut off by a UART overrun
        + frames[2]
        + frames[3][:-1]
        + b"\x00"  # a garbled tail
        + frames[4]
        + frames[5]
    )
    stats = CounterStats()
    reader = FrameReader(stats)
    got = [t for i in range(0, len(damaged), 5) for t in reader.feed(damaged[i : i + 5])]
    assert got == [expected[0], expected[2], expected[4], expected[5]]
    assert stats.frames_ok == 4 and stats.frames_bad == 2 and stats.bytes_skipped > 0


def test_pure_noise_keeps_memory_bounded() -> None:
    stats = CounterStats()
    reader = FrameReader(stats)
    noise = random.Random(3).randbytes(100_000).replace(b"\xaa\xff", b"\x00\x00")
    assert list(reader.feed(noise)) == []
    assert len(reader._buffer) < FRAME_LEN and stats.frames_ok == 0


ROOM = Zone(x_mm=(-2000, 2000), y_mm=(300, 5000))


@pytest.mark.parametrize(
    ("zone", "inside"),
    [
        (ROOM, [(0, 300), (-2000, 5000), (1999, 2500)]),
        (Zone(polygon_mm=[(-1000, 300), (1000, 300), (2500, 5000), (-2500, 5000)]), [(2000, 4500)]),
    ],
)
def test_zone_contains(zone: Zone, inside: list[tuple[int, int]]) -> None:
    assert all(zone.contains(x, y) for x, y in inside)
    assert not zone.contains(0, 5600)  # behind the glass wall, in the corridor
    assert not zone.contains(-2600, 1000)


class Bytes:
    def __init__(self) -> None:
        self.pending = b""

    def read_available(self) -> bytes:
        data, self.pending = self.pending, b""
        return data

    def close(self) -> None:
        pass


def test_only_targets_in_the_zone_are_counted() -> None:
    clock, source = FakeClock(), Bytes()
    counter = Ld2450Counter("radar", source, clock, zone=ROOM)
    in_room, corridor = Target(-500, 2000, 0, 320), Target(300, 5600, 40, 320)
    source.pending = build_frame([in_room, corridor]) * 5
    reading = counter.read()
    assert reading is not None
    assert (reading.count, reading.confidence, reading.frames) == (1, 1.0, 5)
    assert not reading.at_least and reading.saturates_at == 3


def test_a_silent_radar_is_stale_not_empty() -> None:
    clock, source = FakeClock(), Bytes()
    counter = Ld2450Counter("radar", source, clock, stale_after_s=3.0)
    assert counter.read() is None  # nothing yet: no evidence either way
    source.pending = build_frame([Target(0, 1000, 0, 320)] * 3)
    reading = counter.read()
    assert reading is not None and reading.at_least and reading.band() == 3
    clock.advance(2.9)
    assert counter.read() is not None
    clock.advance(0.2)
    assert counter.read() is None


def test_a_flicker_lowers_confidence_instead_of_changing_the_count() -> None:
    window = CountWindow(window_s=1.0, stale_after_s=3.0)
    for i, count in enumerate([2, 2, 1, 2, 2, 2, 2, 3, 2, 2]):
        window.add(100 + i * 0.1, count)
    assert window.vote(101.0) == (2, 0.8, 10)
    tie = CountWindow(1.0, 3.0)
    for i, count in enumerate([0, 1]):
        tie.add(100 + i * 0.1, count)
    assert tie.vote(100.1) == (1, 0.5, 2)  # a tie keeps the room occupied


def test_the_real_transport_reads_a_pyserial_loopback() -> None:
    pytest.importorskip("serial")
    port = SerialPort("loop://")
    try:
        port._serial.write(MANUAL_FRAME)
        counter = Ld2450Counter("radar", port, FakeClock())
        reading = counter.read()
        assert reading is not None and reading.count == 1
    finally:
        port.close()


def test_an_unopenable_port_says_which() -> None:
    pytest.importorskip("serial")
    with pytest.raises(RuntimeError, match="/dev/ttyNOPE"):
        SerialPort("/dev/ttyNOPE")


@pytest.mark.parametrize("people", range(6))
def test_simulated_rooms_band_right_for_95_percent_of_readings(people: int) -> None:
    """0..5 people, a corridor walker, 3% misses, 1% ghosts and 5% damaged frames."""
    rng, clock = random.Random(1000 + people), FakeClock()
    room = RadarRoom(rng, people, corridor=1)
    source = SimulatedSerial(Ld2450Simulator(room, rng), clock, rng, corrupt_rate=0.05)
    counter = Ld2450Counter("radar", source, clock, zone=ROOM)
    readings = []
    for _ in range(600):  # 5 minutes read twice a second
        clock.advance(0.5)
        readings.append(counter.read())
    right = sum(1 for r in readings if r is not None and r.band() == min(people, 3))
    assert right / len(readings) >= 0.95, f"{people} people: band right {right}/{len(readings)}"
    assert counter.stats.frames_bad > 0 and counter.stats.frames_ok > 2500
