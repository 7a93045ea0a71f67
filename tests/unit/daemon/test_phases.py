"""The phase table: allowed changes pass, every other one is a bug that fails loudly."""

from __future__ import annotations

import pytest

from assistant.daemon.phases import TRANSITIONS, Phase, PhaseError, PhaseMachine


def test_every_allowed_change_reaches_the_listeners_in_order():
    machine, seen = PhaseMachine(), []
    machine.subscribe(lambda phase, data: seen.append(("first", phase, data)))
    machine.subscribe(lambda phase, data: seen.append(("second", phase, data)))
    machine.enter(Phase.IDLE)
    machine.enter(Phase.LISTENING, followup=False)
    assert seen == [("first", Phase.IDLE, {}), ("second", Phase.IDLE, {}),
                    ("first", Phase.LISTENING, {"followup": False}), ("second", Phase.LISTENING, {"followup": False})]
    assert machine.is_(Phase.LISTENING) and machine.history == [Phase.IDLE, Phase.LISTENING]


@pytest.mark.parametrize("start, target", [
    (None, Phase.LISTENING), (Phase.IDLE, Phase.THINKING), (Phase.SPEAKING, Phase.THINKING),
    (Phase.THINKING, Phase.THINKING), (Phase.SPEAKING, Phase.SPEAKING)])
def test_a_change_the_table_does_not_allow_is_refused(start, target):
    machine = PhaseMachine()
    if start is not None:
        machine.phase = start
    with pytest.raises(PhaseError):
        machine.enter(target)
    assert machine.phase is start


def test_the_table_covers_every_phase():
    assert set(TRANSITIONS) == {None, *Phase}
    assert all(targets <= set(Phase) for targets in TRANSITIONS.values())
