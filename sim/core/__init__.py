"""The event core: the calendar (clock), desks that hold cases (team, meeting, referral), the case
workflow, the incident log and the random streams. Imports only the scenario and the kernels."""
