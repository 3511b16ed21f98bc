{{ config(enabled=kalshi_has('signals.calibration')) }}
-- Calibration of every model by method and horizon (signals.calibration).
select * from {{ source('signals', 'calibration') }}
