"""Config loading: every problem, each with file, line and key path."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from connectors.registry import BUILTIN_KINDS
from connectors.rest import RestConfig
from connectors.sql import SqlConfig
from gateway.config import ConfigError, Settings, load_settings

VALID = """\
sources:
  crm:
    kind: rest
    base_url: ${CRM_URL:-http://127.0.0.1:9101}
    headers: {X-Api-Key: "${CRM_KEY}"}
    timeout: 2s
    entities:
      person:
        get: /contacts/{key}
        lookup: {email: "/contacts?email={value}"}
        fields: {key: id, email: emailAddress, city: address.city}
  billing:
    kind: sql
    url: sqlite+aiosqlite:///billing.db
    timeout: 1500ms
    entities:
      order: {table: orders, by: {customer_no: account_no}, fields: {key: order_id}}
"""


def load(tmp_path: Path, text: str, **env: str) -> Settings:
    path = tmp_path / "c360.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return load_settings(path, environ=env)


def problems(tmp_path: Path, text: str, **env: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text, **env)
    return [str(p).removeprefix(str(tmp_path) + "/") for p in caught.value.problems]


def test_valid_config_is_typed(tmp_path: Path) -> None:
    settings = load(tmp_path, VALID, CRM_KEY="s3cret")
    crm, billing = settings.sources["crm"].config, settings.sources["billing"].config
    assert isinstance(crm, RestConfig) and isinstance(billing, SqlConfig)
    assert crm.base_url == "http://127.0.0.1:9101"
    assert crm.headers == {"X-Api-Key": "s3cret"}
    assert (crm.timeout, billing.timeout) == (2.0, 1.5)
    assert settings.summary() == (
        "c360.yaml: valid; 2 sources: crm (rest), billing (sql); 2 entities"
    )


def test_environment_overrides_the_default(tmp_path: Path) -> None:
    settings = load(tmp_path, VALID, CRM_KEY="k", CRM_URL="https://crm.internal")
    assert settings.sources["crm"].config.base_url == "https://crm.internal"  # type: ignore[attr-defined]


def test_three_mistakes_three_errors(tmp_path: Path) -> None:
    text = (
        VALID.replace("timeout: 2s", "timeout: 2 parsecs")
        .replace("email: emailAddress", "emial: emailAddress")
        .replace("kind: sql", "kind: sqll")
    )
    assert problems(tmp_path, text, CRM_KEY="k") == [
        "c360.yaml:6: sources.crm.timeout: '2 parsecs' is not a duration such as 2s, 500ms or 5m",
        "c360.yaml:11: sources.crm.entities.person.fields.emial: not a field of person"
        " (did you mean 'email'?)",
        "c360.yaml:13: sources.billing.kind: unknown connector kind 'sqll'"
        " (built in: csv, fixed_width, graphql, rest, soap, sql; or 'package.module:Class')",
    ]


def test_a_source_without_kind_lists_every_registered_kind(tmp_path: Path) -> None:
    text = VALID.replace("    kind: sql\n", "")
    [problem] = problems(tmp_path, text, CRM_KEY="k")
    assert problem.startswith("c360.yaml:12: sources.billing.kind: required: one of ")
    assert all(kind in problem for kind in BUILTIN_KINDS)


def test_missing_environment_variable(tmp_path: Path) -> None:
    assert problems(tmp_path, VALID) == [
        "c360.yaml:5: sources.crm.headers.X-Api-Key: environment variable CRM_KEY is not set"
    ]


def test_unknown_and_missing_keys(tmp_path: Path) -> None:
    text = VALID.replace("    base_url: ${CRM_URL:-http://127.0.0.1:9101}\n", "").replace(
        "        get: /contacts/{key}", "        gett: /contacts/{key}"
    )
    assert problems(tmp_path, text, CRM_KEY="k") == [
        "c360.yaml:2: sources.crm.base_url: required key is missing",
        "c360.yaml:8: sources.crm.entities.person.gett: unknown key (did you mean 'get'?)",
    ]


def test_semantic_problems_of_a_kind(tmp_path: Path) -> None:
    text = VALID.replace("get: /contacts/{key}", "get: /contacts/{id}")
    assert problems(tmp_path, text, CRM_KEY="k") == [
        "c360.yaml:9: sources.crm.entities.person.get: must hold {key} exactly once, and nothing else"
    ]


def test_unknown_entity_and_missing_key_mapping(tmp_path: Path) -> None:
    text = VALID.replace(
        "      order: {table: orders, by: {customer_no: account_no}, fields: {key: order_id}}",
        "      ordr: {table: orders, fields: {key: order_id}}\n"
        "      order: {table: orders, fields: {total: amount}}",
    )
    assert problems(tmp_path, text, CRM_KEY="k") == [
        "c360.yaml:17: sources.billing.entities.ordr: not an entity of the catalogue"
        " (did you mean 'order'?)",
        "c360.yaml:18: sources.billing.entities.order.fields: must map `key` to the source's"
        " record identifier",
    ]


def test_duplicate_keys_and_top_level_typos(tmp_path: Path) -> None:
    text = VALID + "server: {port: 8000}\nserver: {port: 8001}\nsoruces: {}\n"
    assert problems(tmp_path, text, CRM_KEY="k") == [
        "c360.yaml:19: server: duplicate key",
        "c360.yaml:20: soruces: unknown key (did you mean 'sources'?)",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "sources: [",
            "c360.yaml:1: not valid YAML: expected the node content, but found '<stream end>'",
        ),
        ("", "c360.yaml:1: the file is empty; it needs at least a `sources:` block"),
        ("- a\n- b\n", "c360.yaml:1: the top level must be a mapping of keys (sources:, server:)"),
        ("sources: {}\n", "c360.yaml:1: sources: must not be empty"),
    ],
)
def test_broken_files(tmp_path: Path, text: str, expected: str) -> None:
    assert problems(tmp_path, text) == [expected]


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="nope.yaml:1: cannot read"):
        load_settings(tmp_path / "nope.yaml")


def test_dollar_escape(tmp_path: Path) -> None:
    settings = load(tmp_path, VALID.replace('"${CRM_KEY}"', '"pa$$word"'))
    assert settings.sources["crm"].config.headers == {"X-Api-Key": "pa$word"}  # type: ignore[attr-defined]


LOOP = """\
sources:
  billing:
    kind: sql
    url: sqlite+aiosqlite:///billing.db
    entities:
      person:
        table: accounts
        by: {order_no: dealer}
        belongs_to: {entity: order, by: order_no, ref: dealer_ref}
        fields: {key: account_no, dealer_ref: dealer}
      order:
        table: orders
        by: {customer_no: account_no}
        belongs_to: {entity: person, by: customer_no, ref: customer_ref}
        fields: {key: order_id, customer_ref: account_no}
"""


def test_a_belongs_to_loop_is_refused(tmp_path: Path) -> None:
    assert problems(tmp_path, LOOP) == [
        "c360.yaml:9: sources.billing.entities.person.belongs_to: belongs_to makes a loop:"
        " billing.person -> billing.order -> billing.person"
    ]


def test_an_entity_of_its_own_is_a_loop_too(tmp_path: Path) -> None:
    text = LOOP.replace("entity: order, by: order_no", "entity: person, by: order_no")
    assert problems(tmp_path, text) == [
        "c360.yaml:9: sources.billing.entities.person.belongs_to: belongs_to makes a loop:"
        " billing.person -> billing.person"
    ]


@pytest.mark.parametrize("timeout", ["99999999999999999999999s", "367d", ".inf", ".nan", "1e400"])
def test_absurd_durations(tmp_path: Path, timeout: str) -> None:
    found = problems(tmp_path, VALID.replace("timeout: 2s", f"timeout: {timeout}"), CRM_KEY="k")
    assert len(found) == 1
    assert found[0].startswith("c360.yaml:6: sources.crm.timeout: ")
    assert found[0].endswith(
        ("a duration is at most 366d", "is not a duration such as 2s, 500ms or 5m")
    )


def test_a_year_is_still_a_duration(tmp_path: Path) -> None:
    settings = load(tmp_path, VALID.replace("timeout: 2s", "timeout: 366d"), CRM_KEY="k")
    assert settings.sources["crm"].config.timeout == 366 * 86400


PARSED = """\
sources:
  desk:
    kind: csv
    entities:
      person:
        file: people.csv
        fields: {key: ID, full_name: NAME, given_name: FIRST, birth_date: DOB, city: TOWN}
        parse:
          full_name: "{family}, {given}"
          birth_date: "%d/%m/%Y"
          city: "%Y"
          phone: {region: GB}
forms:
  nicknames: [ours.txt, missing.txt]
"""


def test_parse_declarations_are_checked_against_the_fields(tmp_path: Path) -> None:
    (tmp_path / "ours.txt").write_text("zebulon, zeb\nbob\n", encoding="utf-8")
    found = problems(tmp_path, PARSED)
    assert found[:3] == [
        "c360.yaml:9: sources.desk.entities.person.parse.full_name: given_name comes from"
        " full_name's pattern; do not map it as well",
        "c360.yaml:11: sources.desk.entities.person.parse.city: date formats read dates;"
        " city is not a date",
        "c360.yaml:12: sources.desk.entities.person.parse.phone: 'phone' is not one of the"
        " entity's fields",
    ]
    assert (
        found[3]
        == "c360.yaml:14: forms.nicknames.0: ours.txt:2: a group needs at least two different names"
    )
    assert found[4].startswith("c360.yaml:14: forms.nicknames.1: missing.txt:1: cannot read")


def test_nickname_files_extend_the_shipped_tables(tmp_path: Path) -> None:
    (tmp_path / "ours.txt").write_text("zebulon, zeb\n", encoding="utf-8")
    settings = load(tmp_path, VALID + "forms:\n  nicknames: [ours.txt]\n", CRM_KEY="k")
    assert settings.name_variants.equivalent("Zeb", "Zebulon")
    assert settings.name_variants.equivalent("Maggie", "Margaret")


def test_an_attribute_of_our_own_cannot_be_declared_not_personal(tmp_path: Path) -> None:
    text = "attributes:\n  membership_no: {description: Club number, personal: false}\n" + VALID
    found = problems(tmp_path, text, CRM_KEY="k")
    assert len(found) == 1, found
    assert found[0].startswith("c360.yaml:2: attributes.membership_no.personal:"), found
    assert "personal: false is not supported" in found[0]
