"""A SOAP 1.1 legacy service over collections of records: the service desk.

For each collection ``Contact`` (plural ``Contacts``, keyed by ``ContactId``) it offers, in the
namespace ``urn:c360-demo:service-desk``::

    GetContacts(ContactId*)              -> GetContactsResponse/Contacts/Contact*
    FindContactsByEmail(Email*)          -> FindContactsByEmailResponse/Contacts/Contact*
    FindCasesByContactId(ContactId*)     -> ... one Find operation per declared look-up
    UpdateContact(ContactId, fields..., ExpectedModified?)
                                         -> UpdateContactResponse/Contact, where the collection
                                            has a ``version``; fault Client.Conflict when the
                                            expected version is not the record's, Client when
                                            a value is refused

``GET /soap?wsdl`` describes them. Requests are parsed with defusedxml; anything it cannot
answer is a SOAP fault (HTTP 500).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element, ParseError
from xml.sax.saxutils import escape

import defusedxml
import defusedxml.ElementTree as SafeET
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from demo.services.edits import applied, next_stamp, problem
from demo.services.instruments import Instruments
from demo.services.normalize import NORMALIZERS

NAMESPACE = "urn:c360-demo:service-desk"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
Row = dict[str, Any]


@dataclass
class SoapCollection:
    name: str
    plural: str
    key: str
    records: list[Row]
    lookups: dict[str, str] = field(default_factory=dict)  # element -> how it is matched
    version: str | None = None  # the element holding the update time; writable when set

    def __post_init__(self) -> None:
        self.reindex()

    def reindex(self) -> None:
        self.indexes: dict[str, dict[str, list[Row]]] = {}
        for element, how in {self.key: "exact", **self.lookups}.items():
            index: dict[str, list[Row]] = {}
            for record in self.records:
                value = record.get(element)
                if value:
                    index.setdefault(NORMALIZERS[how](str(value)), []).append(record)
            self.indexes[element] = index

    def operations(self) -> dict[str, tuple[str, str]]:
        """Operation name -> (parameter element, how values are matched)."""
        ops = {f"Get{self.plural}": (self.key, "exact")}
        ops.update({f"Find{self.plural}By{el}": (el, how) for el, how in self.lookups.items()})
        return ops


def _element(name: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        inner = "".join(_element(k, v) for k, v in value.items())
        return f"<tns:{name}>{inner}</tns:{name}>"
    return f"<tns:{name}>{escape(str(value))}</tns:{name}>"


def _envelope(body: str) -> str:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{SOAP_ENV}" '
        f'xmlns:tns="{NAMESPACE}"><soap:Body>{body}</soap:Body></soap:Envelope>'
    )


def fault(code: str, reason: str) -> Response:
    body = (
        f"<soap:Fault><faultcode>soap:{code}</faultcode>"
        f"<faultstring>{escape(reason)}</faultstring></soap:Fault>"
    )
    return Response(_envelope(body), 500, media_type="text/xml; charset=utf-8")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _document(element: Element) -> Row:
    """Child elements as a nested document (``<Name><First>`` -> ``{"Name": {"First": ..}}``)."""
    found: Row = {}
    for child in element:
        name = _local(child.tag)
        found[name] = _document(child) if len(child) else (child.text or "")
    return found


def _update(collection: SoapCollection, call: Element, instruments: Instruments) -> Response:
    if instruments.write_fails():
        return fault("Server", "injected failure")
    changes = _document(call)
    key = str(changes.pop(collection.key, ""))
    expected = changes.pop(f"Expected{collection.version}", None)
    record = next(iter(collection.indexes[collection.key].get(key, [])), None)
    if record is None:
        return fault("Client", f"no {collection.name} {key!r}")
    assert collection.version is not None
    if expected is not None and expected != record.get(collection.version):
        return fault("Client.Conflict", "the record changed since you read it")
    for name, value in changes.items():
        refused = problem(name, value)
        if refused:
            return fault("Client", refused)
    applied(record, changes)
    record[collection.version] = next_stamp(record.get(collection.version))
    collection.reindex()
    instruments.written(f"Update{collection.name}")
    name = collection.name
    answer = f"<tns:Update{name}Response>{_element(name, record)}</tns:Update{name}Response>"
    return Response(_envelope(answer), media_type="text/xml; charset=utf-8")


def soap_service(collections: list[SoapCollection], instruments: Instruments) -> Starlette:
    operations: dict[str, tuple[SoapCollection, str, str]] = {}
    updates = {f"Update{c.name}": c for c in collections if c.version is not None}
    for collection in collections:
        for op, (param, how) in collection.operations().items():
            operations[op] = (collection, param, how)

    async def endpoint(request: Request) -> Response:
        if request.method == "GET":
            if "wsdl" not in request.query_params:
                return Response("ask GET /soap?wsdl or POST a SOAP envelope", 400)
            return Response(
                wsdl(sorted(operations), str(request.url.remove_query_params("wsdl"))),
                media_type="text/xml; charset=utf-8",
            )
        try:
            root: Element = SafeET.fromstring(await request.body(), forbid_dtd=True)
        except (ParseError, defusedxml.DefusedXmlException) as exc:
            return fault("Client", f"malformed request: {exc}")
        body = next((el for el in root if _local(el.tag) == "Body"), None)
        call = next(iter(body), None) if body is not None else None
        if call is None:
            return fault("Client", "no operation in the SOAP body")
        name = _local(call.tag)
        if name in updates:
            instruments.count(name, name)
            return _update(updates[name], call, instruments)
        if name not in operations:
            return fault("Client", f"unknown operation {name!r}")
        collection, param, how = operations[name]
        instruments.count(name, f"{name}:" + ",".join((el.text or "") for el in call))
        values = [NORMALIZERS[how](el.text or "") for el in call if _local(el.tag) == param]
        found: dict[int, Row] = {}
        for value in values:
            for record in collection.indexes[param].get(value, []) if value else []:
                found.setdefault(id(record), record)
        rows = "".join(_element(collection.name, r) for r in found.values())
        plural = collection.plural
        answer = f"<tns:{name}Response><tns:{plural}>{rows}</tns:{plural}></tns:{name}Response>"
        return Response(_envelope(answer), media_type="text/xml; charset=utf-8")

    routes = [*instruments.routes(), Route("/soap", endpoint, methods=["GET", "POST"])]
    return Starlette(routes=routes)


def wsdl(operations: list[str], location: str) -> str:
    messages = "".join(
        f'<wsdl:message name="{op}{part}"><wsdl:part name="parameters" '
        f'element="tns:{op}{suffix}"/></wsdl:message>'
        for op in operations
        for part, suffix in (("Request", ""), ("Response", "Response"))
    )
    port_ops = "".join(
        f'<wsdl:operation name="{op}"><wsdl:input message="tns:{op}Request"/>'
        f'<wsdl:output message="tns:{op}Response"/></wsdl:operation>'
        for op in operations
    )
    binding_ops = "".join(
        f'<wsdl:operation name="{op}"><soap:operation soapAction="{NAMESPACE}/{op}"/>'
        '<wsdl:input><soap:body use="literal"/></wsdl:input>'
        '<wsdl:output><soap:body use="literal"/></wsdl:output></wsdl:operation>'
        for op in operations
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" '
        'xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" '
        f'xmlns:tns="{NAMESPACE}" targetNamespace="{NAMESPACE}">'
        f"{messages}"
        f'<wsdl:portType name="ServiceDesk">{port_ops}</wsdl:portType>'
        '<wsdl:binding name="ServiceDeskSoap" type="tns:ServiceDesk">'
        '<soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>'
        f"{binding_ops}</wsdl:binding>"
        '<wsdl:service name="ServiceDesk"><wsdl:port name="ServiceDeskSoap" '
        f'binding="tns:ServiceDeskSoap"><soap:address location="{escape(location)}"/>'
        "</wsdl:port></wsdl:service></wsdl:definitions>"
    )
