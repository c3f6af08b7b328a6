"""What the OpenAPI schema says of the governance API beyond its serializers: the refusals
the decisions share, and the rule that a scoped kill switch needs a target."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiSerializerExtension

from approvals.api import serializers as s
from hotdash.openapi import NOT_BLANK_NOR_NUL, refusals

NOT_PENDING = (
    "`not_pending` or `expired`: the request is no longer pending; `already_decided`: you "
    "decided on it already"
)
DECIDE_REFUSALS = refusals(
    {
        403: "`not_approver`: only members of approvers decide; `own_request`: nobody "
        "decides on their own request.",
        409: f"{NOT_PENDING}; `conflict`: the request (or what it acts on) changed since the "
        "`payload_hash` you sent.",
    }
)


class KillSwitchSchema(OpenApiSerializerExtension):
    """A scoped kill switch needs a target: the body says so (`anyOf`)."""

    target_class = s.KillSwitchSerializer

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        schema["anyOf"] = [
            {"properties": {"scope": {"enum": ["global"]}}},
            {"properties": {"target": {"pattern": NOT_BLANK_NOR_NUL}}, "required": ["target"]},
        ]
        return schema
