"""Thin API views: tiles served from snapshots (never a vendor call), the idea pool in Supabase."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from approvals.permissions import ReadOrOperate
from hotdash.errors import ValidationFailed
from hotdash.openapi import refusals
from hotdash.rest import MutationRateThrottle, micro_cached
from integrations.api import serializers as s
from integrations.ideas import idea_create, idea_list
from integrations.tiles.selectors import tile_list, tile_read

UNKNOWN_PARAMS = refusals({400: "`unknown_filter`: this operation takes no query parameters."})
SUPABASE_FAILURES = refusals(
    {
        502: "`vendor_auth` or `vendor_contract`: Supabase refused the call.",
        503: "`vendor_unavailable`, `vendor_throttled` (with `retry_after`) or "
        "`vendor_config`: Supabase cannot be used now.",
        504: "`vendor_timeout`: Supabase did not answer in time.",
    }
)


def refuse_unknown_params(request, allowed) -> None:
    """400 `unknown_filter` naming the allowed parameters when others are given."""
    unknown = sorted(set(request.query_params) - set(allowed) - {"format"})
    if unknown:
        raise ValidationFailed(
            f"Unknown query parameter(s): {', '.join(unknown)}.",
            code="unknown_filter",
            extra={"allowed": sorted(allowed)},
        )


class TileListView(APIView):
    """Every tile from its stored snapshot (never a vendor call). `stale` marks data that is
    too old or whose source is down; a tile never computed has `data: null`, `stale: true`."""

    permission_classes = [ReadOrOperate]

    @extend_schema(
        summary="List tiles",
        operation_id="tiles_list",
        responses={200: s.TilePageSerializer, **UNKNOWN_PARAMS},
    )
    @micro_cached
    def get(self, request):
        refuse_unknown_params(request, ())
        tiles = s.TileSerializer(tile_list(), many=True).data
        return Response({"count": len(tiles), "next": None, "previous": None, "results": tiles})


class TileDetailView(APIView):
    """One tile from its stored snapshot (never a vendor call). A tile never computed
    answers 200 with `data: null`, `generated_at: null`, `stale: true`."""

    permission_classes = [ReadOrOperate]

    @extend_schema(
        summary="Read one tile",
        operation_id="tiles_retrieve",
        responses={
            200: s.TileSerializer,
            **UNKNOWN_PARAMS,
            **refusals({404: "`tile_not_found`: no tile has this key."}),
        },
    )
    @micro_cached
    def get(self, request, key: str):
        refuse_unknown_params(request, ())
        return Response(s.TileSerializer(tile_read(key)).data)


class IdeaPoolView(APIView):
    """The analytics idea pool (Supabase `idea_pool`): viewers read, operators add.
    Supabase failures answer with a `vendor_*` or `duplicate` code, never a 500."""

    permission_classes = [ReadOrOperate]
    throttle_classes = [MutationRateThrottle]

    @extend_schema(
        summary="List ideas",
        operation_id="idea_pool_list",
        parameters=[s.IdeaQuerySerializer],
        responses={200: s.IdeaPageSerializer, **SUPABASE_FAILURES},
    )
    def get(self, request):
        """Ideas from Supabase's `idea_pool`, filtered by status and owner, ordered and
        paged by limit and offset (viewers and up)."""
        refuse_unknown_params(request, s.IdeaQuerySerializer().fields)
        form = s.IdeaQuerySerializer(data=request.query_params)
        form.is_valid(raise_exception=True)
        page = idea_list(**form.validated_data)
        limit, offset = form.validated_data["limit"], form.validated_data["offset"]
        return Response(
            {
                "count": page.total,
                "next": _link(request, offset + limit) if offset + limit < page.total else None,
                "previous": _link(request, max(0, offset - limit)) if offset else None,
                "results": s.IdeaSerializer(page.rows, many=True).data,
            }
        )

    @extend_schema(
        summary="Add an idea",
        request=s.IdeaCreateSerializer,
        responses={
            201: s.IdeaSerializer,
            **SUPABASE_FAILURES,
            **refusals({409: "`duplicate`: an idea with this key already exists."}),
        },
    )
    def post(self, request):
        """Store a new idea in Supabase (operators); the owner defaults to the requesting
        user's name. Audited."""
        form = s.IdeaCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        fields = {"owner": request.user.get_username()[:80], **form.validated_data}
        stored = idea_create(actor=request, **fields)
        return Response(s.IdeaSerializer(stored).data, status=status.HTTP_201_CREATED)


def _link(request, offset: int) -> str:
    url = request.build_absolute_uri()
    return (
        replace_query_param(url, "offset", offset) if offset else remove_query_param(url, "offset")
    )
