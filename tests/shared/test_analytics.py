"""Scan classification from request headers, and the idempotent merge of month documents."""

from __future__ import annotations

import pytest

from shared.analytics.classify import classify, country_of, referrer_host
from shared.analytics.months import day_cells, hour_cells, merged
from shared.analytics.tally import Cell, hour_of, month_of_hour

IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1")
PIXEL = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/120.0.0.0 Mobile Safari/537.36")
GALAXY_TAB = ("Mozilla/5.0 (Linux; Android 13; SM-X200) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/120.0.0.0 Safari/537.36")
IPAD = ("Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1")
WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/120.0.0.0 Safari/537.36")
MAC = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
       "(KHTML, like Gecko) Version/17.0 Safari/605.1.15")
FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


@pytest.mark.parametrize(("agent", "device", "os_name", "browser"), [
    (IPHONE, "mobile", "iOS", "Mobile Safari"),
    (PIXEL, "mobile", "Android", "Chrome Mobile"),
    (GALAXY_TAB, "tablet", "Android", "Chrome"),
    (IPAD, "tablet", "iOS", "Mobile Safari"),
    (WINDOWS, "desktop", "Windows", "Chrome"),
    (MAC, "desktop", "Mac OS X", "Safari"),
    (FIREFOX_LINUX, "desktop", "Linux", "Firefox"),
    (GOOGLEBOT, "bot", "unknown", "Googlebot"),
    ("", "unknown", "unknown", "unknown"),
])
def test_user_agents_classify(agent: str, device: str, os_name: str, browser: str) -> None:
    traits = classify(agent, "127.0.0.1", "")
    assert (traits.device, traits.os, traits.browser) == (device, os_name, browser)


@pytest.mark.parametrize(("address", "country"), [
    ("81.2.69.160", "GB"), ("8.8.8.8", "US"), ("2001:4860:4860::8888", "US"),
    ("10.1.2.3", "unknown"), ("192.168.0.9", "unknown"), ("127.0.0.1", "unknown"),
    ("::1", "unknown"), ("not an address", "unknown"), ("", "unknown"),
])
def test_countries_are_offline_and_private_is_unknown(address: str, country: str) -> None:
    assert country_of(address) == country


def test_referrer_is_the_host_only() -> None:
    assert referrer_host("https://WWW.Example.com:8443/path?q=secret") == "www.example.com"
    assert referrer_host("") == "direct"
    assert referrer_host("no scheme here") == "unknown"
    assert len(referrer_host("https://" + "a" * 300 + ".com/")) == 64


def cell(hour: int, count: int, **traits: str) -> Cell:
    base = {"source": "direct", "device": "mobile", "os": "iOS", "browser": "Safari",
            "country": "GB", "referrer": "direct"}
    return Cell(record="r", hour=hour, count=count, **(base | traits))


def test_a_batch_merges_once_and_keys_hold_no_values() -> None:
    hour = hour_of(1_767_225_600_000)  # 2026-01-01T00:00Z
    assert month_of_hour(hour) == "202601"
    first = merged(None, "r", "202601", [cell(hour, 2), cell(hour + 1, 1, source="flyer")],
                   "ab12cd34", 1)
    assert first is not None
    assert merged(first, "r", "202601", [cell(hour, 5)], "ab12cd34", 1) is None  # seen
    second = merged(first, "r", "202601", [cell(hour, 4, referrer="a.example")], "ef56ab78", 1)
    assert second is not None
    assert second["seen"] == {"ab12cd34": 1, "ef56ab78": 1}
    assert hour_cells(second) == [[hour, "direct", 6], [hour + 1, "flyer", 1]]
    day = hour // 24
    assert [day, "referrer", "a.example", 4] in day_cells(second)
    assert [day, "device", "mobile", 7] in day_cells(second)
    # each day's fields are one string: cheap for FerretDB to scan past, no values in keys
    assert all(isinstance(v, str) for k, v in second.items() if k[0] in "hd" and len(k) == 3)


def test_a_month_stored_in_the_older_list_form_is_read_and_rewritten() -> None:
    hour = hour_of(1_767_225_600_000)
    old = {"_id": "r:202601", "code": "r", "month": "202601", "seen": {},
           "hours": [{"t": hour, "v": "direct", "n": 3}],
           "days": [{"t": hour // 24, "k": "device", "v": "mobile", "n": 3}]}
    assert hour_cells(old) == [[hour, "direct", 3]]
    again = merged(old, "r", "202601", [cell(hour, 2)], "ab12cd34", 1)
    assert again is not None and hour_cells(again) == [[hour, "direct", 5]]
    assert [hour // 24, "device", "mobile", 5] in day_cells(again)


def test_triples_of_the_previous_form_are_read_and_new_scans_go_to_day_fields() -> None:
    hour = hour_of(1_767_225_600_000) + 743  # 2026-01-01T00Z plus 743 h: January's last hour
    old = {"_id": "r:202601", "code": "r", "month": "202601", "seen": {},
           "hours": f'[[{hour},"direct",3],[{hour - 743},"flyer",1]]', "days": "[]"}
    assert hour_cells(old) == [[hour - 743, "flyer", 1], [hour, "direct", 3]]
    again = merged(old, "r", "202601", [cell(hour, 2)], "ab12cd34", 1)
    assert again is not None
    assert hour_cells(again) == [[hour - 743, "flyer", 1], [hour, "direct", 5]]
