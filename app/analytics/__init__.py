"""Analysts' tools (issue 5): zombie and duplicate systems. Core only: no HTTP, no command line."""
