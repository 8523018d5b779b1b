"""Where the project's data files live (the package is installed in editable mode)."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY_DIR = ROOT / "ontology"
SHAPES_DIR = ROOT / "shapes"
QUERIES_DIR = ROOT / "queries"
TEMPLATES_DIR = ROOT / "app" / "templates"
