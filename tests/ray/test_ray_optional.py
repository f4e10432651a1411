"""The ``ray`` extra is optional: nothing imports ray until a Ray entry point is called, and without it the
entry points fail with the install command. Both run in a fresh interpreter, so no other test's imports count."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _run(code: str, tmp_path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, cwd=tmp_path, timeout=300
    )


def test_loading_mapping_and_streaming_never_import_ray(tmp_path):
    result = _run(
        f"""
        import sys
        import torch.utils.data
        from crucible_torch import Dataset, load_from_disk

        Dataset.from_dict({{"text": ["a b", "c"] * 50, "label": [0, 1] * 50}}).save_to_disk({str(tmp_path / "d")!r})
        ds = load_from_disk({str(tmp_path / "d")!r})
        mapped = ds.shuffle(seed=0).map(lambda b: {{"n": [len(t) for t in b["text"]]}}, batched=True)
        batches = list(torch.utils.data.DataLoader(mapped, batch_size=8, collate_fn=mapped.collate_fn))
        rows = list(ds.to_iterable_dataset(num_shards=2))
        assert len(batches) == 13 and len(rows) == 100
        assert not any(name == "ray" or name.startswith("ray.") for name in sys.modules), "ray was imported"
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr


def test_without_ray_the_entry_points_name_the_extra(tmp_path):
    result = _run(
        """
        import sys
        sys.modules["ray"] = None  # what an environment without the extra looks like to an import
        from crucible_torch import Dataset
        try:
            Dataset.from_dict({"a": [1]}).to_ray()
        except ImportError as err:
            print(err)
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "pip install 'crucible-torch[ray]'" in result.stdout
