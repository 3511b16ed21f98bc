"""Weather: settlement stations, the climate day, bracket mapping and the ensemble model (pure)."""
