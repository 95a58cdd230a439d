"""Export adapters: disclosure packages sealed to their recipients, and attribution of leaks."""
