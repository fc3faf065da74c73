"""The self-check web app: pages in zh and en, and a JSON API, on Starlette (an ASGI toolkit with no
database, session or template layer of its own to configure away; served by Uvicorn).

Everything an application goes through is the CLI's own code: `checker.tools.intake` parses and validates
(JSON or XLSX, the same limits and strictness), `Ruleset.evaluate` scores, `checker.outputs.report.render`
writes the report, `checker.outputs.workbook` the spreadsheet. Nothing is written to disk: requests are read
into memory (at most MAX_BODY bytes) and what the browser needs again (the evidence, for a what-if or a
download) travels back in the page as a hidden field, validated afresh each time it returns.

Security: the untrusted evidence is only ever HTML-escaped data (jinja2 autoescape; the report is shown in a
sandboxed frame); every response carries a CSP with no inline or eval'd script, X-Content-Type-Options,
Referrer-Policy and frame-ancestors 'none'; there is no CORS. With a token (required off loopback) every
request needs it, as `Authorization: Bearer TOKEN` or the cookie set by opening `/?token=TOKEN`.
"""
from __future__ import annotations

import email.parser
import email.policy
import functools
import gc
import hmac
import json
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ...catalogue import LANGS, fill, messages, pair
from ...evaluation.result import dumps
from ...evaluation.ruleset import Ruleset, shipped_rulesets
from ...evidence.load import DEFAULT_MAX_BYTES, EvidenceError, Problem, parse_evidence
from ...language.diagnostics import RulesetError
from ...resources import resource_dir
from ...tools import intake
from . import form as forms

MAX_BODY = DEFAULT_MAX_BYTES          # as for files: 10 MiB
TOKEN_COOKIE = "carbon_check_token"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "form-action 'self'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'")
STATIC = {"app.js": "text/javascript; charset=utf-8", "app.css": "text/css; charset=utf-8"}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def create_app(token: str | None = None) -> Starlette:
    routes = [
        Route("/", lambda request: RedirectResponse("/zh/", 303)),
        Route("/static/{name}", static),
        Route("/api/v1/rulesets", api_rulesets),
        Route("/api/v1/rulesets/{name}/schema", api_schema),
        Route("/api/v1/check", api_check, methods=["POST"]),
        Route("/api/v1/openapi.json", api_openapi),
        Route("/{lang}/", index),
        Route("/{lang}/check/{name}", form_page, methods=["GET", "POST"]),
        Route("/{lang}/upload", upload, methods=["POST"]),
        Route("/{lang}/whatif/{name}", what_if, methods=["POST"]),
        Route("/{lang}/result/{name}", result_page, methods=["POST"]),
        Route("/{lang}/download/{name}/{fmt}", download, methods=["POST"]),
    ]
    app = Starlette(routes=routes)
    rulesets()   # loaded (and frozen out of the collector's sight) before the first request, not during it
    return _Guard(app, token)


class _Guard:
    """ASGI middleware: the body limit, the token, and the security headers on every response."""

    def __init__(self, app, token: str | None):
        self.app, self.token = app, token

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])

        async def send_secured(message):
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + [
                    (b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"), (b"x-frame-options", b"DENY"),
                    (b"cache-control", b"no-store")]
            await send(message)

        length = headers.get(b"content-length", b"0")
        if not length.isdigit() or int(length) > MAX_BODY:
            return await _plain(413 if length.isdigit() else 400, "request body too large" if length.isdigit()
                                else "bad Content-Length", send_secured)
        if self.token is not None:
            response = self._authorised(scope, headers)
            if response is not None:
                return await response(scope, receive, send_secured)
        # The whole body is read here, bounded (every handler needs it in memory anyway), then replayed.
        body, more = [], True
        size = 0
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            size += len(message.get("body", b""))
            if size > MAX_BODY:
                return await _plain(413, "request body too large", send_secured)
            body.append(message.get("body", b""))
            more = message.get("more_body", False)
        replayed = False

        async def replay():
            nonlocal replayed
            if replayed:
                return await receive()   # waits for the client to go away, as Starlette expects
            replayed = True
            return {"type": "http.request", "body": b"".join(body), "more_body": False}

        await self.app(scope, replay, send_secured)

    def _authorised(self, scope, headers) -> Response | None:
        request = Request(scope)
        offered = request.cookies.get(TOKEN_COOKIE, "")
        bearer = headers.get(b"authorization", b"").decode("latin-1")
        if bearer.startswith("Bearer "):
            offered = bearer[7:]
        query = request.query_params.get("token")
        if query is not None and hmac.compare_digest(query.encode(), self.token.encode()):
            # Opening the printed URL once: the token moves into a cookie, out of the address bar.
            response = RedirectResponse(str(request.url.remove_query_params("token")), 303)
            response.set_cookie(TOKEN_COOKIE, self.token, httponly=True, samesite="strict")
            return response
        if hmac.compare_digest(offered.encode(), self.token.encode()):
            return None
        return JSONResponse({"error": "unauthorised: this server needs its token"}, 401,
                            headers={"www-authenticate": "Bearer"})


async def _plain(status: int, text: str, send) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
    await send({"type": "http.response.body", "body": text.encode()})


# ------------------------------------------------------------------------------------ rulesets

@functools.lru_cache(maxsize=None)
def rulesets() -> dict[str, Ruleset]:
    """The shipped rulesets that read evidence, by file name; only these can be chosen or named."""
    found = {}
    for path in shipped_rulesets():
        rules = intake.ruleset_named(path.stem)
        if rules.schema:
            found[path.stem] = rules
    # They live as long as the server: kept out of the collector's sight, they are not walked again at every
    # full collection (that walk took half of each check's time).
    gc.freeze()
    return found


def shipped(name) -> Ruleset | None:
    return rulesets().get(str(name).replace("_", "-")) if isinstance(name, str) else None


# ------------------------------------------------------------------------------------ pages

@functools.lru_cache(maxsize=None)
def _environment():
    import jinja2
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(resource_dir("templates") / "web")),
                              autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
                              lstrip_blocks=True)


def page(template: str, lang: str, status: int = 200, **context) -> HTMLResponse:
    t = messages(lang)
    other = "en" if lang == "zh" else "zh"
    html = _environment().get_template(template).render(t=t, w=t["web"], lang=lang, other=other, **context)
    return HTMLResponse(html, status)


def _lang(request: Request) -> str | None:
    lang = request.path_params.get("lang")
    return lang if lang in LANGS else None


def _not_found(lang: str = "zh") -> HTMLResponse:
    return page("message.html.j2", lang, 404, message=messages(lang)["web"]["not_found"])


async def index(request: Request):
    lang = _lang(request)
    if lang is None:
        return _not_found()
    return page("index.html.j2", lang, rulesets=_choices(lang))


def _choices(lang: str) -> list[dict]:
    return [{"name": name, "title": (rules.description.get("title") or {}).get(lang, name),
             "standard": rules.description.get("standard") or ""} for name, rules in rulesets().items()]


async def form_page(request: Request):
    lang, rules = _lang(request), shipped(request.path_params["name"])
    if lang is None or rules is None:
        return _not_found(lang or "zh")
    if request.method == "GET":
        return _form(lang, rules, {}, {})
    pairs = parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
    evidence, texts, typing = forms.read_form(rules.schema, pairs)
    given = forms.form_parameters(pairs)
    if "relabel" in request.query_params:   # the language switch: the same form, in the other language
        return _form(lang, rules, texts, {}, given=given)
    values, wrong = _parameters(rules, given, lang)
    problems = {pointer: [en if lang == "en" else zh] for pointer, (en, zh) in typing.items()}
    try:
        application = intake.application_of(evidence, rules, "form")
    except EvidenceError as error:
        for problem in error.problems:
            if problem.pointer not in problems:   # a value that could not be typed says why once
                problems.setdefault(problem.pointer, []).append(problem.message(lang))
        return _form(lang, rules, texts, problems, 422, given, wrong)
    if problems or wrong:
        return _form(lang, rules, texts, problems, 422, given, wrong)
    return _result(lang, application, given, values)


def _parameters(rules: Ruleset, given: dict[str, str], lang: str) -> tuple[dict, dict[str, list[str]]]:
    """The parameters typed in a form, checked: their values, and each problem in `lang` by name."""
    values, wrong = forms.check_parameters(rules, given, beside_units=True)
    return values, {name: [_parameter_message(text, lang)] for name, text in wrong.items()}


def _parameter_message(english: str, lang: str) -> str:
    # The ruleset's checks word their problems in English; the catalogue frames them in Chinese.
    return english if lang == "en" else fill(messages("zh")["web"]["param_invalid"], detail=english)


def _form(lang: str, rules: Ruleset, texts: dict, problems: dict, status: int = 200, given: dict | None = None,
          wrong: dict | None = None) -> HTMLResponse:
    parameters = forms.parameters_view(rules, lang, given or {}, wrong or {})
    groups = forms.view(rules.schema, lang, texts, problems)
    shown = {f["name"] for g in groups for f in g["fields"] if f["name"]} | {
        c["name"] for g in groups for row in g.get("rows", []) for c in row} | {
        g["pointer"] for g in groups}
    elsewhere = [f"{pointer or '/'}: {text}" for pointer, texts_ in sorted(problems.items()) for text in texts_
                 if pointer not in shown]
    declared = {p["name"] for p in parameters}   # a parameter the ruleset does not declare has no input
    elsewhere += [f"{forms.PARAM}{name}: {text}" if name else text for name, texts_ in (wrong or {}).items()
                  for text in texts_ if name not in declared]
    return page("form.html.j2", lang, status, ruleset=_describe(rules, lang), name=rules.path.stem,
                groups=groups, parameters=parameters, problems=elsewhere,
                count=sum(len(v) for v in problems.values()) + sum(len(v) for v in (wrong or {}).values()))


def _describe(rules: Ruleset, lang: str) -> dict:
    description = rules.description
    return {"title": (description.get("title") or {}).get(lang) or rules.id, "standard": description.get("standard"),
            "version": description.get("version")}


async def upload(request: Request):
    lang = _lang(request)
    if lang is None:
        return _not_found()
    try:
        filename, content, name, lines = _uploaded(request.headers.get("content-type", ""), await request.body())
    except ValueError:
        return page("message.html.j2", lang, 400, message=messages(lang)["web"]["no_file"])
    chosen = shipped(name) if name else None
    try:
        application = intake.parse_application(content, filename, ruleset=chosen, validate=False)
    except (EvidenceError, RulesetError, intake.NoRuleset) as error:
        problems = error.problems if isinstance(error, EvidenceError) else [
            Problem("/ruleset", *pair("web", "no_ruleset"))]
        return page("message.html.j2", lang, 400, message=messages(lang)["web"]["unreadable"],
                    problems=[_problem_text(p, lang) for p in problems])
    # Parameters as the CLI's --param: one NAME=VALUE a line, the unit written.
    given, malformed = forms.named_values([line for line in lines.splitlines() if line.strip()])
    values, wrong = forms.check_parameters(application.ruleset, given)
    if malformed or wrong:
        return page("message.html.j2", lang, 422, message=messages(lang)["web"]["params_invalid"],
                    problems=[f"{name}: {_parameter_message(text, lang)}"
                              for name, text in {**malformed, **wrong}.items()])
    try:
        intake.check(application, application.evidence)
    except EvidenceError as error:
        problems: dict[str, list[str]] = {}
        for problem in error.problems:
            problems.setdefault(problem.pointer, []).append(_problem_text(problem, lang, pointer=False))
        return _form(lang, application.ruleset, forms.texts_of(application.ruleset.schema, application.evidence),
                     problems, 422, given)
    return _result(lang, application, given, values)


def _problem_text(problem: Problem, lang: str, pointer: bool = True) -> str:
    where = [problem.cell] if problem.cell else []
    where += [problem.pointer or "/"] if pointer else []
    return ": ".join(where + [problem.message(lang)])


def _uploaded(content_type: str, body: bytes) -> tuple[str, bytes, str | None, str]:
    """The file, the chosen ruleset and the parameters' text of a multipart form, parsed in memory (nothing
    spills to disk)."""
    if not content_type.startswith("multipart/form-data"):
        raise ValueError("not a multipart form")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body)
    file, name, params = None, None, ""
    for part in message.iter_parts() if message.is_multipart() else []:
        field = part.get_param("name", header="content-disposition")
        if field == "file" and part.get_filename():
            file = (part.get_filename(), part.get_payload(decode=True) or b"")
        elif field == "ruleset":
            name = (part.get_payload(decode=True) or b"").decode("utf-8", "replace").strip() or None
        elif field == "params":
            params = (part.get_payload(decode=True) or b"").decode("utf-8", "replace")
    if file is None or not file[1]:
        raise ValueError("no file")
    return file[0], file[1], name, params


def _result(lang: str, application, given: dict[str, str], values: dict, before=None, changes=None) -> HTMLResponse:
    """The result page; `given` (the parameters as typed) travels back with the evidence for what it offers."""
    from ...outputs.gaptext import render_comparison, render_gap
    from ...outputs.report import render
    rules = application.ruleset
    result = rules.evaluate(application.evidence, params=values, date=intake.default_date(),
                            evidence_bytes=application.raw, gap=True, validated=True)
    data = result.to_dict()
    comparison = None
    if before is not None:
        from ...evaluation.whatif import compare
        comparison = render_comparison(compare(before, result), changes, lang)
    return page("result.html.j2", lang, ruleset=_describe(rules, lang), name=rules.path.stem, result=data,
                grade=(data.get("grade") or {}).get("label", {}).get(lang),
                report=render(result, "html", lang), gap=render_gap(result, result.gap, lang),
                evidence=dumps(application.evidence), params=json.dumps(given, ensure_ascii=False),
                fields=_leaves(application.evidence),
                comparison=comparison, hypothetical=before is not None, pdf=_pdf_available())


def _leaves(node, pointer: str = "") -> list[dict]:
    """Every value of the evidence, for the what-if panel's choice."""
    if isinstance(node, dict):
        return [leaf for key, value in node.items() if key != "ruleset" or pointer
                for leaf in _leaves(value, f"{pointer}/{key}")]
    if isinstance(node, list):
        return [leaf for i, value in enumerate(node) for leaf in _leaves(value, f"{pointer}/{i}")]
    return [{"pointer": pointer, "value": json.dumps(node, ensure_ascii=False) if isinstance(node, str)
             else dumps(node).strip()}]


@functools.lru_cache(maxsize=1)
def _pdf_available() -> bool:
    import importlib.util
    return importlib.util.find_spec("weasyprint") is not None


async def _sent_back(request: Request, rules: Ruleset, lang: str) -> tuple | HTMLResponse:
    """What a result page sent back (hidden fields), parsed and checked afresh: (the application, the form,
    the parameters as typed, their values); or the page that says why it cannot be used."""
    form = dict(parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True))
    try:
        evidence = parse_evidence(form.get("evidence", "").encode("utf-8"), "evidence")
        application = intake.application_of(evidence, rules, "evidence")
    except EvidenceError as error:
        return page("message.html.j2", lang, 422, message=messages(lang)["web"]["unreadable"],
                    problems=[_problem_text(p, lang) for p in error.problems])
    try:
        given = json.loads(form.get("params") or "{}")
    except ValueError:
        given = None
    if not isinstance(given, dict) or not all(isinstance(v, str) for v in given.values()):
        return page("message.html.j2", lang, 422, message=messages(lang)["web"]["unreadable"])
    values, wrong = _parameters(rules, given, lang)
    if wrong:
        return page("message.html.j2", lang, 422, message=messages(lang)["web"]["unreadable"],
                    problems=[f"{name}: {text}" for name, texts in wrong.items() for text in texts])
    return application, form, given, values


async def what_if(request: Request):
    from ...evaluation.whatif import apply_changes, parse_change
    lang, rules = _lang(request), shipped(request.path_params["name"])
    if lang is None or rules is None:
        return _not_found(lang or "zh")
    sent = await _sent_back(request, rules, lang)
    if isinstance(sent, Response):
        return sent
    application, form, given, values = sent
    try:
        change = f"{form.get('pointer', '')}={form.get('value', '')}"
        changed = apply_changes(application.evidence, [parse_change(change)])
        hypothetical = intake.application_of(changed, rules, "what-if")
    except EvidenceError as error:
        return page("message.html.j2", lang, 422, message=messages(lang)["web"]["whatif_invalid"],
                    problems=[_problem_text(p, lang) for p in error.problems])
    except ValueError as error:
        return page("message.html.j2", lang, 422, message=messages(lang)["web"]["whatif_invalid"],
                    problems=[str(error)])
    before = rules.evaluate(application.evidence, params=values, date=intake.default_date(),
                            evidence_bytes=application.raw, validated=True)  # compared without its gap
    return _result(lang, hypothetical, given, values, before=before, changes=[change])


async def result_page(request: Request):
    """A result page again (in the other language): from the evidence the page sent back."""
    lang, rules = _lang(request), shipped(request.path_params["name"])
    if lang is None or rules is None:
        return _not_found(lang or "zh")
    sent = await _sent_back(request, rules, lang)
    if isinstance(sent, Response):
        return sent
    application, _, given, values = sent
    return _result(lang, application, given, values)


async def download(request: Request):
    from ...outputs.report import render
    lang, rules, fmt = _lang(request), shipped(request.path_params["name"]), request.path_params["fmt"]
    if lang is None or rules is None or fmt not in ("json", "html", "pdf", "xlsx"):
        return _not_found(lang or "zh")
    sent = await _sent_back(request, rules, lang)
    if isinstance(sent, Response):
        return sent
    application, _, _, values = sent
    stem = f"{rules.path.stem}-{'evidence' if fmt == 'xlsx' else 'report'}"
    if fmt == "xlsx":
        from ...outputs.workbook import write_workbook
        content, kind = write_workbook(rules.schema, rules.description, application.evidence), XLSX_TYPE
    else:
        result = rules.evaluate(application.evidence, params=values, date=intake.default_date(),
                                evidence_bytes=application.raw, gap=True, validated=True)
        try:
            content = render(result, fmt, lang)
        except Exception as error:   # PDF support missing or failing: say so, do not fault
            return page("message.html.j2", lang, 501, message=str(error))
        kind = {"json": "application/json", "html": "text/html; charset=utf-8", "pdf": "application/pdf"}[fmt]
    return Response(content if isinstance(content, bytes) else content.encode("utf-8"), media_type=kind,
                    headers={"content-disposition": f'attachment; filename="{stem}.{fmt}"'})


async def static(request: Request):
    name = request.path_params["name"]
    if name not in STATIC:
        return Response("not found", 404, media_type="text/plain")
    return Response((resource_dir("templates") / "web" / name).read_bytes(), media_type=STATIC[name])


# ------------------------------------------------------------------------------------ JSON API

def _problems_json(problems: list[Problem]) -> list[dict]:
    return [{"pointer": p.pointer, "message": {"zh": p.message_zh, "en": p.message_en},
             **({"cell": p.cell} if p.cell else {}), **({"line": p.line} if p.line is not None else {}),
             **({"column": p.column} if p.column is not None else {})} for p in problems]


async def api_rulesets(request: Request):
    return JSONResponse([{"name": name, **{k: rules.description.get(k) for k in ("id", "version", "title",
                                                                                    "standard")},
                          "parameters": forms.declared_parameters(rules)} for name, rules in rulesets().items()])


async def api_schema(request: Request):
    rules = shipped(request.path_params["name"])
    if rules is None:
        return JSONResponse({"error": "no such ruleset"}, 404)
    return JSONResponse(rules.schema)


async def api_check(request: Request):
    """Evidence in (JSON, or XLSX by content), the result JSON out; 400 malformed, 422 invalid."""
    query = request.query_params
    name = query.get("ruleset")
    chosen = shipped(name) if name else None
    if name and chosen is None:
        return JSONResponse({"error": "no such ruleset", "ruleset": name[:100]}, 404)
    gap = query.get("gap", "false")
    if gap not in ("true", "false"):
        return JSONResponse({"error": "invalid parameters", "problems": [
            _problem_json({"parameter": "gap"}, f"expected true or false, got {gap[:100]!r}")]}, 400)
    body = await request.body()
    try:
        application = intake.parse_application(body, "request", ruleset=chosen, validate=False)
    except EvidenceError as error:
        return JSONResponse({"error": "malformed evidence", "problems": _problems_json(error.problems)}, 400)
    except (RulesetError, intake.NoRuleset) as error:
        return JSONResponse({"error": "invalid evidence", "problems": [{
            "pointer": "/ruleset", "message": {"en": str(error).splitlines()[0][:300],
                                                "zh": messages("zh")["web"]["no_ruleset_api"]}}]}, 422)
    try:
        intake.check(application, application.evidence)
    except EvidenceError as error:
        return JSONResponse({"error": "invalid evidence", "problems": _problems_json(error.problems)}, 422)
    params, problems = _api_parameters(application.ruleset, query.getlist("param"))
    if problems:
        return JSONResponse({"error": "invalid parameters", "problems": problems}, 400)
    result = application.ruleset.evaluate(application.evidence, date=intake.default_date(), params=params,
                                          evidence_bytes=application.raw, validated=True, gap=gap == "true")
    return Response(result.to_json(), media_type="application/json")


def _api_parameters(rules: Ruleset, pairs: list[str]) -> tuple[dict, list[dict]]:
    """`param=NAME=VALUE` query texts, as the CLI's --param: the values, or every problem at once."""
    given, malformed = forms.named_values(pairs)
    values, wrong = forms.check_parameters(rules, given)
    return values, [_problem_json({"parameter": name[:100]}, text) for name, text in {**malformed, **wrong}.items()]


def _problem_json(where: dict, english: str) -> dict:
    return {**where, "message": {"zh": _parameter_message(english, "zh"), "en": english}}


async def api_openapi(request: Request):
    return JSONResponse(OPENAPI)


_PROBLEMS = {"type": "object", "properties": {"error": {"type": "string"}, "problems": {"type": "array", "items": {
    "type": "object", "required": ["message"], "properties": {
        "pointer": {"type": "string", "description": "RFC 6901 JSON pointer into the evidence"},
        "parameter": {"type": "string", "description": "the query parameter (`gap`, or a ruleset parameter's name)"},
        "cell": {"type": "string", "description": "the workbook cell, for XLSX evidence"},
        "message": {"type": "object", "properties": {"zh": {"type": "string"}, "en": {"type": "string"}}}}}}}}
OPENAPI = {
    "openapi": "3.1.0",
    "info": {"title": "carbon-check self-check API", "version": "1",
             "description": "Score evidence against the shipped rulesets of China's dual-carbon standards."},
    "paths": {
        "/api/v1/rulesets": {"get": {"summary": "The shipped rulesets", "responses": {"200": {
            "description": "name, id, version, title (zh/en) and standard of each, and the parameters it "
                           "declares (name, label zh/en, unit, default, range or allowed values), which "
                           "POST /api/v1/check takes as `param`"}}}},
        "/api/v1/rulesets/{name}/schema": {"get": {
            "summary": "The JSON Schema of a ruleset's evidence",
            "parameters": [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "a JSON Schema (2020-12)"}, "404": {"description": "no such ruleset"}}}},
        "/api/v1/check": {"post": {
            "summary": "Score one application",
            "description": "The result as `carbon-check check --format json` writes it, with one difference by "
                           "default: the gap to the next grade (what the applicant would still need, the longest "
                           "part of the work) is worked out only when asked with `gap=true`; without it the "
                           "result's `gap` is null. The outcome, grade, score, items and their explanations are "
                           "the same either way.",
            "parameters": [
                {"name": "ruleset", "in": "query", "required": False, "schema": {"type": "string"},
                 "description": "a shipped ruleset (default: the evidence's \"ruleset\" field)"},
                {"name": "gap", "in": "query", "required": False,
                 "schema": {"type": "string", "enum": ["false", "true"], "default": "false"},
                 "description": "true: also work out the gap to the next grade (the result's `gap`), as the CLI "
                                "does; false (default): `gap` is null, not worked out"},
                {"name": "param", "in": "query", "required": False, "style": "form", "explode": True,
                 "schema": {"type": "array", "items": {"type": "string"}},
                 "description": "a ruleset parameter, NAME=VALUE as the CLI's --param (e.g. "
                                "`benchmark_cement=600 kgCO2e`); repeat for several. Each is checked against "
                                "the range or values the ruleset declares (GET /api/v1/rulesets lists them)"}],
            "requestBody": {"required": True, "content": {
                "application/json": {"schema": {"type": "object"}},
                XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}}},
                "description": f"the evidence, JSON or an XLSX workbook, at most {MAX_BODY} bytes"},
            "responses": {
                "200": {"description": "the result (schemas/result.schema.json)",
                        "content": {"application/json": {"schema": {"type": "object"}}}},
                "400": {"description": "malformed evidence, or an invalid `param` or `gap` (each problem names "
                                        "its parameter)", "content": {"application/json": {"schema": _PROBLEMS}}},
                "401": {"description": "the server's token is missing or wrong"},
                "413": {"description": "body larger than the limit"},
                "422": {"description": "invalid evidence: every problem with its pointer",
                        "content": {"application/json": {"schema": _PROBLEMS}}}}}},
        "/api/v1/openapi.json": {"get": {"summary": "This description", "responses": {"200": {
            "description": "OpenAPI 3.1"}}}},
    },
    "components": {"securitySchemes": {"token": {"type": "http", "scheme": "bearer"}}},
}
