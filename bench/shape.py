"""The shape of the code, as issue 17 measures it. Prints one JSON object:

    python bench/shape.py [--src src]

- `long_functions`: functions in src/changple_entrypoints longer than 40 lines (def to last line);
- `long_modules`: modules in src over 400 lines;
- `container_parameters`: HTTP handlers and CLI commands with a parameter annotated as the container
  (the rule), and `helpers_taking_the_container`: other entrypoint functions that do (app and worker
  start-up, which sit beside the composition root);
- `handlers_with_several_use_cases`: HTTP handlers that name more than one bound use case
  (`UseCase[...]` parameters);
- `duplicate_pairs`: what the `duplicates` tool counts over src (null where the tool is missing)."""

from __future__ import annotations

import argparse
import ast
import json
import re
import shutil
import subprocess
from pathlib import Path

ROUTE_DECORATORS = {"get", "post", "put", "patch", "delete", "route"}


def _decorator_name(node: ast.expr) -> str:
    target = node.func if isinstance(node, ast.Call) else node
    if isinstance(target, ast.Attribute):
        return target.attr
    return target.id if isinstance(target, ast.Name) else ""


def _functions(tree: ast.AST) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


def measure(src: Path) -> dict[str, object]:
    long_functions: list[str] = []
    long_modules: list[str] = []
    container_parameters: list[str] = []
    helpers: list[str] = []
    several_use_cases: list[str] = []
    for path in sorted(src.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        where = str(path.relative_to(src))
        if len(text.splitlines()) > 400:
            long_modules.append(f"{where} ({len(text.splitlines())} lines)")
        if "changple_entrypoints" not in path.parts:
            continue
        for function in _functions(ast.parse(text)):
            name = f"{where}:{function.lineno} {function.name}"
            length = (function.end_lineno or function.lineno) - function.lineno + 1
            if length > 40:
                long_functions.append(f"{name} ({length} lines)")
            parameters = function.args.args + function.args.kwonlyargs
            annotations = [ast.unparse(a.annotation) for a in parameters if a.annotation]
            decorators = {_decorator_name(d) for d in function.decorator_list}
            is_handler = bool(decorators & ROUTE_DECORATORS)
            is_command = bool(decorators & {"command", "callback"}) or function.name.endswith("_cmd")
            takes_container = any(re.search(r"\b(Container|Services)\b", a) for a in annotations)
            if takes_container and "composition" not in path.parts:
                (container_parameters if is_handler or is_command else helpers).append(name)
            if is_handler and sum(a.startswith("UseCase[") for a in annotations) > 1:
                several_use_cases.append(name)
    return {
        "long_functions": long_functions,
        "long_modules": long_modules,
        "container_parameters": container_parameters,
        "helpers_taking_the_container": helpers,
        "handlers_with_several_use_cases": several_use_cases,
        "duplicate_pairs": _duplicate_pairs(src),
    }


def _duplicate_pairs(src: Path) -> int | None:
    tool = shutil.which("duplicates")
    if tool is None:
        return None
    out = subprocess.run([tool, "--repo", str(src), "--seconds", "120"], capture_output=True, text=True, check=False)
    found = re.match(r"(\d+) pairs", out.stdout)
    return int(found.group(1)) if found else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, default=Path(__file__).resolve().parents[1] / "src")
    print(json.dumps(measure(parser.parse_args().src), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
