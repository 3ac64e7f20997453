"""Studies over many runs: experiments and sweeps, paired comparisons and reports, published targets
and calibration, headcount sizing with Erlang C / A, sensitivity analysis, the EMA Workbench adapter."""
