"""Catalogue as a value: the cross-entry rules, lookup, ladders, search and the YAML loader."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.builders import exercise_data

from spinecoach.errors import InputError, UnknownItemError
from spinecoach.exercises import EXERCISE_TAGS, Catalogue, Exercise, load_catalogue
from spinecoach.exercises.catalogue import load_catalogue_files, parse_catalogue_text
from spinecoach.vocabulary import EQUIPMENT


def entry(exercise_id: str, **fields: Any) -> dict[str, Any]:
    """Raw data of a valid one-rung exercise; ``fields`` override the defaults."""
    defaults: dict[str, Any] = {
        "cues": ["Stay relaxed."],
        "tags": ["deep_stabilizer"],
        "start": {"trunk_deg": -90},
        "end": {"trunk_deg": -90, "neck_deg": 20},
    }
    return exercise_data(exercise_id, **{**defaults, **fields})


def ladder(*rungs: tuple[str, str, int], name: str = "test") -> list[Exercise]:
    """Exercises (id, mode, level) linked easiest first on one ladder."""
    ids = [r[0] for r in rungs]
    built = []
    for i, (exercise_id, mode, level) in enumerate(rungs):
        built.append(
            Exercise.model_validate(
                entry(
                    exercise_id,
                    mode=mode,
                    level=level,
                    ladder=name,
                    easier=ids[i - 1] if i > 0 else None,
                    harder=ids[i + 1] if i + 1 < len(ids) else None,
                )
            )
        )
    return built


def one(exercise_id: str, **fields: Any) -> Exercise:
    return Exercise.model_validate(entry(exercise_id, **fields))


# --- the value ----------------------------------------------------------------------------


def test_from_exercises_builds_a_working_catalogue() -> None:
    rungs = ladder(("c_hold", "static", 1), ("c_move", "dynamic", 2), ("c_loaded", "dynamic", 4))
    catalogue = Catalogue.from_exercises([*reversed(rungs), one("a_solo")])
    assert len(catalogue) == 4
    assert "c_move" in catalogue
    assert "nope" not in catalogue
    assert catalogue.ids == ["a_solo", "c_hold", "c_move", "c_loaded"]
    assert [e.id for e in catalogue] == catalogue.ids
    assert catalogue.ladders() == ["a_solo", "test"]
    assert [e.id for e in catalogue.ladder("test")] == ["c_hold", "c_move", "c_loaded"]
    assert catalogue.easier("c_hold") is None
    assert catalogue.harder("c_loaded") is None
    assert catalogue.harder("c_hold") == rungs[1]
    assert catalogue.easier("c_loaded") == rungs[1]
    assert catalogue.get("c_move") == rungs[1]


def test_catalogue_is_a_hashable_value() -> None:
    first = Catalogue.from_exercises([one("a"), one("b")])
    second = Catalogue.from_exercises([one("b"), one("a")])
    assert first == second
    assert hash(first) == hash(second)
    assert first != Catalogue.from_exercises([one("a")])
    assert hash(load_catalogue()) == hash(load_catalogue())


def test_unknown_id_and_ladder_name_the_item() -> None:
    catalogue = load_catalogue()
    with pytest.raises(UnknownItemError, match=r"exercise 'bird_dgo' is unknown; did you mean"):
        catalogue.get("bird_dgo")
    with pytest.raises(UnknownItemError, match="ladder 'nope'"):
        catalogue.ladder("nope")
    with pytest.raises(UnknownItemError, match="exercise 'nope'"):
        catalogue.harder("nope")
    with pytest.raises(UnknownItemError) as far_off:
        catalogue.get("zzzzzzzz")
    assert str(far_off.value) == (
        "exercise 'zzzzzzzz' is unknown; list them with 'spinecoach catalogue'"
    )


@pytest.mark.parametrize(
    ("exercises", "message"),
    [
        ([one("a"), one("a")], "exercise id 'a' appears more than once"),
        ([one("a", harder="ghost")], "field 'harder': no exercise 'ghost'"),
        (
            [one("a", ladder="x", harder="b"), one("b", ladder="x", level=2)],
            "'b' does not name 'a' as its easier neighbour",
        ),
        (
            [one("a", ladder="x", harder="b"), one("b", ladder="y", level=2, easier="a")],
            "'b' is on ladder 'y', not 'x'",
        ),
        (
            [one("a", ladder="x", harder="b", level=2), one("b", ladder="x", easier="a", level=2)],
            "field 'level': 2 must be above the level 2",
        ),
        (
            [
                one("a", ladder="x", harder="b", mode="dynamic"),
                one("b", ladder="x", easier="a", level=2, mode="static"),
            ],
            "a static form cannot sit above the dynamic form 'a'",
        ),
        (
            [
                one("a", ladder="x", harder="b", easier="b"),
                one("b", ladder="x", harder="a", easier="a", level=2),
            ],
            "ladder 'x': needs exactly one easiest rung",
        ),
        ([one("a", ladder="x"), one("b", ladder="x", level=2)], "found 2: a, b"),
        (
            [
                one("a", ladder="x", harder="b"),
                one("b", ladder="x", easier="a", level=2),
                one("c", ladder="x", easier="d", harder="d", level=3),
                one("d", ladder="x", harder="c", easier="c", level=4),
            ],
            "rungs c, d are not reachable from 'a'",
        ),
        ([one("a", tags=["big3", "wobble"])], "field 'tags': tag 'wobble' is unknown"),
        (
            [one("a", contraindications=["knee_pian"])],
            "field 'contraindications': contraindication 'knee_pian' is unknown; did you mean: knee_pain",
        ),
    ],
)
def test_cross_entry_rules_reject_with_one_line(exercises: list[Exercise], message: str) -> None:
    with pytest.raises(InputError) as caught:
        Catalogue.from_exercises(exercises)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_big3_hold_over_ten_seconds_is_refused() -> None:
    long_hold = {
        "sets": {"min": 1, "max": 4},
        "reps": {"min": 2, "max": 10},
        "hold_s": {"min": 5, "max": 30},
    }
    with pytest.raises(InputError, match=r"a Big 3 hold is at most 10 s, not 30"):
        Catalogue.from_exercises([one("a", tags=["big3"], bounds=long_hold)])
    Catalogue.from_exercises([one("a", tags=["plank"], bounds=long_hold)])  # not Big 3: fine


def test_pyramid_must_descend_from_the_first_set() -> None:
    rising = {"sets": 3, "reps": 2, "hold_s": 8, "pyramid": [2, 4, 6]}
    with pytest.raises(InputError, match=r"field 'dose\.pyramid'"):
        Catalogue.from_exercises([one("a", dose=rising)])
    wrong_first = {"sets": 3, "reps": 5, "hold_s": 8, "pyramid": [6, 4, 2]}
    with pytest.raises(InputError, match=r"start at dose\.reps"):
        Catalogue.from_exercises([one("a", dose=wrong_first)])


def test_pulley_work_needs_a_load_step() -> None:
    bounds = {
        "sets": {"min": 1, "max": 4},
        "reps": {"min": 2, "max": 10},
        "load_kg": {"min": 2.5, "max": 20},
    }
    dose = {"sets": 2, "reps": 8, "load_kg": 5}
    with pytest.raises(InputError, match="pulley work needs"):
        Catalogue.from_exercises([one("a", equipment=["pulley"], dose=dose, bounds=bounds)])
    stepped = {**bounds, "load_increment_kg": 1.25}
    catalogue = Catalogue.from_exercises(
        [one("a", equipment=["pulley"], dose=dose, bounds=stepped)]
    )
    assert catalogue.get("a").bounds.load_increment_kg == 1.25


def test_template_dose_outside_bounds_is_refused_by_the_model() -> None:
    with pytest.raises(ValueError, match="template dose lies outside its bounds"):
        one("a", dose={"sets": 9, "reps": 6})


# --- search -------------------------------------------------------------------------------


def test_search_filters_combine() -> None:
    catalogue = load_catalogue()
    big3_static = catalogue.search(tags=["big3"], mode="static")
    assert big3_static
    assert all("big3" in e.tags and e.mode == "static" for e in big3_static)
    early = catalogue.search(phase_max=1)
    assert early
    assert all(e.phase == 1 for e in early)
    strength = catalogue.search(purpose="strength")
    assert strength
    assert all(e.purpose == "strength" for e in strength)
    both = catalogue.search(tags=["side_bridge", "big3"])
    assert {e.ladder for e in both} == {"side_bridge"}


def test_search_takes_a_single_tag_as_a_word_not_letters() -> None:
    catalogue = load_catalogue()
    assert catalogue.search(tags="big3") == catalogue.search(tags=["big3"])


def test_search_equipment_is_what_the_patient_has() -> None:
    catalogue = load_catalogue()
    bare = catalogue.search(equipment=[])
    assert bare
    assert all(not e.equipment for e in bare)
    with_pulley = catalogue.search(tags=["diagonal"], equipment=["pulley"])
    assert with_pulley
    assert all(set(e.equipment) <= {"pulley"} for e in with_pulley)
    assert not catalogue.search(tags=["diagonal"], equipment=["chair"])
    assert len(catalogue.search(equipment=EQUIPMENT)) == len(catalogue)
    assert catalogue.search() == list(catalogue)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tags": ["bigg3"]}, "tag 'bigg3' is unknown; did you mean: big3"),
        ({"equipment": ["barbell"]}, "equipment 'barbell' is unknown"),
        ({"purpose": "fun"}, "purpose 'fun' is unknown"),
        ({"mode": "isometric"}, "mode 'isometric' is unknown"),
    ],
)
def test_search_rejects_unknown_words(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(UnknownItemError, match=message):
        load_catalogue().search(**kwargs)


_TAGS = sorted(EXERCISE_TAGS)


@settings(max_examples=120, deadline=None)
@given(
    tags=st.lists(st.sampled_from(_TAGS), max_size=3, unique=True),
    extra_tag=st.sampled_from(_TAGS),
    kit=st.lists(st.sampled_from(sorted(EQUIPMENT)), max_size=4, unique=True),
    extra_kit=st.sampled_from(sorted(EQUIPMENT)),
)
def test_search_narrows_with_tags_and_widens_with_equipment(
    tags: list[str], extra_tag: str, kit: list[str], extra_kit: str
) -> None:
    catalogue = load_catalogue()
    found = catalogue.search(tags=tags, equipment=kit)
    ids = [e.id for e in found]
    order = [(e.ladder, e.level, e.id) for e in found]
    assert order == sorted(order)
    assert {e.id for e in catalogue.search(tags=[*tags, extra_tag], equipment=kit)} <= set(ids)
    assert set(ids) <= {e.id for e in catalogue.search(tags=tags, equipment=[*kit, extra_kit])}
    for e in found:
        assert set(tags) <= set(e.tags)
        assert set(e.equipment) <= set(kit)


# --- the loader ---------------------------------------------------------------------------


def _write(path: Path, entries: list[dict[str, Any]]) -> Path:
    path.write_text(yaml.safe_dump(entries, sort_keys=False), encoding="utf-8")
    return path


def test_loader_reads_files_and_records_their_origin(tmp_path: Path) -> None:
    first = _write(tmp_path / "one.yaml", [entry("a_one"), entry("a_two")])
    second = _write(tmp_path / "two.yaml", [entry("b_one")])
    catalogue = load_catalogue_files([first, second])
    assert catalogue.ids == ["a_one", "a_two", "b_one"]
    assert catalogue.origins["b_one"] == "two.yaml entry 1"


def test_malformed_entry_names_file_entry_and_field(tmp_path: Path) -> None:
    bad = entry("bad_one", dose={"sets": 2, "reps": "many"})
    path = _write(tmp_path / "broken.yaml", [entry("fine"), bad])
    with pytest.raises(InputError) as caught:
        load_catalogue_files([path])
    message = str(caught.value)
    assert message.startswith("broken.yaml entry 2 ('bad_one'): field 'dose.reps'")
    assert "\n" not in message


def test_missing_field_is_named(tmp_path: Path) -> None:
    bad = entry("no_education")
    del bad["education"]
    path = _write(tmp_path / "data.yaml", [bad])
    with pytest.raises(
        InputError, match=r"data.yaml entry 1 \('no_education'\): field 'education'"
    ):
        load_catalogue_files([path])


def test_cross_entry_problem_names_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path / "ladders.yaml", [entry("a", harder="ghost")])
    with pytest.raises(InputError, match=r"ladders.yaml entry 1: exercise 'a': field 'harder'"):
        load_catalogue_files([path])


def test_duplicate_across_files_names_both(tmp_path: Path) -> None:
    first = _write(tmp_path / "one.yaml", [entry("same")])
    second = _write(tmp_path / "two.yaml", [entry("same")])
    with pytest.raises(
        InputError, match=r"two.yaml entry 1: .*already defined in one.yaml entry 1"
    ):
        load_catalogue_files([first, second])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- id: a\n  name: [unclosed\n", r"bad.yaml: malformed YAML at line \d+ column \d+"),
        ("id: a\n", "bad.yaml: expected a list of exercise entries"),
        ("- just a string\n", r"bad.yaml entry 1: field '\(document\)'"),
    ],
)
def test_unreadable_text_is_one_line(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        parse_catalogue_text(text, "bad.yaml")
    assert "\n" not in str(caught.value)


def test_missing_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"gone.yaml: cannot read \(FileNotFoundError\)"):
        load_catalogue_files([tmp_path / "gone.yaml"])


# --- whole-catalogue properties -----------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(order=st.permutations(list(load_catalogue())))
def test_entry_order_in_the_files_does_not_matter(order: list[Exercise]) -> None:
    rebuilt = Catalogue.from_exercises(order)
    assert rebuilt == load_catalogue()
    assert rebuilt.ids == load_catalogue().ids


@pytest.mark.parametrize(
    "exercise_id",
    [e.id for e in load_catalogue() if e.easier is not None or e.harder is not None],
)
def test_removing_any_linked_rung_breaks_its_ladder(exercise_id: str) -> None:
    rest = [e for e in load_catalogue() if e.id != exercise_id]
    with pytest.raises(InputError, match=f"no exercise '{exercise_id}'"):
        Catalogue.from_exercises(rest)
