"""Time-outs on the harness clocks: compressed with the clock, never shorter than real work needs."""

from __future__ import annotations

from hecharness.clock import RealClock, VirtualClock


def test_a_time_out_on_a_scaled_clock_is_compressed_with_it():
    assert RealClock(scale=60).wall_timeout(30) == 0.5
    assert RealClock().wall_timeout(30) == 30


def test_a_time_out_on_a_virtual_clock_runs_in_real_time():
    # Nothing moves a virtual clock while a request is in flight: the waits are instant, but real
    # work still takes real time and gets the whole time-out for it.
    clock = VirtualClock()
    assert clock.to_wall(30) == 0 and clock.wall_timeout(30) == 30
