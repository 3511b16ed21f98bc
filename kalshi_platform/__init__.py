"""Kalshi data platform."""
