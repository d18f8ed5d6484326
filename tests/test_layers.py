"""The package's shape: each module imports only its own layer or lower ones, and no module touches another
module's private names (``obj._x`` where ``_x`` is not defined in the accessing module). Reads the source."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "agentforum_nb"

#: 1 values, 2 storage and the tree, 3 the async runtime, 4 the notebook layer, 5 the package's entry points
LAYERS = {
    "errors": 1,
    "_canonical": 1,
    "messages": 1,
    "attachments": 1,
    "palette": 1,
    "fingerprint": 1,
    "store": 2,
    "cache": 2,
    "forum": 2,
    "_graphviz": 2,
    "nodes": 2,
    "compare": 2,
    "_html": 2,
    "annotations": 2,
    "events": 2,
    "export": 2,
    "results": 2,
    "streams": 3,
    "placement": 3,
    "chain": 3,
    "scope": 3,
    "calls": 3,
    "agents": 3,
    "runner": 3,
    "replay": 3,
    "experiments": 3,
    "models": 3,
    "telemetry": 3,
    "notebook": 4,
    "__init__": 5,
    "__main__": 5,
}
#: private names of other packages the library uses on purpose, and why
FOREIGN_PRIVATES = {
    "_repr_mimebundle_": "IPython's rich display protocol",
    "_esm": "anywidget's front-end module attribute",
    "_getframe": "CPython's sys._getframe: the warning of fingerprint.py names the user's line",
}


def modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).with_suffix("")
        out[".".join(rel.parts)] = path
    return out


def layer_of(module: str) -> int:
    top = module.split(".")[0]
    if top == "__init__" or module == "__init__":
        return 5
    return LAYERS[top]


def imported(module: str, tree: ast.Module) -> list[tuple[str, int, list[str]]]:
    """(target module, line, names) for every import of our package, anywhere in the module."""
    package = module.split(".")[:-1]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 0:
                if node.module and node.module.startswith("agentforum_nb"):
                    target = node.module.split(".")[1:] or ["__init__"]
                    out.append((".".join(target), node.lineno, [a.name for a in node.names]))
                continue
            base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
            target = base + (node.module.split(".") if node.module else [])
            names = [a.name for a in node.names]
            if not node.module:  # `from . import notebook`
                for n in names:
                    out.append((".".join(base + [n]), node.lineno, []))
                continue
            out.append((".".join(target) or "__init__", node.lineno, names))
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("agentforum_nb."):
                    out.append((".".join(a.name.split(".")[1:]), node.lineno, []))
    return out


def test_every_module_has_a_layer():
    assert all(m.split(".")[0] in LAYERS or m == "__init__" for m in modules())


def test_no_module_imports_a_higher_layer():
    problems = []
    for module, path in modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        mine = layer_of(module)
        for target, line, _ in imported(module, tree):
            if target and layer_of(target) > mine:
                problems.append(f"{module}:{line} imports {target} (layer {layer_of(target)} > {mine})")
    assert not problems, "\n".join(problems)


def test_no_private_names_imported_from_other_modules():
    problems = []
    mods = modules()
    for module, path in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for target, line, names in imported(module, tree):
            for n in names:
                if n.startswith("_") and not n.startswith("__") and f"{target}.{n}" not in mods:
                    problems.append(f"{module}:{line} imports {n} from {target}")
    assert not problems, "\n".join(problems)


def defined_private_names(tree: ast.Module) -> set[str]:
    """Private names a module defines: its functions, classes and their attributes, slots, assignments."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Name) and t.id == "__slots__" and isinstance(node.value, (ast.Tuple, ast.List)):
                    names.update(e.value for e in node.value.elts if isinstance(e, ast.Constant))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return {n for n in names if n.startswith("_")}


def test_no_module_touches_another_modules_private_names():
    problems = []
    for module, path in modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        own = defined_private_names(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Attribute):
                continue
            name = node.attr
            if not name.startswith("_") or (name.startswith("__") and name.endswith("__")):
                continue
            if isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
                continue
            if name in own or name in FOREIGN_PRIVATES:
                continue
            problems.append(f"{module}:{node.lineno} reads {ast.unparse(node)}")
    assert not problems, "\n".join(problems)
