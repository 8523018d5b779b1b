"""Imported by Python at start when tests/ is on PYTHONPATH: in processes started by a test run on an external
engine (tests/engine_switch.py sets ENGINE_SWITCH_BROKER), every new store folder gets its own engine from the
run's broker (tests/engine_broker.py). Does nothing otherwise."""
import os

if os.environ.get("ENGINE_SWITCH_BROKER"):
    try:
        from engine_broker import install
        install(os.environ["ENGINE_SWITCH_BROKER"])
    except ImportError:          # a Python without govcat (pip, node-gyp …): nothing to switch
        pass
