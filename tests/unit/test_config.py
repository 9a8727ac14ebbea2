"""Config: the example file is valid; a bad file names the file, the key and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from station.config import ConfigError, load_settings
from tests.conftest import EXAMPLE_CONFIG


def test_example_config_is_valid_and_has_the_four_categories() -> None:
    s = load_settings(EXAMPLE_CONFIG)
    assert [c.name_ja for c in s.categories] == ["交付", "電子証明書・暗証番号", "申請・変更・その他",
                                                 "保険証・公金受取口座"]
    assert s.server.host == "127.0.0.1"


def test_env_overrides_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATION_SERVER__PORT", "8123")
    monkeypatch.setenv("STATION_DATABASE_URL", "postgresql://x@h/db")
    s = load_settings(EXAMPLE_CONFIG)
    assert s.server.port == 8123
    assert s.effective_database_url == "postgresql://x@h/db"


def test_bad_value_names_file_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(EXAMPLE_CONFIG.read_text(encoding="utf-8").replace("port = 8000", "port = 99999"),
                   encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_settings(bad)
    msg = str(e.value)
    assert str(bad) in msg and "server.port" in msg and "65535" in msg


def test_counter_with_unknown_category(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[counters]]\nid = 1\ncategories = ["Z"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown category"):
        load_settings(bad)


def test_toml_syntax_error_names_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[server]\nport = = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"line 2"):
        load_settings(bad)


def test_missing_file() -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings("/nonexistent/station.toml")


def test_nested_env_override_keeps_the_rest_of_the_section(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATION_DEVICES__BUTTON__CONNECTION", "none")
    s = load_settings(EXAMPLE_CONFIG)
    assert s.devices.button.connection == "none"
    assert s.devices.button.codes == {"1": "A", "2": "B", "3": "C", "4": "D"}  # from the file


def test_a_bad_value_names_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[office]\nname = "x"\n\n[server]\nhost = "127.0.0.1"\nport = 99999\n', encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_settings(bad)
    assert "server.port (line 6)" in str(e.value)
    assert str(e.value).startswith(f"{bad}: 設定に誤りがあります / invalid settings")


def test_the_nth_table_of_an_array_is_found(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[counters]]\nid = 1\ncategories = ["A"]\n\n[[counters]]\nid = 2\ncategories = []\n',
                   encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_settings(bad)
    assert "counters.1.categories (line 7)" in str(e.value)


def test_calendar_file_problems_are_config_errors_with_file_line_and_entry(tmp_path: Path) -> None:
    from station.config_files import load_calendar

    cal = tmp_path / "cal.toml"
    cal.write_text('# closed days\n\nclosed = [2026-12-01, "tomorrow"]\n', encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_calendar(cal)
    assert str(e.value) == (f"{cal}, line 3: closed[1]: 日付ではありません（YYYY-MM-DD）: 'tomorrow' / "
                            "not a date (YYYY-MM-DD): 'tomorrow'")
    with pytest.raises(ConfigError, match="not found"):
        load_calendar(tmp_path / "none.toml")


def test_the_catalog_speaks_the_same_error_style(tmp_path: Path) -> None:
    from station.procedures_catalog import CatalogError, load_catalog

    bad = tmp_path / "procedures.toml"
    bad.write_text("[rules]\nguardian_under_age = = 3\n", encoding="utf-8")
    with pytest.raises(CatalogError) as e:
        load_catalog(bad)
    assert isinstance(e.value, ConfigError) and e.value.line == 2
    assert str(e.value).startswith(f"{bad}, line 2: TOMLの書式が正しくありません")
