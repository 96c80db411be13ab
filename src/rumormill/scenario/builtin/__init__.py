"""Scenarios shipped with rumormill, one TOML file each (``rumormill.scenario.load(NAME)``)."""
