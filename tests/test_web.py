"""The self-check web app and its JSON API, through Starlette's test client (the browser test drives the pages)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from checker.evaluation.ruleset import load_ruleset
from checker.evidence.load import load_evidence
from checker.interfaces.cli import main
from checker.interfaces.web.app import MAX_BODY, create_app
from checker.interfaces.web.form import read_form, texts_of
from checker.outputs.workbook import write_workbook

ROOT = Path(__file__).parent.parent
FOUR = ROOT / "examples" / "zero-carbon-factory" / "four-stars.json"
FACTORY = load_ruleset("zero-carbon-factory")
TOKEN = "s3cret-token-0123456789"


@pytest.fixture(scope="module")
def client():
    return TestClient(create_app())


def cli_result() -> dict:
    out = CliRunner().invoke(main, ["check", str(FOUR), "--format", "json"])
    return json.loads(out.stdout)


def four_texts() -> dict:
    return texts_of(FACTORY.schema, load_evidence(FOUR)[0])


# ------------------------------------------------------------------------------------ API

def test_api_check_gives_the_cli_result_and_the_gap_when_asked(client):
    response = client.post("/api/v1/check?gap=true", content=FOUR.read_bytes())
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    assert response.text == CliRunner().invoke(main, ["check", str(FOUR), "--format", "json"]).stdout
    assert response.json()["gap"]["target"]["id"] == "five_stars"


def test_api_check_leaves_the_gap_out_by_default_and_nothing_else(client):
    response = client.post("/api/v1/check", content=FOUR.read_bytes())
    assert response.status_code == 200
    assert response.json() == {**cli_result(), "gap": None}
    assert client.post("/api/v1/check?gap=false", content=FOUR.read_bytes()).text == response.text
    wrong = client.post("/api/v1/check?gap=yes", content=FOUR.read_bytes())
    assert wrong.status_code == 400
    assert wrong.json()["problems"] == [{"parameter": "gap", "message": {
        "en": "expected true or false, got 'yes'", "zh": "参数值无效：expected true or false, got 'yes'"}}]


def test_api_check_takes_ruleset_parameters_as_the_cli_does(client):
    query = "?param=gwp_vintage=AR6&param=grid_factor_before_2021=0.6 tCO2/MWh"
    response = client.post("/api/v1/check" + query, content=FOUR.read_bytes())
    assert response.status_code == 200
    expected = CliRunner().invoke(main, ["check", str(FOUR), "--format", "json", "--param", "gwp_vintage=AR6",
                                         "--param", "grid_factor_before_2021=0.6 tCO2/MWh"]).stdout
    assert response.json() == {**json.loads(expected), "gap": None}
    assert response.json()["parameters"]["gwp_vintage"]["value"] == "AR6"


def test_api_check_names_every_bad_parameter_at_once(client):
    query = "?param=nope=1&param=grid_factor_before_2021=0.6&param=x"
    response = client.post("/api/v1/check" + query, content=FOUR.read_bytes())
    assert response.status_code == 400
    problems = {p["parameter"]: p["message"]["en"] for p in response.json()["problems"]}
    assert problems == {
        "x": "expected NAME=VALUE, got 'x'",
        "nope": "ruleset zero_carbon_factory has no parameter 'nope'",
        "grid_factor_before_2021": "parameter 'grid_factor_before_2021' is in tCO2/MWh: write the unit, "
                                   "e.g. 0.6 tCO2/MWh"}


def test_api_check_reads_a_workbook_with_the_same_result_but_the_hash(client):
    content = write_workbook(FACTORY.schema, FACTORY.description, load_evidence(FOUR)[0])
    response = client.post("/api/v1/check?gap=true", content=content)
    assert response.status_code == 200
    result, expected = response.json(), cli_result()
    assert result["evidence"]["sha256"] != expected["evidence"]["sha256"]
    result["evidence"].pop("sha256"), expected["evidence"].pop("sha256")
    assert result == expected


def test_api_invalid_evidence_is_422_with_every_problem_and_pointer(client):
    evidence = json.loads(FOUR.read_text())
    evidence["electricity"]["consumption"] = "lots"
    del evidence["applicant"]["name"]
    response = client.post("/api/v1/check", content=json.dumps(evidence).encode())
    assert response.status_code == 422
    problems = response.json()["problems"]
    assert [p["pointer"] for p in problems] == ["/applicant/name", "/electricity/consumption"]
    assert problems[0]["message"] == {"zh": "缺少必填属性", "en": "required property is missing"}


@pytest.mark.parametrize("body", [b"{", b"[]x", b"PK\x03\x04garbage", "{\"a\": 1, \"a\": 2}".encode()])
def test_api_malformed_evidence_is_400(client, body):
    response = client.post("/api/v1/check", content=body)
    assert response.status_code == 400 and response.json()["problems"]


def test_api_a_ruleset_not_shipped_is_refused(client):
    evidence = json.loads(FOUR.read_text())
    evidence["ruleset"] = "/etc/passwd"
    assert client.post("/api/v1/check", content=json.dumps(evidence).encode()).status_code == 422
    assert client.post("/api/v1/check?ruleset=../../etc/x", content=FOUR.read_bytes()).status_code == 404


def test_api_rulesets_schema_and_openapi(client):
    names = [r["name"] for r in client.get("/api/v1/rulesets").json()]
    assert "zero-carbon-factory" in names
    assert client.get("/api/v1/rulesets/zero-carbon-factory/schema").json() == FACTORY.schema
    assert client.get("/api/v1/rulesets/nope/schema").status_code == 404
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.") and "/api/v1/check" in spec["paths"]
    check = spec["paths"]["/api/v1/check"]["post"]
    assert {p["name"] for p in check["parameters"]} == {"ruleset", "gap", "param"}
    assert "gap=true" in check["description"]


def test_api_rulesets_list_their_parameters(client):
    listed = {r["name"]: r["parameters"] for r in client.get("/api/v1/rulesets").json()}
    vintage = next(p for p in listed["zero-carbon-factory"] if p["name"] == "gwp_vintage")
    assert vintage == {"name": "gwp_vintage", "label": {"zh": "全球增温潜势取值版本", "en": "GWP vintage"},
                       "unit": None, "default": "AR5", "range": None, "choices": ["SAR", "AR4", "AR5", "AR6"]}
    cement = next(p for p in listed["low-carbon-product"] if p["name"] == "benchmark_cement")
    assert cement == {"name": "benchmark_cement", "label": {"zh": "通用硅酸盐水泥碳排放基准值",
                                                            "en": "Benchmark: common Portland cement"},
                      "unit": "kgCO2e", "default": None, "range": ">= 0 kgCO2e", "choices": None}
    share = next(p for p in listed["zero-carbon-park"] if p["name"] == "clean_energy_min")
    assert (share["default"], share["range"]) == ("90%", "[0%, 100%]")


def test_bodies_over_the_limit_are_refused(client):
    assert client.post("/api/v1/check", content=b" " * (MAX_BODY + 1)).status_code == 413

    def chunks():   # no Content-Length: counted as it arrives
        for _ in range(11):
            yield b" " * (1 << 20)
    assert client.post("/api/v1/check", content=chunks()).status_code == 413


# ------------------------------------------------------------------------------------ security

def test_security_headers_on_every_response(client):
    for response in (client.get("/zh/"), client.post("/api/v1/check", content=b"{"), client.get("/nope")):
        csp = response.headers["content-security-policy"]
        assert "unsafe-eval" not in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "access-control-allow-origin" not in response.headers


def test_no_cors(client):
    response = client.options("/api/v1/check", headers={"Origin": "https://elsewhere.example",
                                                         "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in response.headers


def test_a_token_is_required_when_set():
    guarded = TestClient(create_app(TOKEN))
    assert guarded.get("/api/v1/rulesets").status_code == 401
    assert guarded.get("/api/v1/rulesets", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert guarded.get("/api/v1/rulesets", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    opened = guarded.get(f"/zh/?token={TOKEN}", follow_redirects=False)
    assert opened.status_code == 303 and "token" not in opened.headers["location"]
    assert "HttpOnly" in opened.headers["set-cookie"] and "SameSite=strict" in opened.headers["set-cookie"]
    assert guarded.get("/zh/").status_code == 200   # the cookie now carries it


def test_evidence_strings_are_escaped_everywhere(client):
    texts = four_texts()
    texts["/applicant/name"] = "<script>alert(1)</script>"
    texts["/applicant/credit_code"] = "\"><img src=x onerror=alert(1)>"
    page = client.post("/zh/check/zero-carbon-factory", data=texts).text
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize("args, message", [
    (["serve", "--host", "0.0.0.0", "--lang", "en"], "refusing to listen on 0.0.0.0 without --token"),
    (["serve", "--host", "0.0.0.0"], "未设置 --token，拒绝在 0.0.0.0 上监听"),
    (["serve", "--host", "127.0.0.1", "--token", "short", "--lang", "en"], "at least 16 characters"),
    (["serve", "--host", "127.0.0.1", "--token", "short"], "令牌至少须有 16 个字符"),
])
def test_serve_refuses_to_start_unsafely(args, message):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and message in result.stderr


@pytest.mark.parametrize("workers", ["1", "2"])
def test_serve_says_when_its_port_is_taken(workers):
    import socket
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        english = CliRunner().invoke(main, ["serve", "--port", port, "--workers", workers, "--lang", "en"])
        chinese = CliRunner().invoke(main, ["serve", "--port", port, "--workers", workers])
    assert english.exit_code == chinese.exit_code == 2
    assert english.stderr.startswith(f"carbon-check serve: cannot listen on 127.0.0.1 port {port} (")
    assert chinese.stderr.startswith(f"carbon-check serve：无法在 127.0.0.1 的端口 {port} 上监听（")


@pytest.mark.parametrize("host, here, others", [
    ("127.0.0.1", "http://127.0.0.1:8000/?token=T", None),
    ("::1", "http://[::1]:8000/?token=T", None),
    ("192.168.1.20", "http://192.168.1.20:8000/?token=T", None),
    ("0.0.0.0", "http://127.0.0.1:8000/?token=T", r"http://[^/:\[\]]+:8000/\?token=T"),
    ("::", "http://[::1]:8000/?token=T", r"http://(\[[0-9a-f:]+\]|[^/:\[\]]+):8000/\?token=T"),
])
def test_the_printed_urls_can_be_opened(host, here, others):
    from checker.interfaces.web.server import urls
    local, remote = urls(host, 8000, "T")
    assert local == here
    assert (remote is None) if others is None else re.fullmatch(others, remote)
    assert "0.0.0.0" not in (remote or "") and "[::]" not in (remote or "")


def test_serve_with_two_workers_shares_the_connections_says_so_in_chinese_and_stops_them_all():
    import os
    import subprocess
    import sys
    import http.client
    server = subprocess.Popen([sys.executable, "-m", "checker.interfaces.cli", "serve", "--port", "0",
                               "--workers", "2"], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        line = server.stdout.readline()
        found = re.fullmatch(r"碳核查自评已启动：http://127\.0\.0\.1:(\d+)/（按 Ctrl-C 停止）\n", line)
        assert found, line
        import time
        for _ in range(100):   # a child shows its own command line once it has started the new interpreter
            workers = [pid for pid in Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
                       if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()]
            if len(workers) == 2:
                break
            time.sleep(0.1)
        port = int(found.group(1))

        def accepted():   # inodes of the server's end of each established connection to the port
            inodes = set()
            for table in ("/proc/net/tcp", "/proc/net/tcp6"):
                for row in Path(table).read_text().splitlines()[1:]:
                    fields = row.split()
                    if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":
                        inodes.add(fields[9])
            return inodes

        def sockets(pid):   # only connections to the port: an event loop's own socket pair is not one
            held, count = accepted(), 0
            for link in Path(f"/proc/{pid}/fd").iterdir():
                try:
                    count += os.readlink(link).removeprefix("socket:[").removesuffix("]") in held
                except FileNotFoundError:   # a descriptor closed while it was being listed
                    pass
            return count
        before = {pid: sockets(pid) for pid in workers}
        connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=60) for _ in range(20)]
        for connection in connections:
            connection.request("POST", "/api/v1/check", FOUR.read_bytes())
            response = connection.getresponse()
            assert response.status == 200 and json.loads(response.read())["grade"]["id"] == "four_stars"
        # Both workers took a share of the 20 keep-alive connections (a shared socket gave one of them 19).
        taken = {pid: sockets(pid) - before[pid] for pid in workers}
        assert sum(taken.values()) == 20 and min(taken.values()) >= 2, taken
        for connection in connections:
            connection.close()
    finally:
        server.terminate()
        server.wait(30)
    assert server.returncode == 0
    gone = [pid for pid in workers if not Path(f"/proc/{pid}").exists()
            or Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"]
    assert len(workers) == 2 and gone == workers


# ------------------------------------------------------------------------------------ pages

def test_the_form_scores_like_the_cli(client):
    page = client.post("/en/check/zero-carbon-factory", data=four_texts())
    assert page.status_code == 200
    expected = cli_result()
    assert re.search(r'id="grade">4 stars<', page.text)
    assert re.search(rf'id="score">{expected["score"]}<', page.text)
    assert 'id="report" sandbox' in page.text and 'id="gap"' in page.text


def test_problems_appear_beside_their_fields(client):
    texts = four_texts()
    texts["/electricity/consumption"] = "lots"
    texts["/reporting_period/year"] = "1999"
    page = client.post("/en/check/zero-carbon-factory", data=texts)
    assert page.status_code == 422
    field = page.text[page.text.index('id="/electricity/consumption"'):]
    assert field.index("expected a number, found &#39;lots&#39;") < field.index('class="field"')
    field = page.text[page.text.index('id="/reporting_period/year"'):]
    assert field.index("expected a number greater than or equal to 2000") < field.index('class="field"')
    assert 'value="lots"' in page.text   # what was typed is kept


def test_form_units_convert_exactly():
    texts = four_texts()
    texts["/electricity/consumption"], texts["unit:/electricity/consumption"] = "1", "万kWh"
    texts["/emissions/direct/0/mass"], texts["unit:/emissions/direct/*/mass"] = "1.2", "万t"
    evidence, _, problems = read_form(FACTORY.schema, list(texts.items()))
    assert not problems
    assert str(evidence["electricity"]["consumption"]) == "10"
    assert str(evidence["emissions"]["direct"][0]["mass"]) == "12000"
    assert str(evidence["emissions"]["direct"][1]["mass"]) == "5000"   # 0.5 万t: the unit is the column's


def test_empty_rows_are_dropped_and_rows_renumbered():
    texts = {k: v for k, v in four_texts().items() if not k.startswith("/emissions/direct/")}
    texts.update({"/emissions/direct/3/source": "锅炉", "/emissions/direct/3/gas": "CO2",
                  "/emissions/direct/3/mass": "5", "/emissions/direct/7/mass": ""})
    evidence, typed_texts, _ = read_form(FACTORY.schema, list(texts.items()))
    assert evidence["emissions"]["direct"] == [{"source": "锅炉", "gas": "CO2", "mass": 5}]
    assert typed_texts["/emissions/direct/0/mass"] == "5"


def test_upload_xlsx_and_json(client):
    content = write_workbook(FACTORY.schema, FACTORY.description, load_evidence(FOUR)[0])
    for name, body in (("app.xlsx", content), ("app.json", FOUR.read_bytes())):
        page = client.post("/zh/upload", files={"file": (name, body)}, data={"ruleset": ""})
        assert page.status_code == 200 and 'id="grade">四星<' in page.text


def test_an_upload_takes_parameters_as_the_cli_does(client):
    park = (ROOT / "examples" / "zero-carbon-park" / "passed-national.json").read_bytes()
    page = client.post("/en/upload", files={"file": ("park.json", park)},
                       data={"ruleset": "", "params": "clean_energy_min=99.9%\n\n"})
    assert page.status_code == 200 and re.search(r'id="outcome">Ineligible<', page.text)
    assert "{&#34;clean_energy_min&#34;: &#34;99.9%&#34;}" in page.text   # kept for the what-if and downloads
    wrong = client.post("/zh/upload", files={"file": ("park.json", park)},
                        data={"params": "clean_energy_min=99.9\nnonsense"})
    assert wrong.status_code == 422 and "规则集参数有误" in wrong.text
    assert "clean_energy_min: 参数值无效：parameter &#39;clean_energy_min&#39; is in %: write the unit" in wrong.text
    assert "nonsense: 参数值无效：expected NAME=VALUE, got &#39;nonsense&#39;" in wrong.text


def test_an_invalid_upload_opens_the_form_with_its_problems(client):
    evidence = json.loads(FOUR.read_text())
    evidence["electricity"]["consumption"] = -1
    page = client.post("/en/upload", files={"file": ("app.json", json.dumps(evidence).encode())})
    assert page.status_code == 422
    assert 'value="-1"' in page.text and "expected a number greater than or equal to 0" in page.text


def test_what_if_is_marked_hypothetical_and_compared(client):
    evidence = FOUR.read_text()
    page = client.post("/en/whatif/zero-carbon-factory",
                       data={"evidence": evidence, "pointer": "/offsets/credits/0/quantity", "value": "2600"})
    assert page.status_code == 200
    assert 'id="hypothetical"' in page.text and 'id="comparison"' in page.text


@pytest.mark.parametrize("fmt, kind", [("json", "application/json"), ("html", "text/html"),
                                       ("xlsx", "application/vnd.openxmlformats")])
def test_downloads(client, fmt, kind):
    response = client.post(f"/en/download/zero-carbon-factory/{fmt}", data={"evidence": FOUR.read_text()})
    assert response.status_code == 200 and response.headers["content-type"].startswith(kind)
    assert "attachment" in response.headers["content-disposition"]
    if fmt == "json":
        assert response.json()["grade"]["id"] == "four_stars"


def test_language_switch_keeps_what_was_typed(client):
    texts = four_texts()
    page = client.post("/en/check/zero-carbon-factory?relabel=1", data=texts)
    assert page.status_code == 200 and 'lang="en"' in page.text and "Check" in page.text
    assert f'value="{texts["/applicant/name"]}"' in page.text


def test_api_a_workbook_cell_that_cannot_be_read_is_422_naming_the_cell(client):
    import io

    import openpyxl
    book = openpyxl.load_workbook(io.BytesIO(write_workbook(FACTORY.schema, FACTORY.description,
                                                            load_evidence(FOUR)[0])))
    book["核算边界内的用电情况"]["C3"] = "lots"
    buffer = io.BytesIO()
    book.save(buffer)
    response = client.post("/api/v1/check", content=buffer.getvalue())
    assert response.status_code == 422
    assert response.json()["problems"] == [{
        "pointer": "/electricity/consumption", "cell": "核算边界内的用电情况!C3",
        "message": {"en": "expected a number, found 'lots'", "zh": "应为数字，实际为 'lots'"}}]


EXAMPLES = sorted((ROOT / "examples").glob("*/*.json"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_example_goes_through_the_form_unchanged(client, path):
    evidence = load_evidence(path)[0]
    rules = load_ruleset(evidence["ruleset"])
    texts = texts_of(rules.schema, evidence)
    back, _, problems = read_form(rules.schema, list(texts.items()))
    assert not problems
    assert back == evidence   # an empty list too: its "none" box is ticked
    assert client.get(f"/en/check/{path.parent.name}").status_code == 200


def test_an_empty_list_is_stated_with_its_none_box_not_by_leaving_it_blank():
    texts = texts_of(FACTORY.schema, load_evidence(ROOT / "examples" / "zero-carbon-factory" / "six-stars.json")[0])
    assert texts["empty:/offsets/credits"] == "on"
    stated, _, problems = read_form(FACTORY.schema, list(texts.items()))
    assert stated["offsets"]["credits"] == [] and not problems
    del texts["empty:/offsets/credits"]
    left, _, _ = read_form(FACTORY.schema, list(texts.items()))
    assert "credits" not in left["offsets"]
    both = {**four_texts(), "empty:/offsets/credits": "on"}
    _, _, problems = read_form(FACTORY.schema, list(both.items()))
    assert problems["/offsets/credits"][0].startswith("expected no rows when 'none' is ticked")


def test_the_none_box_is_on_the_page_and_kept_when_the_form_comes_back(client):
    page = client.get("/en/check/zero-carbon-factory").text
    assert 'type="checkbox" name="empty:/offsets/credits" id="empty:/offsets/credits">' in page
    texts = {**four_texts(), "empty:/offsets/credits": "on"}
    again = client.post("/zh/check/zero-carbon-factory", data=texts)
    assert again.status_code == 422
    assert 'name="empty:/offsets/credits" id="empty:/offsets/credits" checked>' in again.text
    assert "勾选了“无”却填写了行" in again.text


# ------------------------------------------------------------------------------------ parameters in the form

def test_the_form_offers_the_rulesets_parameters_with_their_ranges_and_values(client):
    page = client.get("/en/check/zero-carbon-factory").text
    section = page[page.index('id="parameters"'):page.index("</fieldset>", page.index('id="parameters"'))]
    assert '<label for="param:gwp_vintage">GWP vintage</label>' in section
    assert re.search(r'<select name="param:gwp_vintage"[^>]*>\s*<option value="">default AR5</option>\s*'
                     r'<option>SAR</option>\s*<option>AR4</option>\s*<option>AR5</option>\s*<option>AR6</option>', section)
    assert 'name="param:grid_factor_before_2021"' in section and '<span class="unit">tCO2/MWh</span>' in section
    assert "allowed &gt;= 0 tCO2/MWh · no default" in section
    assert "参数" not in section
    assert "规则集参数" in client.get("/zh/check/zero-carbon-factory").text
    assert 'id="parameters"' not in client.get("/en/check/carbon-neutral").text   # it declares none


def test_parameters_from_the_form_are_used_and_kept_for_what_comes_next(client):
    park = ROOT / "examples" / "zero-carbon-park" / "passed-national.json"
    rules = load_ruleset("zero-carbon-park")
    texts = texts_of(rules.schema, load_evidence(park)[0])
    assert re.search(r'id="outcome">Passed<', client.post("/en/check/zero-carbon-park", data=texts).text)
    page = client.post("/en/check/zero-carbon-park", data={**texts, "param:clean_energy_min": "99.9"})
    assert page.status_code == 200 and re.search(r'id="outcome">Ineligible<', page.text)
    params = re.findall(r'name="params" value="([^"]*)"', page.text)
    assert len(params) == page.text.count('name="evidence"') >= 4   # every form that sends the evidence back
    assert set(params) == {"{&#34;clean_energy_min&#34;: &#34;99.9&#34;}"}
    evidence = re.search(r'name="evidence" value="([^"]*)"', page.text).group(1)
    import html
    sent = {"evidence": html.unescape(evidence), "params": html.unescape(params[0])}
    result = client.post("/en/download/zero-carbon-park/json", data=sent).json()
    assert result["outcome"] == "ineligible"
    assert result["parameters"]["clean_energy_min"] == {"value": 99.9, "unit": "%", "source": "command line",
                                                        "file_sha256": None}
    assert re.search(r'id="outcome">不符合申报条件<', client.post("/zh/result/zero-carbon-park", data=sent).text)
    what_if = client.post("/en/whatif/zero-carbon-park", data={**sent, "pointer": "/applicant/name", "value": '"X"'})
    assert what_if.status_code == 200 and 'id="hypothetical"' in what_if.text
    assert re.search(r'id="outcome">Ineligible<', what_if.text)   # still under the parameter given
    assert "{&#34;clean_energy_min&#34;: &#34;99.9&#34;}" in what_if.text
    forged = client.post("/en/result/zero-carbon-park", data={**sent, "params": '{"clean_energy_min": "120"}'})
    assert forged.status_code == 422 and "must be in [0%, 100%]" in forged.text


def test_parameters_the_ruleset_does_not_declare_and_too_many_are_said_too(client):
    page = client.post("/en/check/zero-carbon-factory", data={**four_texts(), "param:nope": "1"})
    assert page.status_code == 422 and "param:nope: ruleset zero_carbon_factory has no parameter &#39;nope&#39;" \
        in page.text
    many = "\n".join(f"p{i}=1" for i in range(101))
    response = client.post("/api/v1/check?" + "&".join(f"param=p{i}=1" for i in range(101)), content=FOUR.read_bytes())
    assert response.status_code == 400
    assert response.json()["problems"][0]["message"]["en"] == "expected at most 100 parameters, found 101"
    upload = client.post("/en/upload", files={"file": ("four.json", FOUR.read_bytes())}, data={"params": many})
    assert upload.status_code == 422 and upload.text.count("expected at most 100 parameters, found 101") == 1


def test_a_wrong_parameter_is_shown_beside_its_input_in_the_pages_language(client):
    texts = {**four_texts(), "param:grid_factor_before_2021": "-1", "param:gwp_vintage": "AR9"}
    page = client.post("/zh/check/zero-carbon-factory", data=texts)
    assert page.status_code == 422
    field = page.text[page.text.index('id="param:grid_factor_before_2021"'):]
    assert field.index("参数值无效：parameter &#39;grid_factor_before_2021&#39; must be &gt;= 0 tCO2/MWh") \
        < field.index('class="field"')
    assert 'value="-1"' in page.text   # what was typed is kept
    assert "发现 2 个问题" in page.text


def test_too_many_rows_are_refused_not_cut_short():
    from checker.interfaces.web.form import MAX_ROWS
    pairs = [(f"/emissions/direct/{i}/mass", "1") for i in range(MAX_ROWS + 1)]
    evidence, _, problems = read_form(FACTORY.schema, pairs)
    assert "direct" not in evidence.get("emissions", {})
    assert problems["/emissions/direct"][0] == f"expected at most {MAX_ROWS} rows, found {MAX_ROWS + 1}"
