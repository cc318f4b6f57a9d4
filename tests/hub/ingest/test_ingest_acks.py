"""AckThrottle: one ack per terminal boot per interval, the latest one."""

from common.clock import FakeClock
from contract.commands import AckCommand
from hub.ingest.acks import AckThrottle
from hub.ingest.watermark_types import OutgoingCommand


def ack(device: str, boot: str, through: int) -> OutgoingCommand:
    return OutgoingCommand(device, "room", AckCommand(boot=boot, through_seq=through))


def marks(commands: list[OutgoingCommand]) -> list[tuple[str, str, int]]:
    return sorted((c.device_id, c.command.boot, c.command.through_seq) for c in commands)


def test_the_first_ack_of_a_stream_goes_at_once_then_the_latest_after_the_interval() -> None:
    clock = FakeClock()
    throttle = AckThrottle(clock, interval_s=0.5)
    assert throttle.is_due(("d1", "b"))
    throttle.offer(ack("d1", "b", 3))
    assert marks(throttle.due()) == [("d1", "b", 3)]
    assert not throttle.is_due(("d1", "b"))
    throttle.offer(ack("d1", "b", 5))
    throttle.offer(ack("d1", "b", 9))
    assert throttle.due() == []
    clock.advance(0.5)
    assert throttle.is_due(("d1", "b"))
    assert marks(throttle.due()) == [("d1", "b", 9)]  # only the newest
    assert throttle.due() == []


def test_streams_are_throttled_independently_and_stop_flushes_everything() -> None:
    clock = FakeClock()
    throttle = AckThrottle(clock, interval_s=0.5)
    throttle.offer(ack("d1", "b", 1))
    throttle.due()
    throttle.offer(ack("d1", "b", 2))
    throttle.offer(ack("d2", "b", 7))
    throttle.offer(ack("d1", "b2", 1))
    assert marks(throttle.due()) == [("d1", "b2", 1), ("d2", "b", 7)]
    assert marks(throttle.due(everything=True)) == [("d1", "b", 2)]
