"""Compiled operation plans: a query document compiled once into the calls that answer it.

A plan walks the operation's selections once, at compile time, and keeps for each field how
its value is read (the resolver the schema declares, or the attribute) and how it is written
(a scalar's serialisation, an object's fields, a list). Running it calls the same resolvers
and builds the answer's ``data`` directly, without graphql-core's per-field machinery; the
answer is byte for byte the general executor's (the test suite checks it on every request
it sends, see ``tests/support/plan_check.py``).

What a plan does not cover it declines, and the general executor answers: at compile time a
document with directives (but the operation's own ``@provenance``, whose entries a plan notes
as the general executor's extension does), fragments on abstract types, introspection fields
(but ``__typename``), field extensions or a resolver that needs ``info`` (unless the schema
gives a planned root for it);
at run time (:class:`Unplanned`) any error, a null where the schema forbids one, a source that
failed, and every request with a role policy or an audit log.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    InlineFragmentNode,
    Node,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    get_argument_values,
    get_named_type,
    get_variable_values,
    visit,
)
from graphql.language import Visitor
from graphql.pyutils import Undefined
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.arguments import convert_arguments
from strawberry.types.nodes import Selection, convert_selections

from gateway.plan_arguments import arguments_converter
from gateway.provenance import Provenance
from gateway.provenance_extension import PROVENANCE, in_answer_order, note

if TYPE_CHECKING:
    import strawberry

    from gateway.context import GatewayContext

__all__ = ["Plan", "PlannedAnswer", "PlannedRoot", "Unplanned", "compile_plan"]

# a root field whose resolver needs ``info``, given its selections once: (context, arguments)
PlannedRoot = Callable[
    [list[Selection]], Callable[["GatewayContext", dict[str, Any]], Awaitable[Any]]
]


class Unplanned(Exception):
    """This request is the general executor's to answer (an error, a failed source...)."""


def _definition(field: GraphQLField) -> Any:
    return (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)


@dataclass(slots=True)
class _Run:
    """One request's run of a plan."""

    context: GatewayContext
    variables: Any  # the coerced variables, as graphql-core's argument values read them
    entries: dict[str, Provenance] | None = None  # by response path, under ``@provenance``

    def note(self, path: str, parent: Any, field: _Field) -> None:
        """A leaf's provenance, as the general executor's extension notes it."""
        assert self.entries is not None
        note(self.entries, path, parent, field.name, self.context.recording.info)


@dataclass(slots=True, frozen=True)
class PlannedAnswer:
    """A plan's answer: its ``data``, and its provenance entries where it asked for them."""

    data: dict[str, Any]
    provenance: dict[str, Provenance] | None = None

    def from_cache(self) -> PlannedAnswer:
        """The same answer as a request gets it whose records all came from cache."""
        if self.provenance is None:
            return self
        return PlannedAnswer(
            self.data,
            {
                path: entry if entry.cache is None else dataclasses.replace(entry, cache="hit")
                for path, entry in self.provenance.items()
            },
        )


@dataclass(slots=True)
class _Field:
    key: str  # the response key
    read: Callable[[Any, _Run], Any]  # (parent, run) -> value or awaitable
    # (value, run, path) -> the written value, or an awaitable of it; ``path``, the field's
    # response path, is given only under ``@provenance`` (else None)
    write: Callable[[Any, _Run, str | None], Any]
    is_async: bool
    name: str = ""  # the schema's name of the field
    leaf: bool = False  # a scalar or an enum, whose provenance ``@provenance`` notes


class Plan:
    """One operation of one document, compiled."""

    def __init__(
        self,
        operation: OperationDefinitionNode,
        fields: list[_Field],
        first_name: str | None,
        traced: bool = False,
        keepable: bool = True,
    ) -> None:
        self.operation = operation
        self.fields = fields
        self._first_name = first_name
        self.traced = traced  # the operation asks for ``@provenance``
        # an answer that a maxAge argument bounds is never kept whole (gateway.answers)
        self.keepable = keepable

    def operation_name(self, provided: str | None) -> str | None:
        """The request's operation name as strawberry reports it (metrics, spans)."""
        return provided if provided is not None else self._first_name

    async def answer(self, schema: Any, context: GatewayContext, variables: Any) -> PlannedAnswer:
        """The answer's ``data`` and provenance; raises :class:`Unplanned` for anything the
        plan declines."""
        if context.policy is not None or context.audit is not None:
            raise Unplanned("a role policy or an audit log applies")
        coerced = get_variable_values(
            schema, self.operation.variable_definitions or (), variables or {}
        )
        if isinstance(coerced, list):
            raise Unplanned("variables")
        run = _Run(context, coerced, {} if self.traced else None)
        try:
            data = await _object(self.fields, None, run, "" if self.traced else None)
        except Unplanned:
            raise
        except Exception as exc:
            raise Unplanned(type(exc).__name__) from exc
        if context.recording.failed:
            raise Unplanned("a source failed")
        if run.entries is None:
            return PlannedAnswer(data)
        return PlannedAnswer(data, in_answer_order(run.entries, data))


def _at(path: str | None, key: str) -> str | None:
    """A response path one step down; None stays None (no ``@provenance``)."""
    if path is None:
        return None
    return f"{path}.{key}" if path else key


async def _object(fields: list[_Field], parent: Any, run: _Run, path: str | None) -> dict[str, Any]:
    answer: dict[str, Any] = {}
    later: list[tuple[_Field, str | None, Awaitable[Any]]] = []
    for field in fields:
        at = _at(path, field.key)
        value = field.write(field.read(parent, run), run, at)
        if field.is_async:
            later.append((field, at, value))
            answer[field.key] = None  # keeps the field's place
        else:
            answer[field.key] = value
            if at is not None and field.leaf and value is not None:
                run.note(at, parent, field)
    if not later:
        return answer
    if len(later) == 1:
        done = [await later[0][2]]
    else:
        done = await asyncio.gather(*(v for _, _, v in later), return_exceptions=True)
    for (field, at, _), value in zip(later, done, strict=True):
        if isinstance(value, BaseException):
            raise value
        answer[field.key] = value
        if at is not None and field.leaf and value is not None:
            run.note(at, parent, field)
    return answer


def compile_plan(
    schema: strawberry.Schema,
    document: DocumentNode,
    operation_name: str | None,
    roots: Mapping[str, PlannedRoot],
) -> Plan | None:
    """The plan of the operation, or None where the plan compiler does not cover it."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is None:
        chosen = operations if len(operations) == 1 else []
    else:
        chosen = [o for o in operations if o.name and o.name.value == operation_name]
    if len(chosen) != 1 or chosen[0].operation != OperationType.QUERY:
        return None
    operation = chosen[0]
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    traced = [d for d in operation.directives or () if d.name.value == PROVENANCE]
    directives = _directives(operation) + sum(map(_directives, fragments.values()))
    if directives != len(traced) or any(d.arguments for d in traced):
        return None  # a directive other than the operation's own @provenance
    if _page_variables(document):
        return None  # the query limits measure those per request
    compiler = _Compiler(schema, fragments, roots)
    query_type = schema._schema.query_type
    if query_type is None:
        return None
    try:
        fields = compiler.fields(query_type, [operation.selection_set], root=True)
    except _NotCovered:
        return None
    first = operations[0].name
    # an answer that a maxAge argument bounds, in the operation or a fragment, is never kept
    keepable = not _names_argument(document, "maxAge")
    return Plan(
        operation, fields, first.value if first else None, traced=bool(traced), keepable=keepable
    )


class _NotCovered(Exception):
    pass


def _directives(document: Node) -> int:
    found = 0

    class Directives(Visitor):
        def enter_directive(self, *_: Any) -> None:
            nonlocal found
            found += 1

    visit(document, Directives())
    return found


def _names_argument(document: DocumentNode, name: str) -> bool:
    found = False

    class Arguments(Visitor):
        def enter_argument(self, node: Any, *_: Any) -> None:
            nonlocal found
            found = found or node.name.value == name

    visit(document, Arguments())
    return found


def _has_variable(node: FieldNode) -> bool:
    found = False

    class Variables(Visitor):
        def enter_variable(self, *_: Any) -> None:
            nonlocal found
            found = True

    for argument in node.arguments or ():
        visit(argument, Variables())
    return found


def _page_variables(document: DocumentNode) -> bool:
    """Whether a variable sets a page size (the query limits measure those per request)."""
    found = False

    class Pages(Visitor):
        def enter_argument(self, node: Any, *_: Any) -> None:
            nonlocal found
            if node.name.value in ("first", "last") and isinstance(node.value, VariableNode):
                found = True

    visit(document, Pages())
    return found


class _Compiler:
    def __init__(
        self,
        schema: strawberry.Schema,
        fragments: dict[str, FragmentDefinitionNode],
        roots: Mapping[str, PlannedRoot],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.roots = roots

    def _collect(
        self,
        parent: GraphQLObjectType,
        sets: list[SelectionSetNode],
        into: dict[str, list[FieldNode]],
    ) -> None:
        for selection_set in sets:
            for node in selection_set.selections:
                if isinstance(node, FieldNode):
                    key = node.alias.value if node.alias else node.name.value
                    into.setdefault(key, []).append(node)
                    continue
                if isinstance(node, InlineFragmentNode):
                    condition, inner = node.type_condition, node.selection_set
                elif isinstance(node, FragmentSpreadNode):
                    fragment = self.fragments[node.name.value]
                    condition, inner = fragment.type_condition, fragment.selection_set
                else:
                    raise _NotCovered(node)
                if condition is not None and condition.name.value != parent.name:
                    raise _NotCovered("a fragment on another type")
                self._collect(parent, [inner], into)

    def fields(
        self, parent: GraphQLObjectType, sets: list[SelectionSetNode], *, root: bool = False
    ) -> list[_Field]:
        grouped: dict[str, list[FieldNode]] = {}
        self._collect(parent, sets, grouped)
        return [self._field(parent, key, nodes, root) for key, nodes in grouped.items()]

    def _field(
        self, parent: GraphQLObjectType, key: str, nodes: list[FieldNode], root: bool
    ) -> _Field:
        node = nodes[0]
        name = node.name.value
        if name == "__typename":  # the object type's own name: parents are never abstract
            type_name = parent.name
            return _Field(
                key, lambda parent, run: type_name, lambda value, run, path: value, False, name
            )
        definition = parent.fields.get(name) if not name.startswith("__") else None
        declared = _definition(definition) if definition is not None else None
        if definition is None or declared is None or declared.extensions:
            raise _NotCovered(name)
        subsets = [n.selection_set for n in nodes if n.selection_set]
        write, deep_async = self._writer(definition.type, subsets)
        resolver = declared.base_resolver
        planned = self.roots.get(name) if root else None
        if planned is not None:
            # the selections as strawberry's Info gives them; names only, never variables
            shape: Any = SimpleNamespace(fragments=self.fragments, variable_values={})
            selected = convert_selections(shape, nodes)
            read = self._root_reader(definition, node, planned(selected))
            is_async = True
        elif resolver is None:
            python_name = declared.python_name
            read = lambda parent, run: getattr(parent, python_name)  # noqa: E731
            is_async = False
        elif resolver.info_parameter is not None or resolver.parent_parameter is not None:
            raise _NotCovered(f"{parent.name}.{name} needs info")
        else:
            read = self._resolver_reader(definition, node, declared)
            is_async = resolver.is_async
        leaf = isinstance(get_named_type(definition.type), GraphQLScalarType | GraphQLEnumType)
        if is_async or deep_async:
            inner = write

            async def write_later(value: Any, run: _Run, path: str | None) -> Any:
                found = await value if is_async else value
                done = inner(found, run, path)
                return await done if deep_async else done

            return _Field(key, read, write_later, True, name, leaf)
        return _Field(key, read, write, False, name, leaf)

    def _resolver_reader(
        self, definition: GraphQLField, node: FieldNode, declared: Any
    ) -> Callable[[Any, _Run], Any]:
        arguments = self._arguments(definition, node, declared)

        def read(parent: Any, run: _Run) -> Any:
            args, kwargs = arguments(parent, run)
            return declared.get_result(parent, None, args, kwargs)

        return read

    def _root_reader(
        self,
        definition: GraphQLField,
        node: FieldNode,
        resolve: Callable[[GatewayContext, dict[str, Any]], Awaitable[Any]],
    ) -> Callable[[Any, _Run], Any]:
        arguments = self._arguments(definition, node, _definition(definition))

        def read(parent: Any, run: _Run) -> Any:
            _, kwargs = arguments(parent, run)
            return resolve(run.context, kwargs)

        return read

    def _arguments(
        self, definition: GraphQLField, node: FieldNode, declared: Any
    ) -> Callable[[Any, _Run], tuple[list[Any], dict[str, Any]]]:
        """The resolver's arguments as strawberry gives them (input types built, Python
        names), from the field's arguments and the request's variables; converted once when
        no variable is among them."""
        config, registry = self.schema.config, self.schema.schema_converter.scalar_registry
        resolver = declared.base_resolver
        takes_self = resolver is not None and resolver.self_parameter is not None
        root = resolver.root_parameter.name if resolver and resolver.root_parameter else None

        compiled = arguments_converter(declared.arguments, registry, config)

        def converted(variables: Any) -> dict[str, Any]:
            raw = get_argument_values(definition, node, variables) if definition.args else {}
            if compiled is not None:
                return compiled(raw)
            return convert_arguments(raw, declared.arguments, registry, config)

        fixed = None if _has_variable(node) else converted(None)

        def arguments(parent: Any, run: _Run) -> tuple[list[Any], dict[str, Any]]:
            kwargs = dict(fixed) if fixed is not None else converted(run.variables)
            if root is not None:
                kwargs[root] = parent
            return ([parent] if takes_self else []), kwargs

        return arguments

    def _writer(
        self, type_: GraphQLOutputType, subsets: list[SelectionSetNode]
    ) -> tuple[Callable[[Any, _Run, str | None], Any], bool]:
        """How a value of ``type_`` is written at a response path, and whether writing it
        awaits anything."""
        if isinstance(type_, GraphQLNonNull):
            inner, deep = self._writer(type_.of_type, subsets)
            if deep:

                async def required_later(value: Any, run: _Run, path: str | None) -> Any:
                    if value is None:
                        raise Unplanned("null where the schema forbids it")
                    return await inner(value, run, path)

                return required_later, True

            def required(value: Any, run: _Run, path: str | None) -> Any:
                if value is None:
                    raise Unplanned("null where the schema forbids it")
                return inner(value, run, path)

            return required, False
        if isinstance(type_, GraphQLList):
            item, deep = self._writer(type_.of_type, subsets)
            if deep:

                async def items_later(value: Any, run: _Run, path: str | None) -> Any:
                    if value is None:
                        return None
                    pending = [item(v, run, _at(path, str(i))) for i, v in enumerate(value)]
                    if len(pending) == 1:
                        return [await pending[0]]
                    done = await asyncio.gather(*pending, return_exceptions=True)
                    for found in done:
                        if isinstance(found, BaseException):
                            raise found
                    return done

                return items_later, True

            def items(value: Any, run: _Run, path: str | None) -> Any:
                if value is None:
                    return None
                if path is None:
                    return [item(v, run, None) for v in value]
                return [item(v, run, f"{path}.{i}") for i, v in enumerate(value)]

            return items, False
        if isinstance(type_, GraphQLScalarType | GraphQLEnumType):
            serialize = type_.serialize

            def leaf(value: Any, run: _Run, path: str | None) -> Any:
                if value is None:
                    return None
                written = serialize(value)
                if written is Undefined or written is None:
                    raise Unplanned("a value its scalar cannot write")
                return written

            return leaf, False
        if not isinstance(type_, GraphQLObjectType):
            raise _NotCovered(type_)
        fields = self.fields(type_, subsets)
        if any(f.is_async for f in fields):

            async def object_later(value: Any, run: _Run, path: str | None) -> Any:
                if value is None:
                    return None
                return await _object(fields, value, run, path)

            return object_later, True
        return (
            lambda value, run, path: (
                None if value is None else _sync_object(fields, value, run, path)
            )
        ), False


def _sync_object(fields: list[_Field], parent: Any, run: _Run, path: str | None) -> dict[str, Any]:
    if path is None:
        return {f.key: f.write(f.read(parent, run), run, None) for f in fields}
    answer: dict[str, Any] = {}
    for field in fields:
        at = f"{path}.{field.key}"
        value = answer[field.key] = field.write(field.read(parent, run), run, at)
        if field.leaf and value is not None:
            run.note(at, parent, field)
    return answer
