"""mpspec's pytest entry point: loads the harness plugin (see harness/plugin.py)."""

pytest_plugins = ["harness.plugin"]
