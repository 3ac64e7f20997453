"""Bring your own district: grid registers (网格台账) and platform case logs (工单) read into scenario pieces.

``register`` turns a grid register or map into a scenario ``world:``; ``caselog`` reads a case log
through a mapping file; ``fitting`` fits arrival, channel and time parameters to it and writes a
commented scenario. Nothing here runs the model: the held-out check is :mod:`sim.studies.holdout`.
"""
