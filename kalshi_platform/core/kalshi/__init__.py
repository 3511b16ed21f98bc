"""Building blocks of ``core.kalshi_parse``: records -> exact text columns, and text -> typed, checked columns."""
