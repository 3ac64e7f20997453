"""The daily kernels: the day's numpy work (arrivals, surfacing plans, midnight accounts, turnover
screen) compiled where a C compiler was found at install, with the numpy reference beside it."""
