"""listwarden: a register for sensitive lists of people, lawful by construction."""
