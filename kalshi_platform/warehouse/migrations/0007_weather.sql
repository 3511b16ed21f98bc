-- Weather (issue 5): settlement stations, ensemble forecasts of the daily high, bracket signals.

-- The settlement station of every daily high-temperature series the platform knows (rebuilt from
-- kalshi_platform.core.weather.stations each run). Natural key: (city).
CREATE TABLE IF NOT EXISTS core.weather_stations (
    city              VARCHAR,   -- city code of the series ticker (KXHIGH<city>)
    series_ticker     VARCHAR,
    city_name         VARCHAR,
    rules_name        VARCHAR,   -- the station as the markets' rules name it
    rules_preposition VARCHAR,
    wording           VARCHAR,   -- which of Kalshi's rules sentences the series uses
    icao              VARCHAR,
    latitude          DOUBLE,
    longitude         DOUBLE,
    timezone          VARCHAR,   -- IANA; the climate day is its standard time all year
    wfo               VARCHAR,   -- NWS office issuing the climate report
    cli_site          VARCHAR,
    source            VARCHAR,   -- where the station and wording were read
    cli_url           VARCHAR
);

-- Open-Meteo daily highs, one row per member per model per city per target date per run.
-- target_date is the climate day (local standard time). source: 'ensemble' (GET /v1/ensemble) or
-- 'deterministic_fallback' (GET /v1/forecast, when the ensemble failed; fallback_reason says why).
-- temperature_2m_max is in `unit` (°F). raw_json is the slice of the response carrying this value
-- (envelope, the key's unit, the day and the value): the slices of a response hold all it sent.
-- partition_key = as_of|city|requested_model|target_date: a run replaces exactly what it fetched.
-- Natural key: (as_of, city, requested_model, target_date, member).
CREATE TABLE IF NOT EXISTS raw.weather_ensembles (
    partition_key      VARCHAR,
    target_date        DATE,
    city               VARCHAR,
    series_ticker      VARCHAR,
    station            VARCHAR,
    station_name       VARCHAR,
    model              VARCHAR,   -- the model of the values (the deterministic one after a fallback)
    requested_model    VARCHAR,   -- the ensemble model asked for
    source             VARCHAR,
    member             INTEGER,   -- 0 = control run (or the deterministic run)
    temperature_2m_max DOUBLE,
    unit               VARCHAR,
    latitude           DOUBLE,    -- requested: the station
    longitude          DOUBLE,
    grid_latitude      DOUBLE,    -- answered: Open-Meteo's grid cell
    grid_longitude     DOUBLE,
    elevation          DOUBLE,
    timezone           VARCHAR,   -- requested zone: the station's standard time (Etc/GMT+5)
    station_timezone   VARCHAR,   -- IANA
    utc_offset_seconds INTEGER,
    endpoint           VARCHAR,
    request            VARCHAR,   -- path and query as sent
    fallback_reason    VARCHAR,
    as_of              TIMESTAMPTZ,  -- the run's clock
    fetched_at         TIMESTAMPTZ,
    raw_json           VARCHAR USING COMPRESSION zstd,
    batch_id           VARCHAR
);

-- One row per open high-temperature market per run (signals contract, issue 7), with its bracket,
-- the ensemble behind the probability (join raw.weather_ensembles on city, target_date and
-- as_of = forecast_as_of) and the edges after the exact taker fee. Natural key: (as_of, ticker).
CREATE TABLE IF NOT EXISTS signals.weather_signals (
    as_of              TIMESTAMPTZ,
    ticker             VARCHAR,
    event_ticker       VARCHAR,
    series_ticker      VARCHAR,
    city               VARCHAR,
    station            VARCHAR,
    target_date        DATE,
    bracket            VARCHAR,   -- "49° to 50°", "48° or below", "57° or above"
    strike_type        VARCHAR,
    floor_strike       DECIMAL(18,6),
    cap_strike         DECIMAL(18,6),
    lower_degree       INTEGER,   -- lowest whole °F that resolves YES; NULL = open below
    upper_degree       INTEGER,   -- highest whole °F that resolves YES; NULL = open above
    lower_inclusive    BOOLEAN,   -- floor_strike itself resolves YES (NULL: no floor)
    upper_inclusive    BOOLEAN,   -- cap_strike itself resolves YES (NULL: no cap)
    rules_check        VARCHAR,   -- agrees | rules_unreadable | rules_only
    event_brackets     INTEGER,   -- markets of the day known to the warehouse (open or not)
    ladder_problem     VARCHAR,   -- why the day's brackets do not split the whole degrees once (NULL: they do)
    n_members          INTEGER,
    n_ensemble_members INTEGER,
    n_fallback_members INTEGER,
    n_in_bracket       INTEGER,
    models             VARCHAR,
    forecast_source    VARCHAR,   -- ensemble | deterministic_fallback | mixed
    mean_high_f        DOUBLE,
    spread_f           DOUBLE,
    bias_corrected     BOOLEAN,
    max_abs_bias_f     DOUBLE,
    model_prob         DOUBLE,
    yes_bid            DECIMAL(18,6),
    yes_ask            DECIMAL(18,6),
    no_ask             DECIMAL(18,6),
    market_prob        DOUBLE,    -- the market's YES mid
    fair_mid           DOUBLE,    -- the mid over the sum of the day's mids (overround removed)
    yes_fee            DECIMAL(18,6),
    no_fee             DECIMAL(18,6),
    yes_edge_bps       DOUBLE,
    no_edge_bps        DOUBLE,
    direction          VARCHAR,
    edge_bps           DOUBLE,
    confidence         DOUBLE,
    expiry             TIMESTAMPTZ,
    skip_reason        VARCHAR,
    note               VARCHAR,
    quoted_at          TIMESTAMPTZ,
    forecast_as_of     TIMESTAMPTZ,
    forecast_batch_id  VARCHAR,
    batch_id           VARCHAR
);
