"""The open-data feed (issue 6): the public catalogue as DCAT-AP 3, POD v1.1 data.json and schema.org, all
from one model of each public entry (`govcat.dcat.model`) through the mapping kept as data
(`mapping.toml`, tabled in docs/mapping.md); and harvesting DCAT feeds of other nodes and portals
(`govcat.dcat.harvest`). No HTTP server here: app/web/feed.py serves it."""
