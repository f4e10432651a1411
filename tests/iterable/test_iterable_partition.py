"""The pure functions behind slots: partition of a row space, windowed order, and the remainder of a stage."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from crucible_torch.iterable.order import Shuffle, remaining_rows, unit_order, window_permutation
from crucible_torch.iterable.partition import RowSpace, rank_bounds, slot_bounds, slot_share, split_sizes
from crucible_torch.iterable.stages import Layout, Stage, remainder, stage_space

layouts = st.builds(Layout, st.integers(1, 4), st.integers(1, 4), st.booleans())


@given(st.integers(0, 500), st.integers(1, 9))
def test_split_sizes_differ_by_at_most_one_larger_first(total, parts):
    sizes = split_sizes(total, parts)
    assert sum(sizes) == total and len(sizes) == parts
    assert max(sizes) - min(sizes) <= 1 and sizes == sorted(sizes, reverse=True)


@given(st.integers(0, 500), layouts)
def test_slot_pieces_tile_the_row_space(total, layout):
    pieces = [layout.bounds(total, s) for s in range(layout.num_slots)]
    assert pieces[0][0] == 0
    assert all(a[1] == b[0] for a, b in zip(pieces, pieces[1:]))  # contiguous, in slot order
    quota = total // layout.world_size
    end = layout.world_size * quota if layout.even else total
    assert pieces[-1][1] == end  # even mode drops exactly the last total % world_size rows
    per_rank = [rank_bounds(total, layout.world_size, r, layout.even) for r in range(layout.world_size)]
    sizes = [hi - lo for lo, hi in per_rank]
    if layout.even:
        assert set(sizes) == {quota}
        # every rank splits its quota over its workers the same way: same rows per worker, same batches
        workers = {
            tuple(hi - lo for lo, hi in (slot_bounds(total, layout.world_size, layout.num_workers, r, w, True)
                                          for w in range(layout.num_workers)))
            for r in range(layout.world_size)
        }  # fmt: skip
        assert len(workers) == 1
    else:
        assert max(sizes) - min(sizes) <= 1


@given(st.integers(0, 300), st.integers(0, 300), layouts)
def test_a_share_of_n_never_exceeds_the_piece_of_a_larger_total(n, extra, layout):
    total = n + extra
    for slot in range(layout.num_slots):
        rank, worker = divmod(slot, layout.num_workers)
        share = slot_share(n, layout.world_size, layout.num_workers, rank, worker, layout.even)
        lo, hi = layout.bounds(total, slot)
        assert share <= hi - lo


@given(st.lists(st.tuples(st.integers(0, 1000), st.integers(0, 20)), max_size=12), st.data())
def test_row_space_positions_and_slices_match_the_materialized_sequence(runs, data):
    space = RowSpace([s for s, _ in runs], [n for _, n in runs])
    flat = [s + i for s, n in runs for i in range(n)]
    assert len(space) == len(flat)
    assert space.positions(np.arange(len(flat))).tolist() == flat
    lo = data.draw(st.integers(0, len(flat)))
    hi = data.draw(st.integers(lo, len(flat)))
    part = space.slice(lo, hi)
    assert part.positions(np.arange(len(part))).tolist() == flat[lo:hi]
    merged = RowSpace.from_positions(np.array(flat[lo:hi], dtype=np.int64))
    assert merged.positions(np.arange(len(merged))).tolist() == flat[lo:hi]
    assert len(merged.starts) <= len(part.starts)


def test_unit_order_and_windows_are_pure_functions_of_seed_and_epoch():
    shuffle = Shuffle(seed=7, buffer_size=4)
    assert unit_order(5, None, 3).tolist() == [0, 1, 2, 3, 4]
    assert unit_order(50, shuffle, 1).tolist() == unit_order(50, shuffle, 1).tolist()
    assert unit_order(50, shuffle, 1).tolist() != unit_order(50, shuffle, 2).tolist()
    assert sorted(window_permutation(30, shuffle, 0, 0, 1, 2).tolist()) == list(range(30))
    assert window_permutation(30, shuffle, 0, 0, 1, 2).tolist() != window_permutation(30, shuffle, 0, 0, 2, 2).tolist()


def _emission_order(piece_len: int, shuffle: Shuffle | None, epoch: int, stage: int, slot: int) -> list[int]:
    """The local indices a slot emits, in order, written out window by window (an independent expectation)."""
    if shuffle is None:
        return list(range(piece_len))
    order, size = [], shuffle.buffer_size
    for window, start in enumerate(range(0, piece_len, size)):
        length = min(size, piece_len - start)
        order += (window_permutation(length, shuffle, epoch, stage, slot, window) + start).tolist()
    return order


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 200), layouts, st.one_of(st.none(), st.integers(1, 17)), st.integers(0, 3), st.data())
def test_a_stage_remainder_is_exactly_what_no_slot_emitted(total, layout, buffer, epoch, data):
    shuffle = Shuffle(5, buffer) if buffer else None
    space = stage_space(total, [], shuffle, epoch)
    emitted, consumed = [], []
    for slot in range(layout.num_slots):
        lo, hi = layout.bounds(total, slot)
        c = data.draw(st.integers(0, hi - lo))
        consumed.append(c)
        emitted += [lo + i for i in _emission_order(hi - lo, shuffle, epoch, 0, slot)[:c]]
    left = remainder(space, Stage(layout, tuple(consumed)), shuffle, epoch, 0)
    rest = left.positions(np.arange(len(left))).tolist()
    assert sorted(emitted + rest) == list(range(total))
    assert rest == sorted(rest)  # the next stage keeps the epoch order
    window_left, after = remaining_rows(10, 10, shuffle, epoch, 0, 0)
    assert len(window_left) == 0 and after == 10
