"""``kind: soap`` — a SOAP 1.1 / XML service, over the shared HTTP transport.

Requests are envelopes built from the config (every value XML-escaped); answers are parsed
with defusedxml, which refuses DTDs and entity expansion (no "billion laughs"), and within a
size cap. A SOAP fault becomes ``SOURCE_BAD_RESPONSE`` with the fault string::

    service_desk:
      kind: soap
      url: http://127.0.0.1:9102/soap
      namespace: urn:example:servicedesk
      entities:
        person:
          operations:
            key:   {operation: GetContacts, parameter: ContactId, batch: true,
                    items: Contacts/Contact}
            email: {operation: FindContactsByEmail, parameter: Email, items: Contacts/Contact}
          fields: {key: ContactId, email: Email, given_name: Name/First, city: Address/@city}

Field and item paths are element paths, namespace prefixes left out; ``@name`` reads an
attribute. A ``batch`` operation repeats its parameter element once per value and pairs the
records of its answer with the asked values through the canonical field ``match`` (``key`` by
default).

``write:`` (see :mod:`connectors.writing`) calls an update operation with the record's key and
the changed fields as elements shaped by the field mapping (``Name/First`` nests), and the
version read in the ``expected`` element; a fault whose code ends in ``Conflict`` is a
conflict, any other ``Client`` fault a refusal with the service's fault string::

          write: {operation: UpdateContact, fields: [email, phone], version: updated_at,
                  expected: ExpectedModified}
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Self
from xml.etree.ElementTree import Element, ParseError
from xml.sax.saxutils import escape

import defusedxml
import defusedxml.ElementTree as SafeET
from pydantic import BaseModel, ConfigDict, Field, field_validator

from connectors._http import HttpConnector
from connectors._mapping import build_record
from connectors.base import EntitySpec, SourceHealth
from connectors.errors import (
    SourceBadResponse,
    SourceError,
    WriteConflict,
    WriteRejected,
    snippet,
)
from connectors.options import (
    EntityConfig,
    HttpSourceConfig,
    Identifier,
    Problem,
    SourceConfig,
    http_url,
)
from connectors.writing import Change, WriteSpec, nested, source_value, write_problems
from model.records import Record

__all__ = [
    "SoapConfig",
    "SoapConnector",
    "SoapEntityConfig",
    "SoapOperation",
    "SoapWrite",
    "envelope",
]

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"


class SoapOperation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    operation: str = Field(pattern=r"^[A-Za-z_][\w.-]*$")
    parameter: str = Field(pattern=r"^[A-Za-z_][\w.-]*$")
    items: str = Field(min_length=1)
    action: str | None = None
    batch: bool = False
    match: Identifier = "key"


class SoapWrite(WriteSpec):
    operation: str = Field(pattern=r"^[A-Za-z_][\w.-]*$")
    action: str | None = None
    expected: str | None = Field(default=None, pattern=r"^[A-Za-z_][\w.-]*$")


class SoapEntityConfig(EntityConfig):
    operations: dict[Identifier, SoapOperation] = Field(min_length=1)
    write: SoapWrite | None = None

    def lookups(self) -> frozenset[str]:
        return frozenset(self.operations) - {"key"}


class SoapConfig(HttpSourceConfig):
    url: str
    namespace: str = Field(min_length=1)
    entities: dict[Identifier, SoapEntityConfig] = Field(min_length=1)  # type: ignore[assignment]

    _url = field_validator("url")(http_url)

    def problems(self) -> Iterator[Problem]:
        for name, entity in self.entities.items():
            if "key" not in entity.operations:
                yield ("entities", name, "operations"), "needs a `key` operation"
            for by, op in entity.operations.items():
                if op.match not in entity.fields:
                    yield (
                        ("entities", name, "operations", by, "match"),
                        f"{op.match!r} is not one of this entity's fields",
                    )
            write = entity.write
            if write is not None:
                for sub, message in write_problems(name, entity.fields, write):
                    yield ("entities", name, "write", *sub), message
                if write.version is not None and write.expected is None:
                    yield (
                        ("entities", name, "write", "expected"),
                        "a version needs `expected`: the element that carries it",
                    )


def envelope(namespace: str, operation: str, parameter: str, values: Sequence[str]) -> bytes:
    """A SOAP 1.1 request envelope; values are escaped, so they can never add elements."""
    params = "".join(
        f"<tns:{parameter}>{escape(_xml_safe(value))}</tns:{parameter}>" for value in values
    )
    return _wrapped(namespace, operation, params)


def _elements(document: Mapping[str, Any]) -> str:
    """A nested document as elements; element names come from the config, text is escaped."""
    return "".join(
        f"<tns:{name}>"
        + (_elements(value) if isinstance(value, Mapping) else escape(_xml_safe(str(value))))
        + f"</tns:{name}>"
        for name, value in document.items()
        if value is not None
    )


def _wrapped(namespace: str, operation: str, params: str) -> bytes:
    quoted = escape(namespace, {'"': "&quot;"})
    return (
        f'<?xml version="1.0" encoding="utf-8"?>'
        f'<soap:Envelope xmlns:soap="{SOAP_ENV}" xmlns:tns="{quoted}">'
        f"<soap:Body><tns:{operation}>{params}</tns:{operation}></soap:Body></soap:Envelope>"
    ).encode()


def _xml_safe(value: str) -> str:
    """XML 1.0 cannot carry most control characters, even escaped: they become U+FFFD."""
    return "".join(
        ch if ch in "\t\n\r" or (ord(ch) >= 0x20 and ord(ch) not in (0xFFFE, 0xFFFF)) else "\ufffd"
        for ch in value
    )


class SoapConnector(HttpConnector):
    """Reads a SOAP 1.1 service through an injected HTTP transport."""

    config_model = SoapConfig
    config: SoapConfig

    @classmethod
    def from_config(cls, name: str, config: SourceConfig, *, base_dir: Path) -> Self:
        assert isinstance(config, SoapConfig)
        client = cls.build_client(config, "")
        return cls(name, config, client)

    async def health(self) -> SourceHealth:
        try:
            answer = await self.http.call("GET", self.config.url, params={"wsdl": ""})
        except SourceError as exc:
            return SourceHealth(ok=False, detail=exc.detail)
        return SourceHealth(ok=answer.status < 500, detail=f"HTTP {answer.status}")

    async def fetch(
        self, entity: str, by: str, values: Sequence[str]
    ) -> Mapping[str, list[Record]]:
        spec = self.spec(entity, by)
        op = self.config.entities[entity].operations[by]
        wanted = list(dict.fromkeys(values))
        if not op.batch:
            found = await asyncio.gather(*(self._call(spec, op, [v]) for v in wanted))
            return dict(zip(wanted, found, strict=True))
        size = self.config.batch_size
        chunks = [wanted[i : i + size] for i in range(0, len(wanted), size)]
        answers = await asyncio.gather(*(self._call(spec, op, chunk) for chunk in chunks))
        result: dict[str, list[Record]] = {value: [] for value in wanted}
        for records in answers:
            for record in records:
                paired = record.key if op.match == "key" else record.data.get(op.match)
                if paired is not None and str(paired) in result:
                    result[str(paired)].append(record)
        return result

    async def write(self, entity: str, change: Change) -> None:
        cfg = self.config.entities[entity]
        spec = cfg.write
        if spec is None:
            await super().write(entity, change)
            return
        paths = {cfg.fields["key"]: change.key}
        paths |= {
            cfg.fields[name].replace("/", "."): source_value(name, value, spec.format.get(name))
            for name, value in change.values.items()
            if name in spec.fields
        }
        if spec.expected is not None and change.expected is not None:
            paths[spec.expected] = change.expected
        body = _wrapped(self.config.namespace, spec.operation, _elements(nested(paths)))
        try:
            await self._exchange(spec.operation, spec.action, body)
        except _Fault as fault:
            if fault.code.endswith("Conflict"):
                raise WriteConflict(self.name, fault.reason, status=fault.status) from None
            if fault.code.split(":")[-1].startswith("Client"):
                raise WriteRejected(self.name, fault.reason, status=fault.status) from None
            raise fault.error(self.name, spec.operation) from None

    async def _call(self, spec: EntitySpec, op: SoapOperation, values: list[str]) -> list[Record]:
        body = envelope(self.config.namespace, op.operation, op.parameter, values)
        try:
            body_element = await self._exchange(op.operation, op.action, body)
        except _Fault as fault:
            raise fault.error(self.name, op.operation) from None
        response = next(iter(body_element), None)
        rows = response.findall(op.items) if response is not None else []
        records = (build_record(self.name, spec, row, element_value) for row in rows)
        return [record for record in records if record is not None]

    async def _exchange(self, operation: str, action: str | None, body: bytes) -> Element:
        """Post one envelope; the answer's Body element, or :class:`_Fault`."""
        action = action or f"{self.config.namespace}/{operation}"
        answer = await self.http.call(
            "POST",
            self.config.url,
            content=body,
            headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{action}"'},
        )
        where = f"{operation}: HTTP {answer.status}"
        try:
            root = self._parse(answer.body, where)
        except SourceBadResponse:
            if 200 <= answer.status < 300:
                raise
            message = f"{where}: {snippet(answer.text)}"
            raise SourceBadResponse(self.name, message, status=answer.status) from None
        body_element = root.find("Body") if root.tag == "Envelope" else None
        if body_element is None:
            raise SourceBadResponse(
                self.name, f"{where}: not a SOAP envelope: {snippet(answer.text)}"
            )
        fault = body_element.find("Fault")
        if fault is not None:
            code = (fault.findtext("faultcode") or "").strip()
            reason = (fault.findtext("faultstring") or "no faultstring").strip()
            raise _Fault(code, reason, answer.status)
        if not 200 <= answer.status < 300:
            raise SourceBadResponse(
                self.name, f"{where}: {snippet(answer.text)}", status=answer.status
            )
        return body_element

    def _parse(self, body: bytes, where: str) -> Element:
        try:
            root = SafeET.fromstring(body, forbid_dtd=True)
        except defusedxml.DefusedXmlException as exc:
            raise SourceBadResponse(self.name, f"{where}: unsafe XML refused ({exc})") from exc
        except ParseError as exc:
            raise SourceBadResponse(
                self.name,
                f"{where}: malformed XML ({exc}): {snippet(body.decode('utf-8', 'replace'))}",
            ) from exc
        for element in root.iter():
            element.tag = _local(element.tag)
            if element.attrib:
                element.attrib = {_local(k): v for k, v in element.attrib.items()}
        return root


class _Fault(Exception):
    """A SOAP fault, before it is told apart as a refusal, a conflict or a failure."""

    def __init__(self, code: str, reason: str, status: int) -> None:
        self.code, self.reason, self.status = code, reason, status

    def error(self, source: str, operation: str) -> SourceBadResponse:
        message = f"{operation}: SOAP fault {self.code}: {snippet(self.reason)}"
        return SourceBadResponse(source, message, status=self.status)


def _local(name: Any) -> str:
    return str(name).rsplit("}", 1)[-1]


def element_value(element: Element, path: str) -> str | None:
    """The text at an element path (``Name/First``) or an attribute (``Address/@city``)."""
    target, _, attribute = path.partition("@")
    target = target.rstrip("/")
    found = element.find(target) if target else element
    if found is None:
        return None
    return found.get(attribute) if attribute else found.text
