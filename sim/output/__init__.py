"""What a run leaves behind: tidy tables, KPIs, the run directory."""
