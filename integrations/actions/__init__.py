"""The integrations' actions, registered with approvals from IntegrationsConfig.ready().

    integrations.switch_live / integrations.switch_sandbox   (mode.py)
    chatwoot.send_reply / publer.publish_post                (vendor.py)

`SLUG_SCHEMA` and `_integration` are shared with the recovery steps' actions.
"""

from integrations.actions import mode, vendor
from integrations.actions.mode import SLUG_SCHEMA, _integration

__all__ = ["SLUG_SCHEMA", "_integration", "register_all"]


def register_all() -> None:
    mode.register()
    vendor.register()
