"""Strict validation of request bodies against the Elasticsearch OpenAPI spec (a test aid).

The spec (OpenAPI 3.0, generated from elasticsearch-specification) is turned into a Draft 2020-12
registry once per process: `allOf` chains are flattened into one object schema so that
`additionalProperties: false` can be injected into every object schema with `properties` that does
not set it (an unknown key, i.e. a typo, then fails); `oneOf` becomes `anyOf` (the spec's variants
overlap, e.g. a string is both a `Field` and a `Name`); a `discriminator` becomes if/then branches;
`nullable` admits null; the shortcut forms and open field maps the OpenAPI output drops are restored
(SHORTCUTS, OPEN_FIELDS). Free-form objects (no `properties`) stay open.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

SPEC_PATH = Path(__file__).resolve().parents[2].parent / "shared/data/elasticsearch/elasticsearch-serverless-openapi.json"
BASE = "urn:elasticsearch-spec"
SCHEMA_MAPS = ("properties", "patternProperties")
SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
SCHEMA_SINGLE = ("items", "additionalProperties", "not")
ANNOTATIONS = frozenset({"description", "externalDocs", "deprecated", "default", "examples", "example", "title"})

# Where the generated OpenAPI drops the spec's open "any field name" members: field names map to
# these schemas, as in elasticsearch-specification (`SortOptions` has `[field: Field]: FieldSort`,
# a type the OpenAPI output omits, so it is restated here from the specification's TypeScript).
OPEN_FIELDS: dict[str, str] = {
    "_types.SortOptions": "_types.FieldSort",
    "_types.query_dsl.TermsQuery": "_types.query_dsl.TermsQueryField",
}
MISSING_SCHEMAS: dict[str, Any] = {
    "_types.FieldSort": {
        "anyOf": [
            {"$ref": "#/components/schemas/_types.SortOrder"},
            {
                "type": "object",
                "properties": {
                    "missing": {"anyOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}]},
                    "mode": {"$ref": "#/components/schemas/_types.SortMode"},
                    "nested": {"$ref": "#/components/schemas/_types.NestedSortValue"},
                    "order": {"$ref": "#/components/schemas/_types.SortOrder"},
                    "unmapped_type": {"type": "string"},
                    "numeric_type": {"type": "string", "enum": ["long", "double", "date", "date_nanos"]},
                    "format": {"type": "string"},
                },
            },
        ]
    },
    "_types.query_dsl.TermsQueryField": {
        "anyOf": [
            {"type": "array", "items": {"$ref": "#/components/schemas/_types.FieldValue"}},
            {
                "type": "object",
                "properties": {
                    "index": {"type": "string"},
                    "id": {"type": "string"},
                    "path": {"type": "string"},
                    "routing": {"type": "string"},
                },
                "required": ["index", "id", "path"],
            },
        ]
    },
}

# The spec's `@shortcut_property` forms, which the OpenAPI output drops: `{"match": {"title": "x"}}`
# stands for `{"match": {"title": {"query": "x"}}}`. The value alone is accepted where its property is.
SHORTCUTS: dict[str, str] = {
    "_types.query_dsl.MatchQuery": "query",
    "_types.query_dsl.MatchPhraseQuery": "query",
    "_types.query_dsl.MatchPhrasePrefixQuery": "query",
    "_types.query_dsl.MatchBoolPrefixQuery": "query",
    "_types.query_dsl.TermQuery": "value",
    "_types.query_dsl.PrefixQuery": "value",
    "_types.query_dsl.WildcardQuery": "value",
    "_types.query_dsl.RegexpQuery": "value",
    "_types.query_dsl.FuzzyQuery": "value",
}

Schema = dict[str, Any]


class SpecError(AssertionError):
    """A request body does not conform to the spec."""


def _is_annotation_only(schema: Mapping[str, Any]) -> bool:
    return all(k in ANNOTATIONS or k.startswith("x-") for k in schema)


def _is_object(schema: Mapping[str, Any]) -> bool:
    return schema.get("type") == "object" or "properties" in schema


class _Strict:
    """Builds the strict copy of `components/schemas`."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self.source: Mapping[str, Any] = {**MISSING_SCHEMAS, **spec["components"]["schemas"]}
        self.done: dict[str, Schema | None] = {}

    def component(self, name: str) -> Schema | None:
        """The strict form of a named component (None while it is being built: a cycle)."""
        if name not in self.done:
            self.done[name] = None
            schema = self.convert(self.source[name])
            if name in OPEN_FIELDS and schema.get("additionalProperties") is False:
                schema["additionalProperties"] = {"$ref": f"{BASE}#/components/schemas/{OPEN_FIELDS[name]}"}
            if name in SHORTCUTS:
                schema = {"anyOf": [schema["properties"][SHORTCUTS[name]], schema]}
            self.done[name] = schema
        return self.done[name]

    def convert(self, node: Any) -> Any:
        if not isinstance(node, Mapping):
            return node
        out: Schema = {}
        for key, value in node.items():
            if key in ANNOTATIONS or key.startswith("x-"):
                continue
            if key == "$ref":
                out[key] = f"{BASE}{value}"
            elif key in SCHEMA_MAPS:
                out[key] = {k: self.convert(v) for k, v in value.items()}
            elif key in SCHEMA_LISTS:
                out["anyOf" if key == "oneOf" else key] = [self.convert(v) for v in value]
            elif key in SCHEMA_SINGLE and isinstance(value, Mapping):
                out[key] = self.convert(value)
            else:
                out[key] = value
        if "allOf" in out:
            out = self._merge_all_of(out)
        if _is_object(out) and "properties" in out and "additionalProperties" not in out:
            out["additionalProperties"] = False
        if "discriminator" in out:
            out = self._discriminate(out)
        if out.pop("nullable", False):
            out = {"anyOf": [{"type": "null"}, out]}
        return out

    def _resolved(self, member: Schema) -> Schema | None:
        ref = member.get("$ref")
        if ref is None:
            return member
        return self.component(ref.rsplit("/", 1)[-1])

    def _merge_all_of(self, schema: Schema) -> Schema:
        members = schema.pop("allOf")
        if not members:
            return schema
        if len(members) == 1 and not schema:
            return members[0]
        parts = [self._resolved(m) for m in members]
        if any(p is None for p in parts) or not all(_is_object(p) or not p for p in parts + [schema]):
            schema["allOf"] = members
            return schema
        merged: Schema = {"type": "object", "properties": {}}
        required: list[str] = []
        for part in [*parts, schema]:
            for key, value in part.items():
                if key == "properties":
                    merged["properties"].update(value)
                elif key == "required":
                    required += [r for r in value if r not in required]
                elif key == "additionalProperties" and value is False:
                    continue  # re-derived below from the merged properties
                elif key != "type":
                    merged[key] = value
        if required:
            merged["required"] = required
        return merged

    @staticmethod
    def _discriminate(schema: Schema) -> Schema:
        disc = schema.pop("discriminator")
        prop, mapping = disc["propertyName"], disc.get("mapping", {})
        if not mapping:
            return schema
        branches = [
            {"if": {"properties": {prop: {"const": value}}, "required": [prop]}, "then": {"$ref": f"{BASE}{ref}"}}
            for value, ref in mapping.items()
        ]
        return {"type": "object", "required": [prop], "properties": {prop: {"enum": list(mapping)}}, "allOf": branches}


@lru_cache(maxsize=1)
def load_spec(path: Path = SPEC_PATH) -> dict[str, Any]:
    """The raw OpenAPI document (cached per process)."""
    return json.loads(path.read_text())


@lru_cache(maxsize=1)
def _registry() -> Any:
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    spec = load_spec()
    strict = _Strict(spec)
    schemas = {name: strict.component(name) for name in strict.source}
    root = {"components": {"schemas": schemas}}
    return Registry().with_resource(BASE, Resource(contents=root, specification=DRAFT202012)), strict


def _ref(ref: str) -> Any:
    return load_spec() if not ref else _walk(load_spec(), ref)


def _walk(doc: Any, ref: str) -> Any:
    for part in ref.lstrip("#/").split("/"):
        doc = doc[part.replace("~1", "/").replace("~0", "~")]
    return doc


@lru_cache(maxsize=None)
def _validator(kind: str, key: str) -> Any:
    from jsonschema import Draft202012Validator

    registry, strict = _registry()
    if kind == "component":
        schema: Schema = {"$ref": f"{BASE}#/components/schemas/{key}"}
    else:
        method, path = key.split(" ", 1)
        operation = load_spec()["paths"][path][method.lower()]
        body = operation.get("requestBody")
        if body is None:
            raise SpecError(f"{key} takes no request body in the spec")
        if "$ref" in body:
            body = _walk(load_spec(), body["$ref"])
        schema = strict.convert(body["content"]["application/json"]["schema"])
    return Draft202012Validator(schema, registry=registry)


def _check(validator: Any, instance: Any, what: str) -> None:
    from jsonschema.exceptions import best_match

    errors = list(validator.iter_errors(instance))
    if errors:
        first = best_match(errors)
        messages = [first] + [e for e in errors if e is not first]
        text = "; ".join(f"at {'/'.join(str(p) for p in e.absolute_path) or '(body)'}: {e.message}" for e in messages[:5])
        raise SpecError(f"{what}: {text}")


def validate_body(method: str, path: str, body: Any) -> None:
    """Validate a JSON request body for the operation `method path` (path as in the spec, e.g.
    `/{index}/_search`); raises SpecError naming the first offending location."""
    _check(_validator("operation", f"{method.upper()} {path}"), body, f"{method.upper()} {path}")


def validate_component(name: str, instance: Any) -> None:
    """Validate an instance against one named schema, e.g. `_global.bulk.OperationContainer`."""
    _check(_validator("component", name), instance, name)


def validate_bulk(lines: Iterable[Mapping[str, Any]], document_schema: Schema) -> int:
    """Validate NDJSON bulk lines: action metadata against the spec's bulk operation schema,
    each following source line against `document_schema`; returns the number of actions."""
    from jsonschema import Draft202012Validator

    docs = Draft202012Validator(document_schema)
    items = iter(lines)
    actions = 0
    for action in items:
        validate_component("_global.bulk.OperationContainer", action)
        actions += 1
        (op,) = action
        if op != "delete":
            _check(docs, next(items), f"bulk {op} document")
    return actions


def mapping_schema(properties: Mapping[str, Any]) -> Schema:
    """A JSON schema for documents accepted by an Elasticsearch mapping (strict: unmapped keys fail)."""
    return {"type": "object", "properties": {k: _field_schema(v) for k, v in properties.items()}, "additionalProperties": False}


_SCALARS: dict[str, Schema] = {
    "keyword": {"type": "string"},
    "text": {"type": "string"},
    "date": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$"},
    "integer": {"type": "integer"},
    "long": {"type": "integer"},
    "float": {"type": "number"},
    "double": {"type": "number"},
    "boolean": {"type": "boolean"},
    "binary": {"type": "string", "contentEncoding": "base64"},
}


def _field_schema(mapping: Mapping[str, Any]) -> Schema:
    kind = mapping.get("type", "object")
    if kind in ("object", "nested"):
        if mapping.get("enabled") is False:
            return {"type": ["object", "array", "null"]}
        one: Schema = mapping_schema(mapping.get("properties", {}))
    elif kind == "date" and mapping.get("format") == "epoch_millis":
        one = {"type": "integer"}
    else:
        one = _SCALARS[kind]
    return {"anyOf": [{"type": "null"}, one, {"type": "array", "items": one}]}


def spec_path(method: str, path: str) -> str:
    """The spec's path template for a concrete request path (`/a-000001/_search` ->
    `/{index}/_search`), preferring templates with more literal segments."""
    parts = [p for p in path.split("/") if p]
    best: tuple[int, str] | None = None
    for template, item in load_spec()["paths"].items():
        if method.lower() not in item:
            continue
        segments = [s for s in template.split("/") if s]
        if len(segments) != len(parts):
            continue
        literal = 0
        for seg, part in zip(segments, parts):
            if seg.startswith("{"):
                if part.startswith("_"):
                    break
            elif seg != part:
                break
            else:
                literal += 1
        else:
            if best is None or literal > best[0]:
                best = (literal, template)
    if best is None:
        raise SpecError(f"{method} {path}: no such operation in the spec")
    return best[1]
