"""docs/security.md's examples, run: the key commands, the security block, the masks, the
audit line."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

from gateway.config import load_settings
from gateway.security.policy import mask
from tests.gateway.test_cli import KEYED, c360
from tests.gateway.test_security import ask, new_key, secured
from tests.support.demo_estate import DemoEstate
from tests.support.gateway import gateway

DOC = (Path(__file__).parents[3] / "docs" / "security.md").read_text()


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC, re.DOTALL)


def test_the_key_commands_run_as_written(tmp_path: Path) -> None:
    (tmp_path / "c360.yaml").write_text(KEYED)
    [commands] = blocks("sh")
    made = None
    for line in commands.splitlines():
        words = shlex.split(line)[1:]
        if words[:2] == ["keys", "revoke"]:
            assert made is not None
            words[-1] = made.stdout.split("_")[1]  # the id of the key just made
        result = c360(*words, cwd=tmp_path)
        assert result.returncode == 0, (line, result.stderr)
        made = result if words[:2] == ["keys", "create"] else made
    assert made is not None and made.stdout.startswith("c360_")


def test_the_security_block_loads(tmp_path: Path, demo_estate: DemoEstate) -> None:
    [block] = blocks("yaml")
    text = demo_estate.settings.path.read_text() + block.replace(
        "/var/log/c360/audit.log", str(tmp_path / "audit.log")
    )
    (tmp_path / "c360.yaml").write_text(text)
    model = demo_estate.settings.path.with_name("identity-model.yaml")  # the config names it
    (tmp_path / model.name).write_bytes(model.read_bytes())
    environ = {"C360_DEMO_DATA": str(demo_estate.folder), "JWT_SECRET": "x" * 40}
    security = load_settings(tmp_path / "c360.yaml", environ=environ).security
    assert security.enabled and security.roles["dealer"].row_scope == "dealer"
    assert security.roles["dealer"].mask == {"Customer.phone": "last4", "Customer.email": "domain"}


def test_the_masks_as_the_docs_show_them() -> None:
    assert mask("last4", "+15035550101") == "********0101" and "`********0101`" in DOC
    assert mask("domain", "ann@example.com") == "***@example.com" and "`***@example.com`" in DOC


async def test_an_audit_line_has_the_documented_keys(
    demo_estate: DemoEstate, tmp_path: Path
) -> None:
    [example] = blocks("json")
    async with gateway(secured(demo_estate, tmp_path)) as client:
        headers = {"X-API-Key": await new_key(tmp_path, "agent"), "C360-Purpose": "claim 2231"}
        await ask(client, '{ customer(id: "crm:C-000001") { email name { full } } }', headers)
    line = json.loads((tmp_path / "audit.log").read_text().splitlines()[-1])
    assert set(line) == set(json.loads(example))
    assert line["fields"] == [
        "Customer.email",
        "Customer.name",
        "PersonName.full",
        "Query.customer",
    ]
