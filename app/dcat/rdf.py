"""DCAT-AP 3 triples of the feed: the catalogue page (with its Hydra paging controls), each dataset with
its distribution, publisher and contact point, and every concept they use — each node typed explicitly,
so that a consumer validates the feed as it gets it, without the vocabularies at hand."""
from __future__ import annotations

from ..namespaces import DCAT, DCT, FOAF, RDF_TYPE, SKOS, XSD
from ..store import convert_ntriples
from ..terms import Term, iri, literal
from .mapping import ADMS_PUBLISHER_TYPE, EU, IANA, SCHEMES, Mapping
from .model import Dataset

ADMS = "http://www.w3.org/ns/adms#"
VCARD = "http://www.w3.org/2006/vcard/ns#"
HYDRA = "http://www.w3.org/ns/hydra/core#"
GCC = "https://w3id.org/govcat/code/"
CLASSIFICATION = GCC + "resource-classification"
PREFIXES = {"dcat": DCAT, "dct": DCT, "foaf": FOAF, "skos": SKOS, "adms": ADMS, "vcard": VCARD,
            "hydra": HYDRA, "xsd": XSD}
SCHEME_TITLES = {
    SCHEMES["frequency"]: "Frequency", SCHEMES["access-right"]: "Access right", SCHEMES["data-theme"]: "Data theme",
    SCHEMES["file-type"]: "File type", SCHEMES["language"]: "Language",
    ADMS_PUBLISHER_TYPE + "1.0": "Publisher type", CLASSIFICATION: "信息资源分类（政务信息资源目录编制指南）",
}
FORMATS = {"ttl": "text/turtle", "jsonld": "application/ld+json", "rdf": "application/rdf+xml",
           "nt": "application/n-triples"}


def _zh(text: str) -> Term:
    return literal(text, language="zh")


class Triples:
    """A growing list of triples, kept as N-Triples lines (written out by Oxigraph in the format asked);
    nodes typed once."""

    def __init__(self):
        self.out: list[str] = []
        self._typed: set[tuple[str, str]] = set()

    def add(self, s: str, p: str, o: Term) -> None:
        self.out.append(f"<{s}> <{p}> {o.n3()} .\n")

    def a(self, s: str, *classes: str) -> None:
        for cls in classes:
            if (s, cls) not in self._typed:
                self._typed.add((s, cls))
                self.add(s, RDF_TYPE, iri(cls))

    def concept(self, concept: str, scheme: str, label: str, *classes: str, lang: str = "en") -> None:
        if (concept, SKOS + "Concept") in self._typed:
            return
        self.a(concept, SKOS + "Concept", *classes)
        self.add(concept, SKOS + "inScheme", iri(scheme))
        self.add(concept, SKOS + "prefLabel", literal(label, language=lang))
        self.scheme(scheme)

    def scheme(self, scheme: str) -> None:
        if (scheme, SKOS + "ConceptScheme") in self._typed:
            return
        self.a(scheme, SKOS + "ConceptScheme")
        title = SCHEME_TITLES.get(scheme, scheme.rstrip("/").rsplit("/", 1)[-1])
        self.add(scheme, DCT + "title", literal(title, language="zh" if scheme == CLASSIFICATION else "en"))

    def serialize(self, fmt: str) -> bytes:
        return convert_ntriples("".join(self.out).encode("utf-8"), fmt, PREFIXES)


def _local(concept: str) -> str:
    return concept.rsplit("/", 1)[-1]


def add_dataset(t: Triples, ds: Dataset, m: Mapping, landing: str) -> None:
    """`landing`: the URL of the dataset's page on this node (its landing page and access URL)."""
    d = ds.iri
    t.a(d, DCAT + "Dataset")
    t.add(d, DCT + "identifier", literal(ds.code))
    t.add(d, DCT + "title", _zh(ds.title))
    t.add(d, DCT + "description", _zh(ds.description or ds.title))
    t.add(d, DCT + "language", iri(m.language_iri))
    t.concept(m.language_iri, SCHEMES["language"], "Chinese", DCT + "LinguisticSystem")
    if ds.issued:
        t.add(d, DCT + "issued", literal(ds.issued, XSD + "date"))
    if ds.modified:
        t.add(d, DCT + "modified", literal(ds.modified, XSD + "date"))
    freq = m.frequency_iri(ds.update_cycle)
    if freq:
        t.add(d, DCT + "accrualPeriodicity", iri(freq))
        t.concept(freq, SCHEMES["frequency"], _local(freq), DCT + "Frequency")
    rights = m.access_right_iri(ds.opening_conditions)
    t.add(d, DCT + "accessRights", iri(rights))
    t.concept(rights, SCHEMES["access-right"], _local(rights), DCT + "RightsStatement")
    theme = m.theme_iri(ds.classification)
    if theme:
        t.add(d, DCAT + "theme", iri(theme))
        t.concept(theme, SCHEMES["data-theme"], _local(theme))
    if ds.classification and len(ds.classification) >= 3:    # the guide's own scheme, 类+项
        guide = f"{CLASSIFICATION}/{ds.classification[:3]}"
        t.add(d, DCAT + "theme", iri(guide))
        t.concept(guide, CLASSIFICATION, ds.classification[:3], lang="en")
    t.add(d, DCAT + "landingPage", iri(landing))
    t.a(landing, FOAF + "Document")
    for related in ds.related:
        t.add(d, DCT + "relation", iri(related))
    if ds.publisher:
        add_publisher(t, ds.publisher.iri, ds.publisher.name, ds.publisher.uscc,
                      m.publisher_type_iri(ds.publisher.level))
        t.add(d, DCT + "publisher", iri(ds.publisher.iri))
        contact = d + "#contact"
        t.a(contact, VCARD + "Kind", VCARD + "Organization")
        t.add(contact, VCARD + "fn", _zh(ds.publisher.name))
        t.add(contact, VCARD + "hasURL", iri(landing))
        t.add(d, DCAT + "contactPoint", iri(contact))
    dist = d + "#distribution"
    t.a(dist, DCAT + "Distribution")
    t.add(d, DCAT + "distribution", iri(dist))
    t.add(dist, DCAT + "accessURL", iri(landing))
    t.add(dist, DCT + "title", _zh(ds.title))
    t.add(dist, DCT + "description", _zh(distribution_text(ds)))
    types = ds.format_types or [None]
    for ftype in types:
        file_type, media = m.file_type(ftype, ds.format_class)
        if file_type:
            t.add(dist, DCT + "format", iri(file_type))
            t.concept(file_type, SCHEMES["file-type"], _local(file_type), DCT + "MediaTypeOrExtent")
        if media:
            t.add(dist, DCAT + "mediaType", iri(media))
            t.a(media, DCT + "MediaType", DCT + "MediaTypeOrExtent")


def add_publisher(t: Triples, agent: str, name: str, uscc: str | None, kind: str | None) -> None:
    t.a(agent, FOAF + "Agent")
    t.add(agent, FOAF + "name", _zh(name))
    if kind:
        t.add(agent, DCT + "type", iri(kind))
        t.concept(kind, ADMS_PUBLISHER_TYPE + "1.0", _local(kind))
    if uscc:
        ident = agent + "#uscc"
        t.a(ident, ADMS + "Identifier")
        t.add(ident, SKOS + "notation", literal(uscc))
        t.add(ident, ADMS + "schemaAgency", _zh("统一社会信用代码（GB 32100-2015）"))
        t.add(agent, ADMS + "identifier", iri(ident))


def distribution_text(ds: Dataset) -> str:
    """The distribution's description: format and the data items (fields), in Chinese."""
    parts = []
    formats = "、".join(x for x in [ds.format_class_label, *ds.format_type_labels] if x)
    if formats:
        parts.append(f"格式：{formats}" + (f"（{ds.format_note}）" if ds.format_note else ""))
    if ds.items:
        fields = "；".join(item.name + (f"（{item.data_type}" + (f"，长度 {item.length}" if item.length else "") + "）"
                                       if item.data_type else "") for item in ds.items)
        parts.append(f"信息项 {len(ds.items)} 个：{fields}")
    return "。".join(parts) + "。" if parts else ds.title


def add_catalog(t: Triples, catalog: str, m: Mapping, home: str, modified: str | None,
                datasets: list[str], themes: bool = True) -> None:
    c = m.catalog
    t.a(catalog, DCAT + "Catalog")
    t.add(catalog, DCT + "title", _zh(c["title_zh"]))
    t.add(catalog, DCT + "title", literal(c["title_en"], language="en"))
    t.add(catalog, DCT + "description", _zh(c["description_zh"]))
    t.add(catalog, DCT + "description", literal(c["description_en"], language="en"))
    publisher = catalog + "#publisher"
    add_publisher(t, publisher, c["publisher_zh"], None, ADMS_PUBLISHER_TYPE + c["publisher_type"])
    t.add(catalog, DCT + "publisher", iri(publisher))
    t.add(catalog, FOAF + "homepage", iri(home))
    t.a(home, FOAF + "Document")
    t.add(catalog, DCT + "language", iri(m.language_iri))
    t.concept(m.language_iri, SCHEMES["language"], "Chinese", DCT + "LinguisticSystem")
    if modified:
        t.add(catalog, DCT + "modified", literal(modified, XSD + "date"))
    if themes:
        for scheme in (SCHEMES["data-theme"], CLASSIFICATION):
            t.add(catalog, DCAT + "themeTaxonomy", iri(scheme))
            t.scheme(scheme)
    for d in datasets:
        t.add(catalog, DCAT + "dataset", iri(d))


def add_paging(t: Triples, catalog: str, view: str, total: int, first: str, last: str,
               previous: str | None, next_: str | None) -> None:
    t.a(catalog, HYDRA + "Collection")
    t.add(catalog, HYDRA + "totalItems", literal(str(total), XSD + "integer"))
    t.add(catalog, HYDRA + "view", iri(view))
    t.a(view, HYDRA + "PartialCollectionView")
    t.add(view, HYDRA + "first", iri(first))
    t.add(view, HYDRA + "last", iri(last))
    if previous:
        t.add(view, HYDRA + "previous", iri(previous))
    if next_:
        t.add(view, HYDRA + "next", iri(next_))


__all__ = ["EU", "FORMATS", "HYDRA", "IANA", "Triples", "add_catalog", "add_dataset", "add_paging"]
