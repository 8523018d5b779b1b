"""schema.org Dataset JSON-LD for the dataset pages (what Google Dataset Search reads), and the page itself.

Google asks for a name and a description of 50–5000 characters. Chinese abstracts are often shorter
(GUIDE C24 only asks for 10): a shorter one is followed by a sentence made of the entry's own metadata
(provider, update cycle, format, data items) — nothing invented — and one longer than 5000 is cut there."""
from __future__ import annotations

import html
import json

from .mapping import Mapping
from .model import Dataset
from .rdf import distribution_text


def description(ds: Dataset, m: Mapping) -> str:
    low, high = m.schema_org["min_description"], m.schema_org["max_description"]
    text = (ds.description or ds.title).strip()
    if len(text) < low:
        facts = []
        if ds.publisher:
            facts.append(f"提供方：{ds.publisher.name}")
        if ds.update_cycle_label:
            facts.append(f"更新周期：{ds.update_cycle_label}")
        extra = "；".join(facts)
        text = text.rstrip("。") + "。" + (extra + "。" if extra else "") + distribution_text(ds)
    return text[:high]


def schema_dataset(ds: Dataset, m: Mapping, landing: str) -> dict:
    doc = {"@context": "https://schema.org/", "@type": "Dataset", "@id": ds.iri, "name": ds.title,
           "description": description(ds, m), "identifier": ds.code, "url": landing, "inLanguage": "zh",
           "isAccessibleForFree": True}
    if ds.publisher:
        org = {"@type": "GovernmentOrganization", "@id": ds.publisher.iri, "name": ds.publisher.name}
        if ds.publisher.uscc:
            org["identifier"] = ds.publisher.uscc
        doc["creator"] = doc["publisher"] = org
    if ds.issued:
        doc["datePublished"] = ds.issued
    if ds.modified:
        doc["dateModified"] = ds.modified
    if ds.items:
        doc["variableMeasured"] = [item.name for item in ds.items]
    keywords = [x for x in (ds.sharing_type_label, ds.update_cycle_label, ds.format_class_label) if x]
    if keywords:
        doc["keywords"] = keywords
    dists = []
    for ftype in ds.format_types or [None]:
        _file_type, media = m.file_type(ftype, ds.format_class)
        if media:
            dists.append({"@type": "DataDownload", "contentUrl": landing,
                          "encodingFormat": media.split("/media-types/", 1)[1]})
    if dists:
        doc["distribution"] = dists
    return doc


def dataset_page(ds: Dataset, m: Mapping, landing: str) -> str:
    """The HTML page of a dataset, with its schema.org JSON-LD in a script element."""
    doc = json.dumps(schema_dataset(ds, m, landing), ensure_ascii=False).replace("</", "<\\/")
    e = html.escape
    rows = [("信息资源代码", ds.code), ("提供方", ds.publisher.name if ds.publisher else ""),
            ("更新周期", ds.update_cycle_label or ""), ("共享类型", ds.sharing_type_label or ""),
            ("开放条件", ds.opening_conditions or ""), ("发布日期", ds.issued or ""), ("更新日期", ds.modified or "")]
    table = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in rows if v)
    items = "".join(f"<tr><td>{e(i.name)}</td><td>{e(i.data_type or '')}</td><td>{e(i.length or '')}</td>"
                    f"<td>{e(i.description or '')}</td></tr>" for i in ds.items)
    item_table = (f"<h2>信息项 / Data items</h2><table><tr><th>信息项名称</th><th>数据类型</th><th>数据长度</th>"
                  f"<th>说明</th></tr>{items}</table>") if items else ""
    return (f"<!doctype html><html lang=\"zh\"><head><meta charset=\"utf-8\"><title>{e(ds.title)}</title>"
            f"<script type=\"application/ld+json\">{doc}</script></head><body><h1>{e(ds.title)}</h1>"
            f"<p>{e(ds.description)}</p><table>{table}</table>{item_table}</body></html>")
