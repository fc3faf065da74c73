"""The package's layout rules, checked on the source itself.

Phases import only earlier phases; no module uses another's private names; no module is over 800 lines;
docs/modules.md lists every module once, each below what it imports. The shared modules at the top of
the package (errors, resources, inputs, pointer, catalogue, …) come before every phase, and
`checker/__init__.py` (the public API) may import any of them.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "checker"
PHASES = ("language", "evidence", "evaluation", "outputs", "tools", "interfaces")
MAX_LINES = 800


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def phase(module: str) -> int:
    """0 for the shared modules, then 1… in the order of PHASES."""
    parts = module.split(".")
    return PHASES.index(parts[1]) + 1 if len(parts) > 1 and parts[1] in PHASES else 0


def imports(module: str, lazy: bool = True):
    """(imported module, names, line) for every import of the package in `module`; with `lazy`, also those
    inside functions (made when first needed)."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree) if lazy else tree.body:
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] == "checker":
                names = [alias.name for alias in node.names]
                # `from . import uscc` imports a module, not a name of the package
                yield from ((f"{target}.{n}", [], node.lineno) for n in names if f"{target}.{n}" in MODULES)
                yield target, [n for n in names if f"{target}.{n}" not in MODULES], node.lineno
        elif isinstance(node, ast.Import):
            yield from ((alias.name, [], node.lineno) for alias in node.names if alias.name.startswith("checker."))


def test_the_package_is_found():
    assert {"checker.language.compile", "checker.evaluation.result", "checker.pointer"} <= set(MODULES)
    assert phase("checker.pointer") == 0 and phase("checker.language.compile") < phase("checker.evaluation.result")


@pytest.mark.parametrize("module", [m for m in MODULES if m != "checker"])
def test_no_module_imports_a_later_phase(module):
    later = [f"line {line}: {target}" for target, _, line in imports(module) if phase(target) > phase(module)]
    assert not later, f"{module} imports a later phase: {later}"


@pytest.mark.parametrize("module", list(MODULES))
def test_no_private_name_is_used_outside_its_module(module):
    used = [f"line {line}: {target}.{name}" for target, names, line in imports(module) for name in names
            if name.startswith("_") and not name.startswith("__")]
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    modules = {alias.asname or alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
               for alias in node.names if node.module is None or node.level}  # `from . import x` binds modules
    used += [f"line {node.lineno}: {node.value.id}.{node.attr}" for node in ast.walk(tree)
             if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules
             and node.attr.startswith("_") and not node.attr.startswith("__")]
    assert not used, f"{module} uses private names of other modules: {used}"


@pytest.mark.parametrize("module", list(MODULES))
def test_no_module_is_over_800_lines(module):
    lines = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{module} has {lines} lines"


def module_map() -> list[str]:
    """The modules docs/modules.md lists, in its order."""
    text = (PACKAGE.parent / "docs" / "modules.md").read_text("utf-8")
    listed = []
    for section in re.split(r"\n## ", text):
        folder = re.search(r"`checker/(\w+)/`", section.splitlines()[0])
        for cell in re.findall(r"^\| (`[^|]+`) \|", section, re.M):
            for name in re.findall(r"[\w/]+\.py", cell):
                listed.append(module_name(PACKAGE.parent / (name if name.startswith("checker/")
                                                            else f"checker/{folder.group(1)}/{name}")))
    return listed


def test_the_module_map_names_every_module_once():
    listed = module_map()
    documented = {m for m, path in MODULES.items() if path.name not in ("__init__.py", "__main__.py")
                  or m in ("checker", "checker.interfaces.cli", "checker.interfaces.web")}
    assert sorted(listed) == sorted(documented)   # each once: a repeated line fails too


def test_the_module_map_lists_each_module_below_what_it_imports():
    place = {module: n for n, module in enumerate(module_map())}

    def listed(target):   # a package's own __init__ is listed under its first module, if at all
        while target not in place and "." in target:
            target = target.rpartition(".")[0]
        return place.get(target)

    # As modules load: a lazy import may reach further down (inputs asks the catalogue for the words of a
    # failure, and the catalogue reads a custom folder's file with inputs).
    above = [f"{module} imports {target}" for module in place if module != "checker"   # the public API
             for target, _, _ in imports(module, lazy=False) if (listed(target) or 0) > place[module]]
    assert not above


# Chinese in the package's code outside the catalogue, each with why it is not a word to translate:
# formats and symbols that read the same in every language, terms quoted in English, ruleset source.
NOT_WORDS = {
    "checker.evidence.workbook": {"封面", "无"},   # the workbook's cover sheet, and "none" in a list sheet
    "checker.evidence.fields": {"是", "否", "封面", "万", "亿", "元", "万元", "亿元"},   # yes/no as typed in a cell, unit symbols
    "checker.language.units": {"万", "亿", "元", "万元", "亿元"},   # unit symbols and prefixes
    "checker.language.highlight": {"万", "亿", "元"},
    "checker.outputs.numbers": {"元", "万", "亿"},   # unit symbols and prefixes
    "checker.evidence.conventions": {"一", "鿿"},   # a character range
    "checker.language.functions": {"四舍五入", "范围三"},   # quoted in a built-in's description, an example
    "checker.tools.cases": {"一致性"},   # ruleset source: the header of inline rules
    "checker.tools.scaffold": {"万", "亿"},   # unit prefixes
}
HAN = re.compile("[\u4e00-\u9fff]+")


def chinese_literals(module: str) -> list[tuple[int, str]]:
    """Every string constant with Chinese in it, f-string pieces included, docstrings left out."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
            and HAN.search(node.value)]


@pytest.mark.parametrize("module", list(MODULES))
def test_every_word_is_in_the_catalogue(module):
    """zh text (and so its en) lives in templates/messages.yaml, never inline beside its translation."""
    inline = [f"line {line}: {text!r}" for line, text in chinese_literals(module)
              if not set(HAN.findall(text)) <= NOT_WORDS.get(module, set())]
    assert not inline, f"{module} has words outside the catalogue: {inline}"


def test_the_words_test_finds_inline_words(tmp_path, monkeypatch):
    source = tmp_path / "sample.py"
    source.write_text('"""文档"""\nraise Error("expected a file", f"应为文件：{path}")\nLABEL = "General"\n',
                      encoding="utf-8")
    monkeypatch.setitem(MODULES, "checker.sample", source)
    assert [text for _, text in chinese_literals("checker.sample")] == ["应为文件："]
