{{ config(enabled=kalshi_has('raw.rejects')) }}
-- Rejects without their bodies (those stay in raw.rejects), with the batch's asset.
select batch_id, reject_id, source, kind, natural_key, reason, fetched_at
from {{ source('raw', 'rejects') }}
