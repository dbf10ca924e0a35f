"""Hough clustering of matches: all views of a reference in one pass (`cluster_views`), and the
place where scattered matches agree on a card centre (`centre_peak`)."""

from __future__ import annotations

import numpy as np
import pytest

from edge.mascots.matching import Matches, centre_peak, cluster_matches, cluster_views

VIEW_WHS = [(300, 400), (165, 400), (300, 220)]  # frontal, and foreshortened as in features.VIEWS


def card_matches(rng: np.random.Generator, view: int, centre_xy: tuple[float, float],
                 scale: float, rotation_deg: float, n: int) -> Matches:
    """`n` exact matches of one card (view `view`) placed by a similarity transform."""
    w, h = VIEW_WHS[view]
    view_xy = rng.uniform((0, 0), (w, h), (n, 2)).astype(np.float32)
    t = np.deg2rad(rotation_deg)
    rot = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    frame_xy = (scale * (view_xy - np.array([w / 2, h / 2])) @ rot.T + centre_xy).astype(np.float32)
    return Matches(frame_xy, view_xy.copy(), view_xy, np.full(n, view, np.int32),
                   np.full(n, scale, np.float32), np.full(n, rotation_deg, np.float32))


def noise_matches(rng: np.random.Generator, n: int) -> Matches:
    """`n` random matches (wrong correspondences) spread over a 1280×720 frame and all views."""
    view = rng.integers(0, 3, n).astype(np.int32)
    view_xy = (rng.uniform(0, 1, (n, 2)) * np.array(VIEW_WHS)[view]).astype(np.float32)
    return Matches(rng.uniform((0, 0), (1280, 720), (n, 2)).astype(np.float32), view_xy.copy(),
                   view_xy, view, np.exp2(rng.uniform(-3, 1, n)).astype(np.float32),
                   rng.uniform(-180, 180, n).astype(np.float32))


def concat(*parts: Matches) -> Matches:
    return Matches(*(np.concatenate([getattr(p, f) for p in parts]) for f in
                     ("frame_xy", "ref_xy", "view_xy", "view", "scale", "rotation_deg")))


def test_each_card_is_one_cluster_of_its_own_view():
    rng = np.random.default_rng(0)
    fox = card_matches(rng, 0, (300, 300), 0.4, 10.0, 12)
    turned = card_matches(rng, 1, (900, 400), 0.25, -30.0, 9)
    matches = concat(fox, turned, noise_matches(rng, 400))
    clusters = cluster_views(matches, VIEW_WHS, max_hypotheses=3, min_votes=6)
    best = {}
    for view, members in clusters:
        best.setdefault(view, members)  # strongest first within a view
    assert set(np.arange(12)) <= set(best[0].tolist())  # every match of the frontal card
    assert set(np.arange(12, 21)) <= set(best[1].tolist())  # every match of the turned card
    assert all(matches.view[m].tolist() == [v] * len(m) for v, m in clusters)  # no mixed views


def test_two_copies_of_a_card_get_two_hypotheses():
    rng = np.random.default_rng(1)
    matches = concat(card_matches(rng, 0, (200, 360), 0.3, 0.0, 10),
                     card_matches(rng, 0, (1000, 360), 0.3, 0.0, 8))
    clusters = cluster_views(matches, VIEW_WHS, max_hypotheses=3, min_votes=6)
    # the stronger copy leads; the other copy, 800 px away, still gets a hypothesis
    assert clusters[0][1].tolist() == list(range(10))
    assert any(m.tolist() == list(range(10, 18)) for _, m in clusters[1:])


def test_too_few_matches_give_no_cluster():
    rng = np.random.default_rng(2)
    matches = card_matches(rng, 2, (640, 360), 0.5, 0.0, 5)
    assert cluster_views(matches, VIEW_WHS, min_votes=6) == []
    assert cluster_views(matches, VIEW_WHS, min_votes=3) != []  # weak clusters still found


@pytest.mark.parametrize("seed", [
    3,  # a few cards in different views among noise
    4,
    5,
])
def test_one_pass_equals_clustering_each_view_alone(seed: int):
    rng = np.random.default_rng(seed)
    matches = concat(card_matches(rng, 0, (400, 300), 0.35, 20.0, 10),
                     card_matches(rng, 1, (800, 500), 0.2, -60.0, 7),
                     card_matches(rng, 2, (150, 600), 0.5, 170.0, 15),
                     noise_matches(rng, 600))
    expected = []
    for view in range(len(VIEW_WHS)):
        in_view = np.flatnonzero(matches.view == view)
        expected += [(view, in_view[m]) for m in
                     cluster_matches(matches.subset(in_view), VIEW_WHS[view], 6, 3)]
    got = cluster_views(matches, VIEW_WHS, 6, 3)
    assert [v for v, _ in got] == [v for v, _ in expected]
    assert all(np.array_equal(a, b) for (_, a), (_, b) in zip(got, expected, strict=True))


def scattered_card(rng: np.random.Generator, centre_xy: tuple[float, float], height_px: float) -> Matches:
    """A small card turned out of plane: 8 correct matches whose views, scales (±25 %) and angles
    (±30°) all differ, so that no two share a Hough bin, but each still predicts the centre."""
    parts = []
    for i in range(8):
        view = i % 3
        scale = height_px / VIEW_WHS[view][1] * float(rng.uniform(0.75, 1.25))
        parts.append(card_matches(rng, view, centre_xy, scale, float(rng.uniform(-30, 30)), 1))
    return concat(*parts)


def test_scattered_matches_of_a_small_card_make_no_cluster_but_a_centre_peak():
    rng = np.random.default_rng(5)
    card = scattered_card(rng, (700, 300), 80.0)
    matches = concat(card, noise_matches(rng, 300))
    clusters = cluster_views(matches, VIEW_WHS, max_hypotheses=3, min_votes=3)
    assert not any(len(set(m.tolist()) & set(range(8))) >= 3 for _, m in clusters)
    x, y, height, votes = centre_peak(matches, VIEW_WHS, (1280, 720), (35, 160), 32)
    assert abs(x - 700) < 20 and abs(y - 300) < 20
    assert 50 < height < 110 and votes >= 8


def test_centre_peak_skips_found_cards_and_other_sizes():
    rng = np.random.default_rng(6)
    small = scattered_card(rng, (300, 500), 80.0)
    big = scattered_card(rng, (900, 300), 400.0)  # predicts a 400 px card: outside 35–160 px
    matches = concat(small, big)
    assert centre_peak(matches, VIEW_WHS, (1280, 720), (35, 160), 32)[:2] == pytest.approx((300, 500), abs=20)
    masked = [(250.0, 450.0, 100.0, 100.0)]  # the small card was already found
    assert centre_peak(matches, VIEW_WHS, (1280, 720), (35, 160), 32, masked) is None
