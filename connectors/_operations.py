"""The query templates of ``kind: graphql``: parsed once, checked, and repeated under aliases.

A template is one GraphQL query operation that declares exactly one variable, the value(s)
asked. When the variable is a list (``$keys: [ID!]!``) one call carries many values. When it
is not, the operation's one top-level field is repeated under aliases, one copy and one
variable per value::

    query ($id: ID!) { contact(id: $id) { id email } }
    # three values ->
    query ($v0: ID!, $v1: ID!, $v2: ID!) {
      v0: contact(id: $v0) { id email }  v1: contact(id: $v1) { id email }  ...
    }

Values only ever travel in ``variables``; the query text depends on their number alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    ListTypeNode,
    NameNode,
    NonNullTypeNode,
    OperationDefinitionNode,
    OperationType,
    VariableDefinitionNode,
    VariableNode,
    Visitor,
    parse,
    print_ast,
    visit,
)

__all__ = ["Operation", "TemplateError", "compile_template"]


class TemplateError(ValueError):
    """A query template that cannot be used, and why."""


@dataclass(slots=True)
class Operation:
    """One compiled template: how to ask for a chunk of values, and where the records are."""

    document: DocumentNode
    operation: OperationDefinitionNode
    variable: str
    is_list: bool
    repeated: FieldNode | None  # the top-level field repeated under aliases (not for lists)
    items: tuple[str, ...]  # path from ``data`` to the records
    text: str = ""
    _sizes: dict[int, str] = field(default_factory=dict)  # alias-mode text per value count

    def __post_init__(self) -> None:
        self.text = print_ast(self.document)

    def request(self, values: list[str]) -> tuple[str, dict[str, Any]]:
        """The query text and variables asking for ``values``."""
        if self.is_list:
            return self.text, {self.variable: values}
        return self._aliased(len(values)), {f"v{i}": v for i, v in enumerate(values)}

    def paths(self, count: int) -> list[tuple[str, ...]]:
        """Where, below ``data``, the records of each of ``count`` values sit (alias mode)."""
        return [(f"v{i}", *self.items[1:]) for i in range(count)]

    def _aliased(self, count: int) -> str:
        known = self._sizes.get(count)
        if known is not None:
            return known
        assert self.repeated is not None
        definition = (self.operation.variable_definitions or ())[0]
        variables = tuple(
            VariableDefinitionNode(
                variable=VariableNode(name=NameNode(value=f"v{i}")),
                type=definition.type,
                default_value=None,
                directives=(),
            )
            for i in range(count)
        )
        copies = tuple(_renamed(self.repeated, self.variable, f"v{i}") for i in range(count))
        operation = OperationDefinitionNode(
            operation=OperationType.QUERY,
            name=self.operation.name,
            variable_definitions=variables,
            directives=self.operation.directives,
            selection_set=type(self.operation.selection_set)(selections=copies),
        )
        others = tuple(d for d in self.document.definitions if d is not self.operation)
        text = print_ast(DocumentNode(definitions=(operation, *others)))
        if len(self._sizes) < 64:  # a few sizes per template: chunks of batch_size and the rest
            self._sizes[count] = text
        return text


class _Rename(Visitor):
    def __init__(self, old: str, new: str) -> None:
        super().__init__()
        self.old, self.new = old, new

    def enter_variable(self, node: VariableNode, *_: Any) -> VariableNode | None:
        if node.name.value == self.old:
            return VariableNode(name=NameNode(value=self.new))
        return None


def _renamed(field: FieldNode, old: str, new: str) -> FieldNode:
    copy: FieldNode = visit(field, _Rename(old, new))
    return FieldNode(
        alias=NameNode(value=new),
        name=copy.name,
        arguments=copy.arguments,
        directives=copy.directives,
        selection_set=copy.selection_set,
    )


def compile_template(query: str, items: str | None = None) -> Operation:
    """Parse and check one template; raises :class:`TemplateError` saying what is wrong."""
    try:
        document = parse(query, no_location=True)
    except GraphQLError as exc:
        raise TemplateError(f"not a GraphQL query: {exc.message}") from exc
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1 or operations[0].operation != OperationType.QUERY:
        raise TemplateError("must hold exactly one query operation")
    [operation] = operations
    declared = operation.variable_definitions or ()
    if len(declared) != 1:
        raise TemplateError("must declare exactly one variable, the value(s) asked")
    variable = declared[0].variable.name.value
    kind = declared[0].type
    inner = kind.type if isinstance(kind, NonNullTypeNode) else kind
    is_list = isinstance(inner, ListTypeNode)
    fields = [s for s in operation.selection_set.selections if isinstance(s, FieldNode)]
    if len(fields) != len(operation.selection_set.selections):
        raise TemplateError("its top level must be fields, not fragments")
    top = fields[0] if len(fields) == 1 else None
    if not is_list and top is None:
        raise TemplateError(
            f"${variable} is not a list, so its one top-level field is repeated under "
            "aliases: it must have exactly one"
        )
    if items is None:
        if top is None:
            raise TemplateError("has several top-level fields: say which holds the records")
        path: tuple[str, ...] = ((top.alias or top.name).value,)
    else:
        path = tuple(items.split("."))
        if top is not None and not is_list and path[0] != (top.alias or top.name).value:
            raise TemplateError(f"items must start at its top-level field {top.name.value!r}")
    return Operation(document, operation, variable, is_list, None if is_list else top, path)
