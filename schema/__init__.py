"""The canonical customer-360 GraphQL schema (``schema.build.build_schema``)."""
