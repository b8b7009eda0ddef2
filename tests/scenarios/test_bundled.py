"""The bundled scenarios ship with the package: run by name, listed with their descriptions, copied out."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from neurosim import cli, load_scenario
from neurosim.scenarios import bundled

REPOSITORY = Path(__file__).resolve().parents[2] / "scenarios"


def _main(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_the_package_holds_the_repositorys_scenarios_and_their_files() -> None:
    # from a source tree, neurosim/bundled is scenarios/ itself; installed, a copy of each file
    assert bundled.names() == sorted(p.stem for p in REPOSITORY.glob("*.yaml"))
    assert "letters" in bundled.names()
    shipped = {p.name: p.read_bytes() for p in bundled.directory().iterdir() if p.is_file()}
    assert shipped == {p.name: p.read_bytes() for p in REPOSITORY.iterdir() if p.is_file()}


def test_scenarios_lists_every_name_with_the_description_its_file_gives() -> None:
    code, out, err = _main("scenarios")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == bundled.names()
    letters = next(line for line in lines if line.startswith("letters "))
    assert letters.split(None, 1)[1] == load_scenario(REPOSITORY / "letters.yaml").description


def test_a_bundled_name_runs_like_its_file(tmp_path: Path) -> None:
    code, out, err = _main("validate", "letters", "maxcut.yaml")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "letters: ok (25 neurons, 3 patterns, 10 trials)",
        "maxcut.yaml: ok (10 neurons, 0 patterns, 20 trials)",
    ]


def test_a_name_that_is_neither_a_file_nor_bundled_says_what_is_bundled() -> None:
    code, out, err = _main("run", "letterz")
    assert (code, out) == (2, "")
    assert (
        err == f"neurosim: letterz: no such scenario file or bundled scenario (bundled: {', '.join(bundled.names())})\n"
    )
    code, _, err = _main("run", "some/dir/letters.yaml")
    assert (code, err) == (2, "neurosim: some/dir/letters.yaml: scenario file not found\n")


def test_copy_writes_the_scenario_with_the_files_it_names_and_never_overwrites(tmp_path: Path) -> None:
    target = tmp_path / "mine"
    code, out, err = _main("scenarios", "--copy", "shapes", str(target))
    assert (code, err) == (0, "")
    copied = sorted(p.name for p in target.iterdir())
    assert {"shapes.yaml", "shapes.dat"} <= set(copied)
    assert out.splitlines() == [str(target / name) for name in ["shapes.yaml", *sorted(set(copied) - {"shapes.yaml"})]]
    assert (target / "shapes.yaml").read_bytes() == (REPOSITORY / "shapes.yaml").read_bytes()
    assert load_scenario(target / "shapes.yaml").neurons == 100  # its pattern file came along
    (target / "shapes.yaml").write_text("edited")
    code, out, err = _main("scenarios", "--copy", "shapes", str(target))
    assert (code, out) == (2, "")
    assert err == f"neurosim: {target / 'shapes.yaml'}: exists; copy into another directory or remove it first\n"
    assert (target / "shapes.yaml").read_text() == "edited"


@pytest.mark.parametrize("name", ["maxcut", "letters"])
def test_copy_of_each_side_file(name: str, tmp_path: Path) -> None:
    written = bundled.copy(name, tmp_path)
    assert written[0] == tmp_path / f"{name}.yaml"
    assert load_scenario(written[0]).name == name


def test_copy_of_an_unknown_name_is_one_line(tmp_path: Path) -> None:
    code, _, err = _main("scenarios", "--copy", "nope", str(tmp_path))
    assert code == 2
    assert err.startswith("neurosim: nope: no bundled scenario of that name (bundled: capacity,")
    assert not list(tmp_path.iterdir())


def test_load_scenario_takes_a_bundled_name_and_finds_its_side_files() -> None:
    assert load_scenario("letters").path == bundled.directory() / "letters.yaml"
    assert load_scenario("shapes").neurons == 100  # shapes.dat, beside it in the package
