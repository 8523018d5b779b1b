"""Rendering the web pages: one Jinja2 environment, the language of the page, the navigation a role sees.

Every page is Chinese first: `t("中文", "English")` in a template picks the text of the page's language. The
language comes from `?lang=zh|en` (which also sets a cookie, so that it follows the user), else the cookie,
else Chinese."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from ...access import Access

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
LANG_COOKIE = "govcat_lang"
LANGS = ("zh", "en")

_env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                          trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)


@dataclass(frozen=True)
class NavItem:
    path: str
    zh: str
    en: str


def navigation(access: Access) -> list[NavItem]:
    """The menu: what this user's role may open (pages also check on their own)."""
    items = [NavItem("/", "首页", "Home"), NavItem("/search", "检索", "Search")]
    if access.internal:
        items.append(NavItem("/systems", "信息系统", "Systems"))
        items.append(NavItem("/requests/inbox", "共享申请", "Sharing requests"))
    if access.user is not None and access.user.role in ("editor", "admin"):
        items.append(NavItem("/import", "导入", "Import"))
    if access.user is not None and access.user.role in ("reviewer", "admin"):
        items.append(NavItem("/review", "审核", "Review"))
    items.append(NavItem("/query", "SPARQL 查询", "SPARQL"))
    if access.internal:
        items.append(NavItem("/evaluation", "评价与年报", "Evaluation"))
    return items


def language(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGS:
        return asked
    kept = request.cookies.get(LANG_COOKIE)
    return kept if kept in LANGS else "zh"


def page(request: Request, access: Access, template: str, status: int = 200, **context) -> HTMLResponse:
    """The HTML of `template` with the common context: t(), lang, the user, the menu, the language switch."""
    lang = language(request)

    def t(zh: str, en: str) -> str:
        return zh if lang == "zh" else en

    def url_with(**params) -> str:
        """The current URL with some query parameters replaced (None removes one): paging, facets, the language."""
        query = [(k, v) for k, v in request.query_params.multi_items() if k not in params]   # repeated facets kept
        query += [(key, str(value)) for key, value in params.items() if value is not None]
        return request.url.path + ("?" + urlencode(query) if query else "")

    html = _env.get_template(template).render(
        request=request, lang=lang, t=t, url_with=url_with, access=access, user=access.user,
        nav=navigation(access), current=request.url.path, **context)
    response = HTMLResponse(html, status_code=status)
    if request.query_params.get("lang") in LANGS:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", httponly=True)
    return response
