"""data.json in Project Open Data v1.1 (the US federal catalogue format many harvesters read), written
from the same `Dataset` model as the DCAT-AP feed and the mapping's [pod] table."""
from __future__ import annotations

from collections.abc import Iterable

from .mapping import Mapping
from .model import Dataset

CONFORMS_TO = "https://project-open-data.cio.gov/v1.1/schema"


def pod_dataset(ds: Dataset, m: Mapping, landing: str, labels: dict[str, str]) -> dict:
    """`labels`: classification notation (类, 类+项) -> zh label, for the keywords."""
    pod = m.pod
    rights = m.access_right(ds.opening_conditions)
    keywords = [labels[c] for c in ((ds.classification or "")[:1], (ds.classification or "")[:3]) if c in labels]
    record = {
        "@type": "dcat:Dataset",
        "title": ds.title,
        "description": ds.description or ds.title,
        "keyword": keywords or [ds.title],
        "modified": ds.modified or ds.issued or "",
        "publisher": {"@type": "org:Organization", "name": ds.publisher.name if ds.publisher else m.catalog["publisher_zh"]},
        "contactPoint": {"@type": "vcard:Contact",
                         "fn": ds.publisher.name if ds.publisher else m.catalog["publisher_zh"],
                         "hasEmail": pod["contact_email"]},
        "identifier": ds.code,
        "accessLevel": m.pod_access_level[rights],
        "bureauCode": [pod["bureau_code"]],
        "programCode": [pod["program_code"]],
        "landingPage": landing,
        "language": [pod["language"]],
    }
    if rights != "PUBLIC" and ds.opening_conditions:
        record["rights"] = ds.opening_conditions
    if ds.issued:
        record["issued"] = ds.issued
    if ds.update_cycle in pod["frequency"]:
        record["accrualPeriodicity"] = pod["frequency"][ds.update_cycle]
    theme = m.theme_iri(ds.classification)
    if theme:
        record["theme"] = [theme.rsplit("/", 1)[-1]]
    distributions = []
    for ftype in ds.format_types or [None]:
        file_type, media = m.file_type(ftype, ds.format_class)
        dist = {"@type": "dcat:Distribution", "accessURL": landing, "title": ds.title}
        if media:
            dist["mediaType"] = media.split("/media-types/", 1)[1]
        if file_type:
            dist["format"] = file_type.rsplit("/", 1)[-1]
        distributions.append(dist)
    record["distribution"] = distributions
    return record


def pod_catalog(datasets: Iterable[dict], url: str) -> dict:
    return {"@context": "https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld", "@id": url,
            "@type": "dcat:Catalog", "conformsTo": CONFORMS_TO, "describedBy": CONFORMS_TO + "/catalog.json",
            "dataset": list(datasets)}
