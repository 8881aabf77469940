"""Exports of the catalog to other tools: Backstage (:mod:`.backstage`)."""
