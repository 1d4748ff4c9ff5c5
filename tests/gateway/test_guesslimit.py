"""The in-process half of the password-guess limiter: check and record in one step."""

from __future__ import annotations

from gateway.guesslimit import Recent, give_back_local, take_local


def test_at_most_the_limit_in_a_minute_then_room_again() -> None:
    recent: Recent = {}
    key = ("203.0.113.7", "ab1234567")
    taken = [take_local(recent, key, 1000.0 + i / 100, limit=5) for i in range(120)]
    assert taken.count(True) == 5 and taken[:5] == [True] * 5
    assert take_local(recent, ("203.0.113.8", "ab1234567"), 1001.0, limit=5)
    assert take_local(recent, key, 1061.0, limit=5)  # the first guesses are a minute old


def test_a_given_back_guess_frees_its_place() -> None:
    recent: Recent = {}
    key = ("198.51.100.1", "cd7654321")
    for i in range(5):
        assert take_local(recent, key, 10.0 + i)
    assert not take_local(recent, key, 20.0)
    give_back_local(recent, key, 12.0)
    assert take_local(recent, key, 21.0)
