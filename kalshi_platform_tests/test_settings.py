import pytest

from kalshi_platform.settings import VARIABLES, SettingsError, describe, load_settings


def test_defaults_run_on_the_embedded_exchange():
    settings = load_settings({})
    assert settings.env == "sandbox"
    assert settings.is_sandbox
    assert settings.duckdb_path == "data/warehouse.duckdb"
    assert settings.market_statuses == ("unopened", "open", "closed", "settled")
    assert settings.series == ()
    assert load_settings({"KALSHI_ENV": "prod"}).market_statuses == ("open",)


def test_values_are_typed():
    settings = load_settings(
        {
            "KALSHI_ENV": "prod",
            "KALSHI_SERIES": "kxhighny, KXFED,KXHIGHNY",
            "KALSHI_MARKET_STATUSES": "open,settled",
            "KALSHI_RATE_TIER": "Premier",
            "KALSHI_ORDERBOOK_MARKETS": "10",
            "KALSHI_HTTP_TIMEOUT_S": "2.5",
            "SANDBOX_FAULTS": "heavy",
        }
    )
    assert settings.env == "prod"
    assert settings.series == ("KXHIGHNY", "KXFED")
    assert settings.market_statuses == ("open", "settled")
    assert settings.rate_tier == "premier"
    assert settings.orderbook_markets == 10
    assert settings.http_timeout_s == 2.5


@pytest.mark.parametrize(
    "variable, value, accepted",
    [
        ("KALSHI_ENV", "staging", "sandbox, demo, prod"),
        ("KALSHI_MARKET_STATUSES", "open,active", "unopened, open, closed, settled"),
        ("KALSHI_RATE_TIER", "gold", "basic"),
        ("KALSHI_ORDERBOOK_MARKETS", "many", "0..100000"),
        ("KALSHI_ORDERBOOK_MARKETS", "-1", "0..100000"),
        ("KALSHI_CANDLE_PERIOD", "15", "1, 60, 1440"),
        ("KALSHI_HTTP_TIMEOUT_S", "fast", "0.1..600"),
        ("SANDBOX_SEED", "x", "0.."),
        ("KALSHI_BASE_URL", "ftp://x", "http://"),
        ("SANDBOX_FAULTS", "5xx=2", "SANDBOX_FAULTS"),
        ("SANDBOX_FAULTS", "lots", "SANDBOX_FAULTS"),
    ],
)
def test_bad_value_names_the_variable_and_what_it_accepts(variable, value, accepted):
    with pytest.raises(SettingsError) as info:
        load_settings({variable: value})
    message = str(info.value)
    assert variable in message
    assert accepted in message


def test_key_id_and_private_key_go_together(tmp_path):
    with pytest.raises(SettingsError, match="KALSHI_API_KEY_ID and KALSHI_PRIVATE_KEY_PATH"):
        load_settings({"KALSHI_API_KEY_ID": "abc"})
    with pytest.raises(SettingsError, match="no such file"):
        load_settings({"KALSHI_API_KEY_ID": "abc", "KALSHI_PRIVATE_KEY_PATH": str(tmp_path / "missing.pem")})
    pem = tmp_path / "key.pem"
    pem.write_text("-----BEGIN PRIVATE KEY-----\n")
    settings = load_settings({"KALSHI_API_KEY_ID": "abc", "KALSHI_PRIVATE_KEY_PATH": str(pem)})
    assert settings.has_credentials
    assert describe(settings)["private_key_path"] == "(set)"


def test_every_variable_is_documented_in_env_example():
    from pathlib import Path

    example = (Path(__file__).resolve().parent.parent / ".env.example").read_text()
    for variable in VARIABLES:
        assert f"\n{variable}=" in example, variable
