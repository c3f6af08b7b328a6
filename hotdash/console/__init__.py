"""The operator console: the Django admin's site with a status board as its home and the
integration, incident, runbook and sandbox-control pages beside the model admins.

    apps.py         ConsoleAdminConfig: makes ConsoleSite the default `admin.site`
    site.py         ConsoleSite: the board as index, the console URLs
    permissions.py  who may see and use each control
    board.py        reads for the board (cards, sparklines, the event feed)
    reads.py        reads for the integration and incident pages (window series, …)
    charts.py       server-side SVG charts with a title, a description and a data table
    runbooks.py     docs/runbooks/*.md rendered safely
    views/          thin views: parse, check permission, call one app service, redirect
                    (the console has no writes of its own)
"""
