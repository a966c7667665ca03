"""Query limits (a strawberry extension), always on: tokens before parsing, then depth,
aliases, repeated fields and cost before validation, so that no document makes the gateway
work long before it is refused.

The limits are ``security.limits`` (defaults even when security is off), lowered by the
caller's role where its own are lower. Cost: a field costs 1, and a field that pages
(``first``/``last``) multiplies what it selects by its page size: the literal, the variable's
value, else the argument's default in the schema; an explicit ``null`` or a page argument
without a default counts the largest page. Repeats: the same response name asked more than
``repeats`` times in one selection (fragments included) is refused, since checking that
those fields can merge grows with the square of their number.
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    NullValueNode,
    OperationDefinitionNode,
    SchemaMetaFieldDef,
    SelectionSetNode,
    TypeMetaFieldDef,
    VariableNode,
    get_named_type,
)
from graphql.language import Lexer, Source, TokenKind
from graphql.pyutils import Undefined
from strawberry.extensions import SchemaExtension

from gateway.security.context import security_context
from gateway.security.refusal import refuse_operation
from gateway.security.settings import QueryLimits

__all__ = ["Measure", "QueryLimiter", "count_tokens", "measure"]

PAGE_ARGUMENTS = ("first", "last")
MAX_VISITS = 100_000  # field nodes walked, fragments expanded: a fragment bomb stops here
BEYOND = 10**12  # the cost of a document too large to walk
CACHED_TEXT = 20_000  # longer query texts are measured each time, never kept


class _Exhausted(Exception):
    pass


class QueryLimiter(SchemaExtension):
    """``largest_page``: what a page argument given as ``null`` (or without a default) means."""

    def __init__(self, largest_page: int = 100) -> None:
        self.largest_page = largest_page

    def _limits(self) -> QueryLimits:
        context = security_context(self.execution_context.context)
        policy = context.policy
        limits: QueryLimits = context.settings.security.limits
        return limits.tightened(policy.limits if policy is not None else None)

    def on_parse(self) -> Iterator[None]:
        query = self.execution_context.query
        if query is not None and self.execution_context.graphql_document is None:
            limit = self._limits().tokens
            counted = (
                _tokens(query, limit + 1)
                if len(query) <= CACHED_TEXT
                else count_tokens(query, limit + 1)
            )
            if counted > limit:
                self._refuse("QUERY_TOO_LARGE", f"the query has more than {limit} tokens")
            self.execution_context.parse_options["max_tokens"] = limit + 1
        yield

    def on_validate(self) -> Iterator[None]:
        document = self.execution_context.graphql_document
        if document is not None:
            limits = self._limits()
            found = self._measure(document)
            checks = (
                ("QUERY_TOO_DEEP", found.depth, limits.depth, "levels deep"),
                ("TOO_MANY_ALIASES", found.aliases, limits.aliases, "aliases"),
                (
                    "TOO_MANY_REPEATS",
                    found.repeats,
                    limits.repeats,
                    "times one field in a selection",
                ),
                ("QUERY_TOO_COSTLY", found.cost, limits.cost, "of estimated cost"),
            )
            for code, value, limit, what in checks:
                if value > limit:
                    self._refuse(code, f"the query has {value} {what}; at most {limit}")
        yield

    def _measure(self, document: Any) -> Measure:
        schema = self.execution_context.schema._schema
        variables = self.execution_context.variables or {}
        query = self.execution_context.query
        key = json.dumps(variables, sort_keys=True, default=str) if query else ""
        if query is None or len(query) > CACHED_TEXT or len(key) > 1000:
            return measure(schema, document.definitions, variables, self.largest_page)
        return _measured(schema, query, key, document, self.largest_page)

    def _refuse(self, code: str, message: str) -> None:
        refuse_operation(self.execution_context.context, code, message)


def count_tokens(query: str, stop: int) -> int:
    """Lexical tokens of ``query``, counted up to ``stop`` (a syntax error ends the count:
    the parser reports it)."""
    lexer = Lexer(Source(query))
    count = 0
    try:
        while count < stop and lexer.advance().kind != TokenKind.EOF:
            count += 1
    except GraphQLError:
        return count
    return count


@functools.lru_cache(maxsize=1024)
def _tokens(query: str, stop: int) -> int:
    return count_tokens(query, stop)


_MEASURED: dict[tuple[int, str, str], Measure] = {}


def _measured(
    schema: GraphQLSchema, query: str, variables: str, document: Any, largest_page: int
) -> Measure:
    """One measure per query text and variables: the same document asked again costs a
    dictionary look-up (bounded like the parser's cache)."""
    key = (id(schema), query, variables)
    found = _MEASURED.get(key)
    if found is None:
        if len(_MEASURED) >= 1024:
            _MEASURED.clear()
        found = _MEASURED[key] = measure(
            schema, document.definitions, json.loads(variables), largest_page
        )
    return found


class Measure:
    __slots__ = ("aliases", "cost", "depth", "repeats")

    def __init__(self) -> None:
        self.depth = self.aliases = self.cost = self.repeats = 0


def measure(
    schema: GraphQLSchema,
    definitions: Any,
    variables: Mapping[str, Any],
    largest_page: int,
) -> Measure:
    """Depth, aliases, repeats and cost of every operation of a parsed (not yet validated)
    document: the largest of each."""
    fragments = {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
    found = Measure()
    for operation in definitions:
        if not isinstance(operation, OperationDefinitionNode):
            continue
        root = schema.get_root_type(operation.operation)
        defaults = {
            d.variable.name.value: d.default_value for d in operation.variable_definitions or ()
        }
        walk = _Walk(schema, fragments, variables, defaults, largest_page)
        try:
            cost = walk.selection(operation.selection_set, root, 1)
        except _Exhausted:
            cost = BEYOND
        found.depth = max(found.depth, walk.depth)
        found.aliases = max(found.aliases, walk.aliases)
        found.repeats = max(found.repeats, walk.repeats)
        found.cost = max(found.cost, cost)
    return found


class _Walk:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        defaults: dict[str, Any],
        largest_page: int,
    ) -> None:
        self.schema, self.fragments = schema, fragments
        self.variables, self.defaults, self.largest_page = variables, defaults, largest_page
        self.depth = self.aliases = self.repeats = self.visits = 0

    def selection(
        self, selection_set: SelectionSetNode, parent: GraphQLNamedType | None, depth: int
    ) -> int:
        """The cost of one selection set; records depth, aliases and repeats on the way."""
        self.depth = max(self.depth, depth)
        fields = list(self._fields(selection_set, parent, frozenset()))
        names = Counter((f.alias or f.name).value for f, _ in fields)
        self.repeats = max(self.repeats, max(names.values(), default=0))
        cost = 0
        for node, owner in fields:
            self.aliases += node.alias is not None
            definition = _field(self.schema, owner, node.name.value)
            child = get_named_type(definition.type) if definition is not None else None
            inner = (
                self.selection(node.selection_set, child, depth + 1) if node.selection_set else 0
            )
            cost += 1 + self._page(node, definition) * inner
        return cost

    def _fields(
        self,
        selection_set: SelectionSetNode,
        parent: GraphQLNamedType | None,
        seen: frozenset[str],
    ) -> Iterator[tuple[FieldNode, GraphQLNamedType | None]]:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                self.visits += 1
                if self.visits > MAX_VISITS:
                    raise _Exhausted()
                yield selection, parent
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                owner = self.schema.get_type(condition.name.value) if condition else parent
                yield from self._fields(selection.selection_set, owner, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in seen:
                    owner = self.schema.get_type(fragment.type_condition.name.value)
                    yield from self._fields(fragment.selection_set, owner, seen | {name})

    def _page(self, node: FieldNode, definition: GraphQLField | None) -> int:
        arguments = definition.args if definition is not None else {}
        given = {a.name.value: a.value for a in node.arguments or ()}
        for name in PAGE_ARGUMENTS:
            if name not in given and name not in arguments:
                continue
            value: Any = Undefined
            if name in given:
                node_value = given[name]
                if isinstance(node_value, VariableNode):
                    variable = node_value.name.value
                    value = self.variables.get(variable, Undefined)
                    default = self.defaults.get(variable)
                    if value is Undefined and default is not None:
                        value = None if isinstance(default, NullValueNode) else _int(default)
                elif isinstance(node_value, IntValueNode):
                    value = node_value.value
                else:
                    value = None
            elif arguments[name].default_value is not Undefined:
                value = arguments[name].default_value
            if value is Undefined or value is None:
                return self.largest_page
            try:
                return max(1, min(int(value), 1_000_000))
            except (TypeError, ValueError):
                return self.largest_page
        return 1


def _int(node: Any) -> Any:
    return node.value if isinstance(node, IntValueNode) else None


def _field(
    schema: GraphQLSchema, parent: GraphQLNamedType | None, name: str
) -> GraphQLField | None:
    if name == "__schema":
        return SchemaMetaFieldDef
    if name == "__type":
        return TypeMetaFieldDef
    if isinstance(parent, GraphQLObjectType) or hasattr(parent, "fields"):
        fields: dict[str, GraphQLField] = parent.fields  # type: ignore[union-attr]
        return fields.get(name)
    return None
