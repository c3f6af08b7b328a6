"""Inbound webhook routes (DESIGN.md's API map). A trailing slash is optional: Shopify
and Chatwoot POST to exactly the URL registered and never follow a redirect."""

from django.urls import re_path

from integrations.webhooks import views

urlpatterns = [
    re_path(r"^webhooks/shopify/?$", views.shopify_webhook, name="webhook-shopify"),
    re_path(r"^webhooks/chatwoot/?$", views.chatwoot_webhook, name="webhook-chatwoot"),
    re_path(
        r"^api/webhooks/gold-replies/?$", views.gold_reply_webhook, name="webhook-gold-replies"
    ),
]
