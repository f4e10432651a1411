"""Two Ray nodes on this machine (``ray.cluster_utils.Cluster``: two raylets of 1 CPU): the paths of a cluster.

The dataset's files count as the driver node's own (``shared_storage`` is not given), so reads and writes are
pinned to the driver's node and the map must still run on both nodes. Slow: it starts two raylets.
"""

from __future__ import annotations

import logging
import os
import sys

import pytest

from crucible_torch import Dataset, load_from_disk

pytest.importorskip("ray.data", reason="the ray extra is not installed: pip install 'crucible-torch[ray]'")

import ray  # noqa: E402
import ray.data  # noqa: E402
from ray.cluster_utils import Cluster  # noqa: E402

import crucible_torch.ray as cray  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def two_nodes():
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "object_store_memory": 80 << 20})
    cluster.add_node(num_cpus=1, object_store_memory=80 << 20)
    ray.init(address=cluster.address, logging_level=logging.WARNING, log_to_driver=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    try:
        yield
    finally:
        ray.shutdown()
        cluster.shutdown()
        ray.cloudpickle.unregister_pickle_by_value(sys.modules[__name__])


def with_node(batch: dict) -> dict:
    node = ray.get_runtime_context().get_node_id()
    return {"words": [len(t.split()) for t in batch["text"]], "node": [node] * len(batch["text"])}


def test_map_spreads_over_nodes_while_reads_and_writes_stay_on_the_driver(two_nodes, tmp_path):
    Dataset.from_dict({"id": list(range(6000)), "text": [f"w{i} " * (i % 9 + 1) for i in range(6000)]}).save_to_disk(
        tmp_path / "split"
    )
    ds = load_from_disk(str(tmp_path / "split")).shuffle(seed=5)

    remote = cray.map(ds, with_node, batch_size=500, load_from_cache_file=False)
    local = ds.map(with_node, batched=True, batch_size=500, load_from_cache_file=False)

    assert remote.remove_columns("node").to_list() == local.remove_columns("node").to_list()
    assert len(set(remote["node"][:])) == 2
    back = Dataset.from_ray(ds.to_ray(), cache_dir=tmp_path / "out")
    assert back.to_list() == ds.to_list()
