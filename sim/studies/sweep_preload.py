"""The last module a sweep's forkserver imports (:data:`sim.studies.sweep_job.PRELOAD`): it puts
every object the model's imports made out of the cyclic collector's reach (``gc.freeze``).

Those objects live as long as the process. Frozen, they are never rescanned: the workers forked
from the forkserver do not copy the pages that hold them when they first collect (the pages
stay shared), and the forkserver exits without a full collection of them — it outlived the
driver by 0.16–0.29 s at the end of every pooled sweep, holding the driver's output open.
"""

import gc

gc.freeze()
