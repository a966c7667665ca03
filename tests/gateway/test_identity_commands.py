"""``c360 identity train``, ``c360 eval-identity --truth`` and ``c360 check`` of matching
configs, run as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

GIVEN = [
    "anna",
    "bruno",
    "chloe",
    "david",
    "elena",
    "farid",
    "grace",
    "hiro",
    "ines",
    "jonas",
    "kira",
    "liam",
    "maya",
    "noah",
]
FAMILY = [
    "meyer",
    "okafor",
    "tanaka",
    "silva",
    "novak",
    "haddad",
    "larsen",
    "moreau",
    "kowalski",
    "ferreira",
    "ito",
]
PEOPLE = [
    "ID,FIRST,LAST,BORN,POSTCODE",
    *(
        f"P{i},{GIVEN[i % 14]},{FAMILY[i % 11]},19{50 + i % 40}-0{1 + i % 9}-1{i % 10},"
        f"{1000 + i % 97}"
        for i in range(300)
    ),
    "D1,bruno,okafor,1951-02-11,1001",  # P1 again
    "D2,chloé,tanaka,1952-03-12,1002",  # P2 written another way
    "D3,tanaka,chloe,1952-03-12,1002",  # P2 with given and family swapped
]

CONFIG = """
sources:
  people:
    kind: csv
    entities:
      person:
        file: people.csv
        by: {postcode: POSTCODE, family_name: LAST}
        fields: {key: ID, given_name: FIRST, family_name: LAST, birth_date: BORN,
                 postcode: POSTCODE}
identity:
  matching:
    model: model.yaml
    comparisons:
      given_name: {kind: name, term_frequency: true}
      family_name: {kind: name}
      birth_date: {kind: date}
      postcode: {kind: code}
    blocking:
      - {source: people, by: [postcode]}
      - {source: people, by: [family_name, birth_year]}
"""


def c360(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "people.csv").write_text("\n".join(PEOPLE) + "\n", encoding="utf-8")
    (tmp_path / "c360.yaml").write_text(CONFIG, encoding="utf-8")
    return tmp_path


def test_check_asks_for_the_model_until_it_is_trained(folder: Path) -> None:
    before = c360("check", "c360.yaml", cwd=folder)
    assert before.returncode == 1
    assert "c360.yaml:13: identity.matching.model: no model file 'model.yaml'" in before.stderr
    trained = c360(
        "identity", "train", "--config", "c360.yaml", "--version", "people-1", cwd=folder
    )
    assert trained.returncode == 0, trained.stderr
    assert "sampled 303 person records of people" in trained.stdout
    assert "wrote" in trained.stdout and "(version people-1)" in trained.stdout
    text = (folder / "model.yaml").read_text("utf-8")
    assert text.splitlines()[1:3] == ["format: c360-identity-model/1", "version: people-1"]
    assert c360("check", "c360.yaml", cwd=folder).returncode == 0


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            ("format: c360-identity-model/1", "format: c360-identity-model/0"),
            "model.yaml:2: format: is 'c360-identity-model/0'",
        ),
        (("  postcode:\n", "  zipcode:\n"), "comparisons: lacks 'postcode'"),
        (("{m: ", "{m: -"), "must be a probability"),
        (("prior:", "prior: [\n"), "not valid YAML"),
    ],
)
def test_a_bad_model_file_is_refused_with_its_line(
    folder: Path, edit: tuple[str, str], expected: str
) -> None:
    assert c360("identity", "train", "--config", "c360.yaml", cwd=folder).returncode == 0
    path = folder / "model.yaml"
    path.write_text(path.read_text("utf-8").replace(*edit, 1), encoding="utf-8")
    checked = c360("check", "c360.yaml", cwd=folder)
    assert checked.returncode == 1 and expected in checked.stderr
    assert "model.yaml:" in checked.stderr


def test_a_failing_source_trains_nothing(folder: Path) -> None:
    (folder / "people.csv").unlink()
    trained = c360("identity", "train", "--config", "c360.yaml", cwd=folder)
    assert trained.returncode == 1
    assert "problem: people failed" in trained.stdout
    assert "nothing written" in trained.stderr and not (folder / "model.yaml").exists()


def test_an_empty_source_trains_nothing(folder: Path) -> None:
    (folder / "people.csv").write_text(PEOPLE[0] + "\n", encoding="utf-8")
    trained = c360("identity", "train", "--config", "c360.yaml", cwd=folder)
    # an export cut to its header is a source that cannot be read: reported, nothing trained
    assert trained.returncode == 1 and "people: people.csv holds no records" in trained.stdout
    assert not (folder / "model.yaml").exists()


def test_blocking_rules_and_identifiers_are_checked(folder: Path) -> None:
    config = CONFIG.replace("by: [postcode]", "by: [email]").replace(
        "[family_name, birth_year]", "[family_name, star_sign]"
    )
    config = config.replace("identity:\n", "identity:\n  identifiers: {soc_sec_id: {}}\n")
    (folder / "c360.yaml").write_text(config, encoding="utf-8")
    checked = c360("check", "c360.yaml", cwd=folder)
    assert "identity.identifiers.soc_sec_id: 'soc_sec_id' is not a person field" in checked.stderr
    assert "blocking.0.by.0: people cannot look up a person by 'email'" in checked.stderr
    assert "blocking.1.by.1: 'star_sign' is neither a person field nor a key" in checked.stderr


def test_eval_identity_measures_labelled_pairs_and_explains_errors(folder: Path) -> None:
    truth = folder / "truth.jsonl"
    pairs = [("P1", "D1"), ("P2", "D2"), ("P2", "D3"), ("P4", "P5")]  # the last is wrong
    truth.write_text(
        "".join(json.dumps({"a": f"people:{a}", "b": f"people:{b}"}) + "\n" for a, b in pairs),
        encoding="utf-8",
    )
    assert c360("identity", "train", "--config", "c360.yaml", cwd=folder).returncode == 0
    result = c360(
        "eval-identity",
        "--config",
        "c360.yaml",
        "--truth",
        "truth.jsonl",
        "--out",
        "out",
        cwd=folder,
    )
    assert result.returncode == 0, result.stderr
    assert "records resolved: 7 (found nothing: 0)" in result.stdout
    assert "pairwise precision: 1.0000 (4/4)" in result.stdout
    assert "pairwise recall: 0.8000 (4/5)" in result.stdout
    [miss] = [
        json.loads(line) for line in (folder / "out" / "misses.jsonl").read_text().splitlines()
    ]
    assert (miss["a"], miss["b"]) == ("people:P4", "people:P5")
    assert miss["model"].startswith("prior ") and "given_name else" in miss["model"]
    assert (folder / "out" / "false_links.jsonl").read_text("utf-8") == ""


def test_eval_identity_reads_csv_clusters_and_reports_bad_lines(folder: Path) -> None:
    (folder / "truth.csv").write_text("source,key,cluster\npeople,P1,a\npeople,D1,a\n")
    (folder / "bad.jsonl").write_text('{"a": "people:P1", "b": "P2"}\n')
    assert c360("identity", "train", "--config", "c360.yaml", cwd=folder).returncode == 0
    good = c360("eval-identity", "--config", "c360.yaml", "--truth", "truth.csv", cwd=folder)
    assert "pairwise F1: 1.0000" in good.stdout
    bad = c360("eval-identity", "--config", "c360.yaml", "--truth", "bad.jsonl", cwd=folder)
    assert bad.returncode == 1 and "bad.jsonl:1: 'P2' is not <source>:<key>" in bad.stderr
