"""Request bodies read in the JSON types their schema states (a leaf module, like hotdash.rest).

DRF's fields coerce: a CharField takes 5 as "5", an IntegerField takes "5" and 5.0, a
BooleanField takes "yes" and 1. The OpenAPI schema says `string`, `integer`, `boolean`, so a
client reading it would be told one thing and the API would do another (schemathesis:
"schema-violating request accepted"). `StrictJsonSerializer` refuses a value of another JSON
type with the usual 400 `invalid` naming the field. Form posts (DRF's browsable pages) are
strings by nature and keep DRF's reading.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.http import QueryDict
from rest_framework import serializers

# (field class, JSON type(s) it takes, what the message calls it); the first match wins.
JSON_TYPES = (
    (serializers.BooleanField, (bool,), "true or false"),
    (serializers.IntegerField, (int,), "a whole number"),
    (serializers.FloatField, (int, float), "a number"),
    (serializers.DictField, (dict,), "an object"),
    (serializers.ListField, (list,), "an array"),
    (serializers.CharField, (str,), "a string"),
)


def _expected(field: serializers.Field) -> tuple[tuple[type, ...], str] | None:
    if isinstance(field, serializers.ChoiceField):
        if all(isinstance(choice, str) for choice in field.choices):
            return (str,), "a string"
        return None
    for cls, types, label in JSON_TYPES:
        if isinstance(field, cls):
            return types, label
    return None


def _fits(value, types: tuple[type, ...]) -> bool:
    if isinstance(value, bool) and bool not in types:
        return False  # True is an int in Python, not in JSON
    return isinstance(value, types)


class StrictJsonSerializer(serializers.Serializer):
    # No docstring: drf-spectacular would describe every request body with it.

    def to_internal_value(self, data):
        if isinstance(data, Mapping) and not isinstance(data, QueryDict):
            errors = {}
            for name, field in self.fields.items():
                expected = None if field.read_only else _expected(field)
                value = data.get(name)
                if expected and value is not None and not _fits(value, expected[0]):
                    errors[name] = [f"Must be {expected[1]}."]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)
