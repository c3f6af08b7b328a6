"""Thin API views: tiles served from snapshots (never a vendor call), the idea pool in Supabase."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from approvals.permissions import ReadOrOperate
from hotdash.errors import ValidationFailed
from hotdash.rest import MutationRateThrottle, micro_cached
from integrations.api import serializers as s
from integrations.ideas import idea_create, idea_list
from integrations.tiles.selectors import tile_list, tile_read


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

    @extend_schema(operation_id="api_v1_tiles_list", responses=s.TilePageSerializer)
    @micro_cached
    def get(self, request):
        refuse_unknown_params(request, ())
        tiles = s.TileSerializer(tile_list(), many=True).data
        return Response({"count": len(tiles), "next": None, "previous": None, "results": tiles})


class TileDetailView(APIView):
    """One tile from its stored snapshot (never a vendor call). A tile never computed
    answers 200 with `data: null`, `generated_at: null`, `stale: true`."""

    permission_classes = [ReadOrOperate]

    @extend_schema(operation_id="api_v1_tiles_retrieve", responses=s.TileSerializer)
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
        operation_id="api_v1_idea_pool_list",
        parameters=[s.IdeaQuerySerializer],
        responses=s.IdeaPageSerializer,
    )
    def get(self, request):
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

    @extend_schema(request=s.IdeaCreateSerializer, responses={201: s.IdeaSerializer})
    def post(self, request):
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
