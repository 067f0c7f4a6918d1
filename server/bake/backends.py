"""Where lines are baked: in this process, in local worker processes, or on Ray actors.

Every backend takes an iterator of jobs and yields results as they finish, with a bounded
number of jobs in flight, so a manifest of any size never sits in memory as audio.
"""
from __future__ import annotations

import logging
import multiprocessing as mp
import os
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Iterable, Iterator

from model.errors import InputError
from server.bake.worker import Baker, LineJob, LineResult, bake_in_process, init_process

log = logging.getLogger(__name__)


def threads_per_worker(workers: int) -> int:
    """Split the machine's cores between workers so they do not oversubscribe it."""
    return max(1, (os.cpu_count() or 1) // max(1, workers))


def bake_inline(jobs: Iterable[LineJob], checkpoint: str | None) -> Iterator[LineResult]:
    baker = Baker(checkpoint, threads_per_worker(1))
    for job in jobs:
        yield baker.bake(job)


def bake_processes(jobs: Iterable[LineJob], checkpoint: str | None, workers: int) -> Iterator[LineResult]:
    threads = threads_per_worker(workers)
    ctx = mp.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=init_process,
                             initargs=(checkpoint, threads)) as pool:
        yield from _bounded(jobs, lambda job: pool.submit(bake_in_process, job), 2 * workers)


def _bounded(jobs: Iterable[LineJob], submit, limit: int) -> Iterator[LineResult]:
    pending = set()
    it = iter(jobs)
    exhausted = False
    while pending or not exhausted:
        while not exhausted and len(pending) < limit:
            job = next(it, None)
            if job is None:
                exhausted = True
            else:
                pending.add(submit(job))
        if pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()


def bake_ray(jobs: Iterable[LineJob], checkpoint: str | None, address: str, workers: int | None
             ) -> Iterator[LineResult]:
    """Bake on Ray actors (one model per actor). ``address``: ``local``, ``auto`` or ``ray://HOST:PORT``."""
    try:
        import ray
        from ray.util import ActorPool
    except ImportError:
        raise InputError("--ray needs Ray: pip install 'emoface-bridge[ray]'") from None
    if not ray.is_initialized():
        if address == "local":
            ray.init(num_cpus=workers or os.cpu_count(), include_dashboard=False, log_to_driver=False)
        else:
            ray.init(address=address, log_to_driver=False)
    cpus = int(ray.available_resources().get("CPU", 1))
    n = workers or max(1, cpus)
    threads = max(1, cpus // n)
    actor_cls = ray.remote(num_cpus=threads)(Baker)
    pool = ActorPool([actor_cls.remote(checkpoint, threads) for _ in range(n)])
    log.info("baking on %d Ray actors (%d threads each)", n, threads)
    it = iter(jobs)
    in_flight = 0
    for job in it:
        pool.submit(lambda actor, j: actor.bake.remote(j), job)
        in_flight += 1
        if in_flight >= 2 * n:
            break
    while pool.has_next():
        yield pool.get_next_unordered()
        job = next(it, None)
        if job is not None:
            pool.submit(lambda actor, j: actor.bake.remote(j), job)
