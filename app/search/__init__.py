"""Chinese full-text search over the catalogue entries (issue 4, item 6). No HTTP here (govcat.web.search_api).

    index = SearchIndex.open(cat)          # STORE/search/, built or caught up
    cat.listeners.append(index.changed)
    search(index, SearchRequest(q="户籍 参保", page=1, filters=(("sharing_type", ("无条件共享",)),)))
"""
from .index import FOLDER, IndexUnavailable, SearchIndex
from .query import PAGE_SIZE, FilterError, SearchRequest, search

__all__ = ["FOLDER", "PAGE_SIZE", "FilterError", "IndexUnavailable", "SearchIndex", "SearchRequest", "search"]
