"""A real local Ray cluster for the Ray tests: 2 CPUs, a small object store, started and stopped per module.

The test modules call ``pytest.importorskip("ray.data")`` first, so without the ``ray`` extra they are
skipped with the reason, and this fixture never runs. Functions the tests map are pickled by value (the test
modules are not importable in Ray's worker processes).
"""

from __future__ import annotations

import logging
import os
import sys

import pytest

OBJECT_STORE_BYTES = 100 << 20


@pytest.fixture(scope="module")
def ray_cluster(request):
    import ray
    import ray.data

    saved = {name: os.environ.get(name) for name in ("RAY_USAGE_STATS_ENABLED",)}
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    ray.cloudpickle.register_pickle_by_value(sys.modules[request.module.__name__])
    ray.init(
        num_cpus=2,
        object_store_memory=OBJECT_STORE_BYTES,
        include_dashboard=False,
        log_to_driver=False,
        logging_level=logging.WARNING,
        configure_logging=False,
    )
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    try:
        yield ray
    finally:
        ray.shutdown()
        ray.cloudpickle.unregister_pickle_by_value(sys.modules[request.module.__name__])
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
