"""The people who handle cases: agents (grid workers, beat police, leaders, departments), the
staffing plan and register, duty rosters, the workday, turnover, effort and scoring (考核)."""
