"""Field allow / deny lists (a strawberry extension).

A document naming a field outside the caller's role is refused whole with 403, before it runs.
A field that names another by argument (``Customer.provenance(field: "birthDate")``) is held
to the same list: it answers only for a field the role could ask itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    FieldNode,
    GraphQLError,
    GraphQLResolveInfo,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    visit,
)
from strawberry.extensions import SchemaExtension

from gateway.customer_fields import camel
from gateway.security.context import security_context
from gateway.security.policy import permitted
from gateway.security.refusal import refuse_operation
from gateway.security.settings import RolePolicy

__all__ = ["FieldAccess"]

# (type, field) -> the argument naming a field of the same type
_NAMING = {("Customer", "provenance"): "field"}


class FieldAccess(SchemaExtension):
    def _policy(self) -> RolePolicy | None:
        return security_context(self.execution_context.context).policy

    def on_execute(self) -> Iterator[None]:
        policy = self._policy()
        document = self.execution_context.graphql_document
        if policy is not None and document is not None:
            denied = _denied(self.execution_context.schema._schema, document, policy)
            if denied:
                refuse_operation(
                    self.execution_context.context,
                    "FORBIDDEN",
                    f"not allowed for this role: {', '.join(denied[:10])}",
                    403,
                )
        yield

    def resolve(
        self, _next: Any, root: Any, info: GraphQLResolveInfo[Any], *args: Any, **kwargs: Any
    ) -> Any:
        argument = _NAMING.get((info.parent_type.name, info.field_name))
        policy = security_context(info.context).policy
        if argument is not None and policy is not None:
            named = kwargs.get(argument)
            if isinstance(named, str) and not permitted(
                policy, info.parent_type.name, camel(named)
            ):
                raise GraphQLError(
                    f"not allowed for this role: {info.parent_type.name}.{named[:60]}",
                    extensions={"code": "FORBIDDEN"},
                )
        return _next(root, info, *args, **kwargs)


def _denied(schema: Any, document: Any, policy: RolePolicy) -> list[str]:
    denied: set[str] = set()
    type_info = TypeInfo(schema)

    class Fields(Visitor):
        def enter_field(self, node: FieldNode, *_: Any) -> None:
            parent = type_info.get_parent_type()
            name = node.name.value
            if parent is None or name.startswith("__"):
                return
            if not permitted(policy, parent.name, name):
                denied.add(f"{parent.name}.{name}")

    visit(document, TypeInfoVisitor(type_info, Fields()))
    return sorted(denied)
