"""The govcat → DCAT-AP 3 / POD / schema.org mapping, read from mapping.toml (docs/mapping.md tables it)."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

EU = "http://publications.europa.eu/resource/authority/"
ADMS_PUBLISHER_TYPE = "http://purl.org/adms/publishertype/"
IANA = "https://www.iana.org/assignments/media-types/"
MAPPING_FILE = Path(__file__).with_name("mapping.toml")

# EU authority tables used, with their labels (what a consumer without the tables still reads)
SCHEMES = {
    "frequency": EU + "frequency", "access-right": EU + "access-right", "data-theme": EU + "data-theme",
    "file-type": EU + "file-type", "language": EU + "language",
}


@dataclass(frozen=True)
class Mapping:
    catalog: dict
    publisher_type: dict[str, str]
    frequency: dict[str, str]
    access_rights: dict
    theme: dict[str, str]
    format_type: dict[str, tuple[str, str]]
    format_class: dict[str, str]
    pod_access_level: dict[str, str]
    schema_org: dict
    pod: dict

    # -- lookups: govcat notation -> IRI (None when the mapping has none) ---------------------------
    def frequency_iri(self, notation: str | None) -> str | None:
        code = self.frequency.get(notation or "")
        return EU + "frequency/" + code if code else None

    def access_right(self, opening_conditions: str | None) -> str:
        text = (opening_conditions or "").strip()
        unconditional = any(text.startswith(w) for w in self.access_rights["unconditional_words"])
        return self.access_rights["open_unconditional" if unconditional else "open_conditional"]

    def access_right_iri(self, opening_conditions: str | None) -> str:
        return EU + "access-right/" + self.access_right(opening_conditions)

    def theme_iri(self, classification: str | None) -> str | None:
        code = classification or ""
        found = self.theme.get(code[:3]) or self.theme.get(code[:1])
        return EU + "data-theme/" + found if found else None

    def file_type(self, format_type: str | None, format_class: str | None) -> tuple[str | None, str | None]:
        """(EU file-type IRI, IANA media-type IRI) for a format type (else its class), None where unmapped."""
        if format_type in self.format_type:
            code, media = self.format_type[format_type]
            return EU + "file-type/" + code, (IANA + media if media else None)
        code = self.format_class.get(format_class or "")
        return (EU + "file-type/" + code if code else None), None

    def publisher_type_iri(self, admin_level: str | None) -> str | None:
        found = self.publisher_type.get(admin_level or "")
        return ADMS_PUBLISHER_TYPE + found if found else None

    @property
    def language_iri(self) -> str:
        return EU + "language/" + self.catalog["language"]

    @property
    def page_size(self) -> int:
        return int(self.catalog["page_size"])


@lru_cache(maxsize=None)
def load_mapping(path: Path = MAPPING_FILE) -> Mapping:
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    return Mapping(catalog=data["catalog"], publisher_type=data["publisher_type"], frequency=data["frequency"],
                   access_rights=data["access_rights"], theme=data["theme"],
                   format_type={k: (v[0], v[1]) for k, v in data["format_type"].items()},
                   format_class=data["format_class"], pod_access_level=data["pod_access_level"],
                   schema_org=data["schema_org"], pod=data["pod"])
