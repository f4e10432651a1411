"""Fixtures for the sample-repo tests: the shared sample Hub (:mod:`sample_hub_fixtures`)."""

from sample_hub_fixtures import LFS_THRESHOLD, hub, isolated_env, sample_repos, served

__all__ = ["LFS_THRESHOLD", "hub", "isolated_env", "sample_repos", "served"]
