"""The shipped catalogue: coverage, ladders, doses, loads and safety tags of every entry."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

import spinecoach.exercises as exercises_api
from spinecoach.exercises import (
    CONTRAINDICATION_TAGS,
    EXERCISE_TAGS,
    MCGILL_MAX_HOLD_S,
    Catalogue,
    load_catalogue,
)


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


def test_public_names_are_curated() -> None:
    assert sorted(exercises_api.__all__) == sorted(
        [
            "CONTRAINDICATION_TAGS",
            "EXERCISE_TAGS",
            "MCGILL_MAX_HOLD_S",
            "Catalogue",
            "Dose",
            "DoseBounds",
            "Exercise",
            "Mode",
            "Pose",
            "Position",
            "Purpose",
            "load_catalogue",
        ]
    )


def test_loads_at_least_fifty_entries_and_is_cached(catalogue: Catalogue) -> None:
    assert len(catalogue) >= 50
    assert load_catalogue() is catalogue


# Each family named in the exercise library requirements, as the tags that must co-occur.
REQUIRED_FAMILIES: dict[str, tuple[str, ...]] = {
    "diaphragmatic breathing": ("breathing",),
    "transversus abdominis drawing-in": ("deep_stabilizer", "flare_safe"),
    "pelvic-floor co-activation": ("pelvic_floor",),
    "McGill curl-up": ("curl_up", "big3"),
    "side bridge": ("side_bridge", "big3"),
    "bird dog": ("bird_dog", "big3"),
    "dead bug": ("dead_bug",),
    "glute bridge": ("bridge",),
    "clamshell": ("clamshell",),
    "prone plank": ("plank",),
    "hip hinge": ("hinge",),
    "squat": ("squat",),
    "split squat / lunge": ("lunge",),
    "step-up": ("step_up",),
    "lifting technique": ("lifting",),
    "carry": ("carry",),
    "pulley anti-rotation press": ("pulley", "anti_rotation"),
    "pulley chop and lift": ("pulley", "diagonal"),
    "hip flexor stretch": ("hip_flexor",),
    "hamstring stretch": ("hamstring",),
    "thoracic rotation": ("thoracic", "mobility"),
    "glute / piriformis stretch": ("gluteus_maximus", "mobility"),
    "McKenzie extension": ("directional_extension",),
    "flexion (knee to chest)": ("directional_flexion",),
    "lateral shift": ("lateral_shift",),
    "foam rolling thoracic": ("foam_rolling", "thoracic"),
    "foam rolling glutes": ("foam_rolling", "gluteus_maximus"),
    "single-leg stance": ("balance", "single_leg"),
    "perturbation / unstable surface": ("balance", "perturbation"),
    "walking program": ("walking", "aerobic"),
    "desk posture break": ("posture_break", "desk"),
}


@pytest.mark.parametrize("family", sorted(REQUIRED_FAMILIES))
def test_every_required_family_is_present(catalogue: Catalogue, family: str) -> None:
    assert catalogue.search(tags=REQUIRED_FAMILIES[family]), family


@pytest.mark.parametrize(
    "exercise_id",
    [
        "multifidus_activation",
        "pelvic_tilt",
        "cat_cow",
        "childs_pose",
        "prone_lying",
        "prone_on_elbows",
        "prone_press_up",
        "standing_extension",
        "knee_to_chest",
        "side_bridge_knees",
        "side_bridge_full",
        "side_bridge_rotation",
        "bird_dog_arm",
        "bird_dog_leg",
        "bird_dog_holds",
        "glute_bridge",
        "single_leg_bridge",
        "bridge_abduction",
        "prone_plank",
        "cable_row",
        "pulldown_kneeling",
        "cable_hip_extension",
        "chop_standing",
        "lift_standing",
        "open_book",
        "single_leg_stance_unstable",
        "walking_easy",
    ],
)
def test_named_exercises_exist(catalogue: Catalogue, exercise_id: str) -> None:
    assert exercise_id in catalogue


def test_mckenzie_extension_ladder_runs_prone_lying_to_standing(catalogue: Catalogue) -> None:
    assert [e.id for e in catalogue.ladder("directional_extension")] == [
        "prone_lying",
        "prone_on_elbows",
        "prone_press_up",
        "standing_extension",
    ]


def test_side_bridge_and_bridge_ladders_follow_the_clinical_order(catalogue: Catalogue) -> None:
    side = [e.id for e in catalogue.ladder("side_bridge")]
    assert side.index("side_bridge_knees") < side.index("side_bridge_full")
    assert side.index("side_bridge_full") < side.index("side_bridge_rotation")
    bridge = [e.id for e in catalogue.ladder("bridge")]
    assert bridge.index("glute_bridge") < bridge.index("single_leg_bridge")
    assert bridge.index("single_leg_bridge") < bridge.index("bridge_abduction")


def test_every_vocabulary_tag_is_carried_by_some_exercise(catalogue: Catalogue) -> None:
    used = {tag for e in catalogue for tag in e.tags}
    assert used == set(EXERCISE_TAGS)


def test_tags_and_contraindications_come_from_the_vocabularies(catalogue: Catalogue) -> None:
    for e in catalogue:
        assert set(e.tags) <= EXERCISE_TAGS, e.id
        assert set(e.contraindications) <= CONTRAINDICATION_TAGS, e.id
        assert len(set(e.tags)) == len(e.tags), e.id


def test_ladders_are_mutual_chains_with_rising_levels(catalogue: Catalogue) -> None:
    for name in catalogue.ladders():
        rungs = catalogue.ladder(name)
        assert rungs[0].easier is None, name
        assert rungs[-1].harder is None, name
        for lower, upper in itertools.pairwise(rungs):
            assert lower.harder == upper.id, name
            assert upper.easier == lower.id, name
            assert upper.level > lower.level, name
        seen = {rungs[0].id}
        rung = catalogue.harder(rungs[0].id)
        while rung is not None:  # walking up never revisits a rung (no cycles)
            assert rung.id not in seen, name
            seen.add(rung.id)
            rung = catalogue.harder(rung.id)
        assert seen == {e.id for e in rungs}, name


def test_static_forms_sit_below_dynamic_forms(catalogue: Catalogue) -> None:
    for name in catalogue.ladders():
        modes = [e.mode for e in catalogue.ladder(name)]
        first_dynamic = modes.index("dynamic") if "dynamic" in modes else len(modes)
        assert all(mode == "dynamic" for mode in modes[first_dynamic:]), name


def test_every_template_dose_is_inside_its_bounds(catalogue: Catalogue) -> None:
    for e in catalogue:
        assert e.bounds.admits(e.dose), e.id
        assert (e.dose.hold_s is None) == (e.bounds.hold_s is None), e.id
        assert (e.dose.reps is None) == (e.bounds.reps is None), e.id


def test_mcgill_holds_never_exceed_ten_seconds(catalogue: Catalogue) -> None:
    assert MCGILL_MAX_HOLD_S == 10
    big3 = catalogue.search(tags=["big3"])
    assert {e.ladder for e in big3} >= {"curl_up", "side_bridge", "bird_dog"}
    for e in big3:
        if e.dose.hold_s is not None:
            assert e.dose.hold_s <= 10, e.id
            assert e.bounds.hold_s is not None
            assert e.bounds.hold_s.max <= 10, e.id


def test_pyramids_descend_from_the_first_set(catalogue: Catalogue) -> None:
    pyramids = [e for e in catalogue if e.dose.pyramid is not None]
    assert {"mcgill_curl_up", "side_bridge_full", "bird_dog_holds"} <= {e.id for e in pyramids}
    for e in pyramids:
        pyramid = e.dose.pyramid or []
        assert pyramid == sorted(pyramid, reverse=True), e.id
        assert e.dose.reps == pyramid[0], e.id
        assert len(pyramid) == e.dose.sets, e.id


def test_pulley_work_has_a_load_and_a_load_step(catalogue: Catalogue) -> None:
    pulley = [e for e in catalogue if "pulley" in e.equipment]
    assert len(pulley) >= 8
    for e in pulley:
        step = e.bounds.load_increment_kg
        assert step in (1.25, 2.5), e.id
        assert e.dose.load_kg is not None, e.id
        assert (e.dose.load_kg / step).is_integer(), e.id
        assert "pulley" in e.tags or "gluteus_maximus" in e.tags, e.id


def test_every_entry_has_instructions_cues_and_short_education(catalogue: Catalogue) -> None:
    for e in catalogue:
        assert len(e.instructions) >= 2, e.id
        assert e.cues, e.id
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", e.education.strip()) if s]
        assert 1 <= len(sentences) <= 3, e.id
        assert all(step.strip() for step in e.instructions), e.id


@pytest.mark.parametrize(
    ("exercise_id", "direction", "amount"),
    [
        ("mcgill_curl_up", "flexion", "low"),
        ("bird_dog", "extension", "low"),
        ("chop_standing", "rotation", "moderate"),
        ("chop_half_kneeling", "rotation", "moderate"),
        ("prone_press_up", "extension", "moderate"),
        ("diaphragmatic_breathing", "none", "low"),
        ("seated_flexion", "flexion", "moderate"),
    ],
)
def test_spinal_loads_are_clinically_honest(
    catalogue: Catalogue, exercise_id: str, direction: str, amount: str
) -> None:
    assert catalogue.get(exercise_id).loads.get(direction) == amount  # type: ignore[call-overload]


def test_squats_load_axial_compression(catalogue: Catalogue) -> None:
    for e in catalogue.search(tags=["squat"]):
        assert "axial_compression" in e.loads, e.id


def test_flare_safe_drills_load_little(catalogue: Catalogue) -> None:
    for e in catalogue.search(tags=["flare_safe"]):
        assert set(e.loads.values()) == {"low"}, e.id


def test_direction_specific_contraindications(catalogue: Catalogue) -> None:
    for e in catalogue.search(tags=["directional_extension"]):
        assert "stenosis_extension" in e.contraindications, e.id
    for e in catalogue.search(tags=["directional_flexion"]):
        assert "osteoporosis_flexion" in e.contraindications, e.id
    for e in catalogue.search(tags=["hamstring"]):
        assert "acute_radicular" in e.contraindications, e.id
    supported = catalogue.get("single_leg_stance_supported")
    assert "balance_impaired_unsupported" not in supported.contraindications
    assert "balance_impaired_unsupported" in catalogue.get("single_leg_stance").contraindications


def test_load_free_entries_say_none_alone(catalogue: Catalogue) -> None:
    for e in catalogue:
        if "none" in e.loads:
            assert list(e.loads) == ["none"], e.id
        assert e.loads, e.id


def test_every_level_and_phase_is_in_range(catalogue: Catalogue) -> None:
    for e in catalogue:
        assert 1 <= e.level <= 6
        assert e.phase in (1, 2, 3)
    assert {e.phase for e in catalogue} == {1, 2, 3}


def test_unilateral_entries_are_dosed_per_side(catalogue: Catalogue) -> None:
    """Except a lateral shift correction, which is done toward the one correcting side."""
    for e in catalogue:
        if e.unilateral and "lateral_shift" not in e.tags:
            assert e.dose.per_side, e.id
        if e.dose.per_side:
            assert e.unilateral, e.id


def test_readme_counts_match_the_catalogue(catalogue: Catalogue) -> None:
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    found = re.search(r"The catalogue holds (\d+) exercises in (\d+) progression ladders", readme)
    assert found is not None
    assert (int(found[1]), int(found[2])) == (len(catalogue), len(catalogue.ladders()))
