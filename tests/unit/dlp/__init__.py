"""Tests of the loss-detection scanner core (law 11)."""
